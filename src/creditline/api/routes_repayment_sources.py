"""/v1/me/repayment-sources and /v1/me/payday: the accounts and wallets auto-debit asks, in the
borrower's priority order, and when the borrower is paid.

Linking a source is stepped up and screened like a change of repayment account: an account with a
passkey sends an assertion on every link (without it `401 step_up_required`: the client asks `POST
/v1/me/repayment-sources/approvals` for passkey options bound to linking the new account number and
posts again with the assertion; an approval of a repayment-account change is `401 binding_mismatch`
here, even for the same number); a hold → `409 held_for_review`. Numbers are stored
encrypted and only shown masked. A source id that is not one of the caller's active sources answers
`404 source_not_found`, whoever it belongs to.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from creditline.api.deps import Runtime, caller, own_borrower, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, DeviceId
from creditline.api.problems import PROBLEM_RESPONSES, VAULT_UNAVAILABLE
from creditline.api.schemas_access import PasskeyOptions
from creditline.api.schemas_servicing import AccountChange
from creditline.app import repayment_accounts, repayment_sources
from creditline.app.access import Principal
from creditline.app.drawdown_screening import Client
from creditline.app.step_ups import StepUp
from creditline.identity.roles import Permission

router = APIRouter(
    prefix="/v1/me", tags=["repayment sources"], responses=PROBLEM_RESPONSES | VAULT_UNAVAILABLE, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
SourceId = Annotated[str, Path(pattern=ID_PATTERN)]
_IN = ConfigDict(extra="forbid")


class SourceAdd(BaseModel):
    model_config = _IN
    account_number: str = Field(
        min_length=8, max_length=48, description="letters and digits; spaces and hyphens ignored"
    )
    kind: str = Field(default="bank-account", description="bank-account or wallet")
    assertion: dict[str, Any] | None = Field(
        default=None,
        description="navigator.credentials.get() answering this account's approval options "
        "(required when the signed-in account has a passkey)",
    )


class Source(BaseModel):
    source_id: str
    kind: str
    account: str | None = Field(description="masked; null for the account given on the application")
    on_file: bool = Field(description="the account on file (the repayment account), linked as a source")
    priority: int
    status: str
    added_on: str | None


class SourceAdded(BaseModel):
    source_id: str
    kind: str
    account: str
    priority: int
    status: str
    added_on: str
    monitoring: dict[str, Any]


class Sources(BaseModel):
    sources: list[Source]


class PriorityChange(BaseModel):
    model_config = _IN
    priority: int = Field(ge=1, le=10, description="the new place in the order, 1 asked first")


class Order(BaseModel):
    order: list[str]


class SourceRemoved(BaseModel):
    source_id: str
    status: str
    removed_on: str
    order: list[str]


class PaydayStated(BaseModel):
    model_config = _IN
    payday: int = Field(ge=1, le=31, description="day of the month the borrower is paid")


class Payday(BaseModel):
    borrower_id: str
    payday: int
    basis: str
    recorded_on: str


@router.get("/repayment-sources", response_model=Sources)
def list_sources(principal: Caller, rt: Rt) -> dict:
    """The caller's active repayment sources in priority order, masked (the read is logged)."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    return repayment_sources.list_sources(rt.engine, borrower_id, principal.account_id)


@router.post("/repayment-sources/approvals", response_model=PasskeyOptions)
def approval_options(body: AccountChange, principal: Caller, rt: Rt) -> dict:
    """Options for the passkey assertion that approves linking exactly this account (single-use, expiring)."""
    from creditline.app.passkey_flows import begin_step_up

    own_borrower(principal, Permission.REPAY_OWN)
    binding = repayment_accounts.approval_binding(body.account_number, repayment_accounts.LINK)
    return begin_step_up(rt.engine, rt.access, principal.account_id, binding)


@router.post("/repayment-sources", status_code=201, response_model=SourceAdded)
def add_source(body: SourceAdd, principal: Caller, rt: Rt, device: DeviceId = None) -> dict:
    """Link a source, asked after the others until reordered; stepped up and screened like an account change."""
    borrower_id = own_borrower(principal, Permission.REPAY_OWN)
    command = repayment_sources.AddSource(
        borrower_id, principal.account_id, body.account_number, body.kind, Client(device),
        step_up=StepUp(rt.access, principal.account_id, body.assertion),
    )  # fmt: skip
    return repayment_sources.add_source(rt.engine, command)


@router.put("/repayment-sources/{source_id}/priority", response_model=Order)
def move_source(source_id: SourceId, body: PriorityChange, principal: Caller, rt: Rt) -> dict:
    """Move one of the caller's sources to a place in the order."""
    borrower_id = own_borrower(principal, Permission.REPAY_OWN)
    return repayment_sources.move_source(rt.engine, borrower_id, source_id, body.priority)


@router.delete("/repayment-sources/{source_id}", response_model=SourceRemoved)
def remove_source(source_id: SourceId, principal: Caller, rt: Rt) -> dict:
    """Stop asking one of the caller's sources (the last one stays)."""
    borrower_id = own_borrower(principal, Permission.REPAY_OWN)
    return repayment_sources.remove_source(rt.engine, borrower_id, source_id)


@router.put("/payday", response_model=Payday)
def state_payday(body: PaydayStated, principal: Caller, rt: Rt) -> dict:
    """When the caller is paid: auto-debit asks on that day when it falls inside the grace days."""
    borrower_id = own_borrower(principal, Permission.REPAY_OWN)
    return repayment_sources.state_payday(rt.engine, borrower_id, body.payday)
