"""/v1/lines: a borrower's credit lines, the live drawdown preview, and drawdowns approved with a passkey."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from creditline.api.deps import (
    Runtime,
    borrower_only,
    caller,
    runtime,
    same_currency,
    scoped_borrower,
    visible_line,
)
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import BorrowerQuery, DeviceId, IdempotencyKey, LineId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_access import PasskeyOptions
from creditline.api.schemas_lending import (
    AMOUNT_PATTERN,
    Drawdown,
    DrawdownPreview,
    DrawdownTerms,
    Line,
    Lines,
    MethodName,
)
from creditline.api.schemas_servicing import DrawnLoan
from creditline.app import drawdowns, lines, ownership, quotes
from creditline.app.access import Principal
from creditline.app.drawdown_screening import Client
from creditline.identity.roles import Permission, require

router = APIRouter(prefix="/v1", tags=["lines and drawdowns"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]


@router.get("/lines", response_model=Lines)
def list_lines(principal: Caller, rt: Rt, borrower_id: BorrowerQuery = None) -> dict:
    return {"lines": ownership.lines_of(rt.engine, scoped_borrower(principal, borrower_id))}


@router.get("/lines/{line_id}", response_model=Line)
def show_line(line_id: LineId, principal: Caller, rt: Rt) -> dict:
    visible_line(rt, principal, line_id)
    return lines.show_line(rt.engine, line_id)


@router.get("/lines/{line_id}/drawdown-preview", response_model=DrawdownPreview)
def preview(
    line_id: LineId,
    principal: Caller,
    rt: Rt,
    amount: Annotated[str, Query(pattern=AMOUNT_PATTERN)],
    term_months: Annotated[int, Query(ge=1, le=600)],
    method: Annotated[MethodName | None, Query()] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> dict:
    """The schedule this drawdown would have, its total interest, and the APR next to the daily rate."""
    same_currency(currency, visible_line(rt, principal, line_id))
    return quotes.drawdown_preview(rt.engine, line_id, amount, term_months, method)


def _request(rt: Runtime, principal: Principal, line_id: str, terms: DrawdownTerms) -> dict:
    borrower_only(principal)
    require(principal.role, Permission.DRAW)
    line_currency = visible_line(rt, principal, line_id)
    same_currency(terms.currency, line_currency)
    return drawdowns.approval_request(line_id, line_currency, terms.amount, terms.term_months, terms.method, terms.coupon_id)


@router.post("/lines/{line_id}/drawdown-approvals", response_model=PasskeyOptions)
def approval_options(line_id: LineId, body: DrawdownTerms, principal: Caller, rt: Rt) -> dict:
    """Options for the passkey assertion that approves exactly this drawdown (single-use, expiring)."""
    return drawdowns.begin_approval(rt.engine, rt.access, principal, _request(rt, principal, line_id, body))


@router.post("/lines/{line_id}/drawdowns", status_code=201, response_model=DrawnLoan)
def draw(line_id: LineId, body: Drawdown, key: IdempotencyKey, principal: Caller, rt: Rt, device: DeviceId = None) -> dict:
    """Draw: a user-verified passkey assertion for this very drawdown, transaction monitoring (a hold is
    409 held_for_review, nothing drawn), then the loan, disbursed — with the coupon redeemed if one is named."""
    request = _request(rt, principal, line_id, body)
    client = Client(device)
    return drawdowns.draw_approved(rt.engine, rt.access, principal, key, request, body.amount, body.assertion, client=client)
