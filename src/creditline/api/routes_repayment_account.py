"""/v1/me/repayment-account: the account a borrower repays from (and is paid to), changed through
transaction monitoring.

`PUT` needs a passkey assertion bound to the new account (user verification required) for every
change of an account that has a passkey: without it `401 step_up_required`, and the client asks
`POST /v1/me/repayment-account/approvals` for passkey options bound to the new account, then sends
the `PUT` again with the assertion. The change is then screened (`app.repayment_accounts`): allowed
or verified → stored; a hold → `409 held_for_review` until a reviewer releases it. (An account with
no passkey is screened on the session alone: a step-up outcome asks for the assertion.) The number is stored
encrypted in the privacy vault and only ever shown masked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from creditline.api.deps import Runtime, caller, own_borrower, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import DeviceId
from creditline.api.problems import PROBLEM_RESPONSES, VAULT_UNAVAILABLE
from creditline.api.schemas_access import PasskeyOptions
from creditline.api.schemas_servicing import (
    AccountChange,
    AccountChangeApproved,
    AccountChanged,
    RepaymentAccount,
)
from creditline.app import repayment_accounts
from creditline.app.access import Principal
from creditline.app.drawdown_screening import Client
from creditline.app.step_ups import StepUp
from creditline.identity.roles import Permission

router = APIRouter(
    prefix="/v1/me", tags=["repayment account"], responses=PROBLEM_RESPONSES | VAULT_UNAVAILABLE, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]


@router.get("/repayment-account", response_model=RepaymentAccount)
def show(principal: Caller, rt: Rt) -> dict:
    """The repayment account on file, masked (the read is logged in the borrower's access log)."""
    borrower_id = own_borrower(principal, Permission.READ_OWN)
    return repayment_accounts.show_account(rt.engine, borrower_id, principal.account_id)


@router.post("/repayment-account/approvals", response_model=PasskeyOptions)
def approval_options(body: AccountChange, principal: Caller, rt: Rt) -> dict:
    """Options for the passkey assertion that approves changing to exactly this account (single-use, expiring)."""
    from creditline.app.passkey_flows import begin_step_up

    own_borrower(principal, Permission.REPAY_OWN)
    binding = repayment_accounts.approval_binding(body.account_number)
    return begin_step_up(rt.engine, rt.access, principal.account_id, binding)


@router.put("/repayment-account", response_model=AccountChanged)
def change(body: AccountChangeApproved, principal: Caller, rt: Rt, device: DeviceId = None) -> dict:
    """Change the repayment account: a step-up (an account with a passkey), then screened; a hold needs a reviewer."""
    borrower_id = own_borrower(principal, Permission.REPAY_OWN)
    command = repayment_accounts.ChangeAccount(
        borrower_id, principal.account_id, body.account_number, Client(device),
        step_up=StepUp(rt.access, principal.account_id, body.assertion),
    )  # fmt: skip
    return repayment_accounts.change_account(rt.engine, command)
