"""The `debit-returns` stage (OPEN, first): the debits the bank returned on the day being closed taken off
their loans before anything else reads them.

A debit the bank executed can come back days later (R01, insufficient funds: the money was never
there). Until it is booked, the loan shows an installment paid with money the lender does not have:
the day's accrual would charge no penalty on it, the auto-debit would not ask for it again,
classification and provisions would count it as performing. So the day's returns are booked first,
each as a reversal of the repayment the debit paid (`app.debit_reconciliation.book_returns`: one balanced
entry under the key `return:<debit key>`), and the day's auto-debit then sees the installment owed
again. A killed run calls the stage again: a return already booked answers with its first reversal.

The returns come from the bank's statement; the simulated bank keeps its statement in this database.
With any other gateway the stage books nothing, and its summary says `statement: false` (a real bank's
return file is loaded into the same shape, which `creditline autodebit reconcile` reads).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from creditline.app.eod_stages import EodContext, StageResult

STAGE = "debit-returns"


def book_day_returns(engine: Engine, business_date: date, context: EodContext) -> StageResult:
    from creditline.app.debit_reconciliation import book_returns
    from creditline.app.eod_autodebit import bank_books_here

    if not bank_books_here(engine, context.gateway):  # nothing to say on most days: no message
        return StageResult(STAGE, {"statement": False, "returns": 0, "return_breaks": 0})
    report = book_returns(engine, business_date)
    returns, breaks = report["returns"], report["return_breaks"]
    summary = {
        "statement": True,
        "returns": len(returns),
        "returned_minor": sum(r["returned_minor"] for r in returns),
        "return_breaks": len(breaks),
        "break_kinds": sorted({b["kind"] for b in breaks}),
    }
    said = [f"{len(returns)} returned debit(s) reversed"] if returns else []
    said += [f"{len(breaks)} returned debit(s) not booked (breaks)"] if breaks else []
    return StageResult(STAGE, summary, ", ".join(said))  # a day with no returns says nothing
