"""A loan's standing on a date — status, days past due, and each installment's due date, status and
figures in integer minor units — as `replay` would give it, without building the `LoanState`.

A payment history (`servicing.behaviour_history`) reads only these of a replayed loan; freezing the
fold into a `LoanState` (a `Money` for every figure of every installment, the totals, the accrual
snapshot) cost more than the fold itself when the limit review replays every loan of every line it
reviews. `standing_of(state)` gives the same figures from a `LoanState`, so the two paths share
one formula, and a property test holds `standing(...)` equal to `standing_of(replay(...))`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from creditline.lending.loan.book import Book
from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.events import LoanEvent
from creditline.lending.loan.fast_path import Checkpoint, checkpoint_of, continued, moved_to
from creditline.lending.loan.fold import fold
from creditline.lending.loan.state import InstallmentStatus, LoanState, LoanStatus
from creditline.lending.loan.view import row_status


@dataclass(frozen=True, slots=True)
class InstallmentFigures:
    due_date: date
    status: InstallmentStatus
    total_due_minor: int  # principal, interest (the running period's so far) and fees due
    waived_minor: int  # interest and fees waived
    written_off_minor: int  # principal, interest and fees written off


@dataclass(frozen=True, slots=True)
class LoanStanding:
    status: LoanStatus
    days_past_due: int
    installments: tuple[InstallmentFigures, ...]  # in the order of `LoanState.installments`


def standing(contract: LoanContract, events: Sequence[LoanEvent], as_of: date) -> LoanStanding:
    """`standing_of(replay(contract, events, as_of))`, read straight off the fold."""
    return _standing_of_book(fold(contract, events, as_of))


def standing_kept(contract: LoanContract, events: Sequence[LoanEvent], as_of: date) -> tuple[LoanStanding, Checkpoint]:
    """`standing(...)`, and the fold's checkpoint as of `as_of` for `standing_from` on a later date."""
    book = fold(contract, events, as_of)
    checkpoint = checkpoint_of(book, max(e.sequence for e in events))
    return _standing_of_book(book), checkpoint


def standing_from(checkpoint: Checkpoint, contract: LoanContract, as_of: date) -> LoanStanding:
    """`standing(contract, events, as_of)` from the checkpoint `standing_kept` gave for the same events
    on an earlier date (no event since, none dated after it): the fold moved on in time only, as a
    command continues it (`fast_path`), instead of folding the history again."""
    return _standing_of_book(moved_to(checkpoint, contract, as_of))


def standing_continued(checkpoint: Checkpoint, contract: LoanContract, newer: Sequence[LoanEvent],
                       as_of: date) -> tuple[LoanStanding, Checkpoint] | None:  # fmt: skip
    """`standing_kept` of the whole history, from the checkpoint `standing_kept` gave for its earlier part
    and the events recorded since (`fast_path.continued`); None when the history must be folded again."""
    book = continued(checkpoint, contract, newer, as_of)
    if book is None:
        return None
    last_sequence = max([checkpoint.last_sequence, *(e.sequence for e in newer)])
    checkpoint = checkpoint_of(book, last_sequence)
    return _standing_of_book(book), checkpoint


def _standing_of_book(book: Book) -> LoanStanding:
    running = book.running_interest()
    open_row = book.open_row()
    figures = []
    for row in book.rows:
        running_here = running if row is open_row else 0  # as `view.state_of` freezes each row
        figures.append(InstallmentFigures(
            row.due, row_status(row, book.day, running_here),
            row.principal_due + row.interest_due + running_here + row.fee_due,
            row.interest_waived + row.fee_waived,
            row.principal_written_off + row.interest_written_off + row.fee_written_off,
        ))  # fmt: skip
    return LoanStanding(book.status, book.days_past_due, tuple(figures))


def standing_of(state: LoanState) -> LoanStanding:
    """The standing of a replayed loan."""
    return LoanStanding(state.status, state.days_past_due, tuple(
        InstallmentFigures(
            row.due_date, row.status, row.total_due.minor, (row.interest_waived + row.fee_waived).minor,
            (row.principal_written_off + row.interest_written_off + row.fee_written_off).minor,
        )
        for row in state.installments
    ))  # fmt: skip
