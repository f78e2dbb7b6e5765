"""End of day for one loan: accrue and age it by a day without its event history.

`accrue_one_day(replay(c, events, d))` equals `replay(c, events, d + 1)` whenever no event is dated
d + 1: it thaws the state into the fold's own `Book` and moves it with the same methods. The numpy
batch (`batch.accrue_batch`) is the same formula over arrays; property tests hold all three equal.
"""

from __future__ import annotations

from datetime import date, timedelta

from creditline.lending.loan.state import LoanState
from creditline.lending.loan.view import book_of, state_of

ONE_DAY = timedelta(days=1)


def accrue_one_day(state: LoanState) -> LoanState:
    """The loan a day later, with no new events: one more day of interest and penalty, aged a day."""
    return accrue_to(state, state.as_of + ONE_DAY)


def accrue_to(state: LoanState, day: date) -> LoanState:
    """The loan on `day` (not before its `as_of`), with no new events."""
    assert day >= state.as_of, "accrual only moves forward"
    book = book_of(state)
    book.advance(day)
    book.settle()
    return state_of(book, state.currency)
