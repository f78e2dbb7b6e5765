"""/v1/borrowers/{borrower_id}/credit-refunds: finance pays a borrower's credit balance back out.

A credit balance is what the borrower overpaid, kept on the loans the money landed on. A refund is
`creditline refund-credit` over HTTP (`app.credit_refunds`): taken from those loans in loan-id order,
booked as one balanced journal entry, under the `Idempotency-Key`. Paying money out to a borrower is
finance's alone (`refund_credit`): a collections agent posts money in, never out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from creditline.api.deps import Runtime, allowed, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import BorrowerId, IdempotencyKey
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import CreditRefund, CreditRefundAsk
from creditline.app.access import Principal
from creditline.app.applications import client_key
from creditline.app.credit_refunds import RefundCredit, refund_credit
from creditline.identity.roles import Permission

router = APIRouter(
    prefix="/v1", tags=["credit refunds"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Finance = Annotated[Principal, Depends(allowed(Permission.REFUND_CREDIT))]


@router.post("/borrowers/{borrower_id}/credit-refunds", status_code=201, response_model=CreditRefund)
def refund(borrower_id: BorrowerId, body: CreditRefundAsk, key: IdempotencyKey, finance: Finance, rt: Rt) -> dict:
    """Pay back out part or all of the borrower's credit balance in one currency (the one they hold, or
    the one named when they hold several). Refused with nothing changed: more than the balance
    (`insufficient_credit`), a currency they hold nothing in (`currency_not_held`), none named when they
    hold several (`currency_required`), no such borrower (404 `borrower_not_found`)."""
    command = RefundCredit(borrower_id, body.amount, client_key(finance.account_id, key), body.currency)
    return refund_credit(rt.engine, command)
