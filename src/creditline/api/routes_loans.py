"""/v1/loans: a borrower's loans, schedules, repayments, prepayments and early-payoff quotes."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from creditline.api.deps import Runtime, caller, runtime, same_currency, scoped_borrower, visible_loan
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, BorrowerQuery, IdempotencyKey, LoanId, PageSize
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import (
    Loan,
    LoanChanged,
    Loans,
    PayoffQuote,
    Prepayment,
    Repayment,
    Schedule,
)
from creditline.app import loans, ownership, quotes
from creditline.app.access import Principal
from creditline.app.applications import client_key
from creditline.app.errors import LoanNotFound
from creditline.identity.roles import Permission, Role, require

router = APIRouter(prefix="/v1", tags=["loans"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]


@router.get("/loans", response_model=Loans)
def list_loans(
    principal: Caller,
    rt: Rt,
    borrower_id: BorrowerQuery = None,
    after: Annotated[str | None, Query(pattern=ID_PATTERN, description="the last loan id of the previous page")] = None,
    limit: PageSize = 50,
) -> dict:
    page = ownership.loans_of(rt.engine, scoped_borrower(principal, borrower_id), after=after, limit=limit)
    return {"loans": page, "next_after": page[-1]["loan_id"] if len(page) == limit else None}


@router.get("/loans/{loan_id}", response_model=Loan)
def show(loan_id: LoanId, principal: Caller, rt: Rt) -> dict:
    """The loan replayed to today: balances, installments, the contract schedule and every event."""
    visible_loan(rt, principal, loan_id)
    return loans.show_loan(rt.engine, loan_id)


@router.get("/loans/{loan_id}/schedule", response_model=Schedule)
def schedule(loan_id: LoanId, principal: Caller, rt: Rt) -> dict:
    visible_loan(rt, principal, loan_id)
    view = loans.show_loan(rt.engine, loan_id)
    return {k: view[k] for k in ("loan_id", "currency", "installments", "schedule")}


@router.get("/loans/{loan_id}/payoff-quote", response_model=PayoffQuote)
def payoff_quote(
    loan_id: LoanId,
    principal: Caller,
    rt: Rt,
    on: Annotated[date | None, Query(description="default: the business date")] = None,
) -> dict:
    """What clears the loan on a day: interest only for the days used; repay this total to pay off."""
    visible_loan(rt, principal, loan_id)
    return quotes.payoff_quote(rt.engine, loan_id, on)


def _may_pay(rt: Runtime, principal: Principal, loan_id: str, currency: str | None) -> None:
    if principal.role is Role.BORROWER:
        require(principal.role, Permission.REPAY_OWN)
    else:
        require(principal.role, Permission.POST_REPAYMENT)
    same_currency(currency, visible_loan(rt, principal, loan_id))


@router.post("/loans/{loan_id}/repayments", status_code=201, response_model=LoanChanged)
async def repay(loan_id: LoanId, body: Repayment, key: IdempotencyKey, principal: Caller, rt: Rt) -> dict:
    """Repay: allocated by the product's order (penalty, fee, interest, principal); overpayment is kept as credit.

    Whose loan it is and its currency are checked by the repayment itself, under the loan's lock (a
    borrower's `as_borrower`): no read of its own, and the event loop awaits the result without a thread."""
    command = loans.Repay(
        loan_id, body.amount, client_key(principal.account_id, key), as_borrower=_payer(principal, loan_id),
        currency=body.currency,
    )  # fmt: skip
    if rt.repayments is not None:  # with the other repayments this worker is taking at the same moment
        return await asyncio.wrap_future(rt.repayments.submit(command))
    return await run_in_threadpool(loans.repay, rt.engine, command)


def _payer(principal: Principal, loan_id: str) -> str | None:
    """The borrower a repayment must be for (None: an operator may post it on any borrower's loan)."""
    if principal.role is Role.BORROWER:
        require(principal.role, Permission.REPAY_OWN)
        if principal.borrower_id is None:  # an account not yet linked to a borrower owns no loan
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan_id")
        return principal.borrower_id
    require(principal.role, Permission.POST_REPAYMENT)
    require(principal.role, Permission.READ_ANY_BORROWER)
    return None


@router.post("/loans/{loan_id}/prepayments", status_code=201, response_model=LoanChanged)
def prepay(loan_id: LoanId, body: Prepayment, key: IdempotencyKey, principal: Caller, rt: Rt) -> dict:
    """Prepay part of the principal and re-amortise: keep the term or keep the installment."""
    _may_pay(rt, principal, loan_id, body.currency)
    command = loans.Prepay(loan_id, body.amount, body.mode, client_key(principal.account_id, key))
    return loans.prepay(rt.engine, command)
