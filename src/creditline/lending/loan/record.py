"""Recording one new event: validate it and return the loan before and after, folding as little as possible.

This is what a command (repay, waive, reverse...) needs: the state before, to diff totals against,
and the state after. An event dated on the business date is the last thing in history, so the
fold that produced "before" simply continues with it; a backdated event or a reversal changes the
past and is replayed from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.events import EventKind, LoanEvent
from creditline.lending.loan.fold import apply, fold, replay
from creditline.lending.loan.state import LoanState, LoanTotals
from creditline.lending.loan.validation import validate_event
from creditline.lending.loan.view import state_of


@dataclass(frozen=True, slots=True)
class Recorded:
    before: LoanState
    after: LoanState

    @property
    def movements(self) -> LoanTotals:
        """What the event moved: one balanced journal entry's worth."""
        return self.after.totals.minus(self.before.totals)


def record_event(
    contract: LoanContract, events: Sequence[LoanEvent], new_event: LoanEvent, business_date: date
) -> Recorded:
    """Validate `new_event` against the history and return the loan on `business_date` before and after it."""
    cur = contract.terms.principal.currency
    book = fold(contract, events, business_date)
    before = state_of(book, cur)
    validate_event(contract, events, new_event, business_date, now=before)
    appended = new_event.effective_date == business_date and new_event.kind not in (
        EventKind.REVERSAL,
        EventKind.DISBURSEMENT,
    )
    if appended:
        book.reopen_day()
        apply(book, contract, new_event)
        book.settle()
        return Recorded(before, state_of(book, cur))
    return Recorded(before, replay(contract, [*events, new_event], business_date))
