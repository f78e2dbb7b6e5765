"""What collections needs to know of every open loan, read from the loan snapshots without replaying.

Each loan row holds its installments that still matter as int64 arrays (due ordinals, principal unpaid,
other unpaid; see `store.accrual_columns`): an installment due before the business date with
something unpaid is overdue in full (its period's interest is closed), so the overdue amount is
those rows plus the penalty receivable, and the next due date is the first row due on or after today.

One formula, two speeds: `loan_row` reads one loan; `page_facts` reads a page of loans with numpy
(the per-installment rows of the whole page at once) and gives the same figures (property-tested).
The stage only builds Python objects for the loans the strategy acts on today, or that have an
open work item — on a large book most loans have nothing due for days.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from creditline.servicing.collections_strategy import Strategy
from creditline.store import UnitOfWork
from creditline.store.accrual_columns import ROW_DTYPE

COLLECTED_STATUSES = ("active", "overdue", "charged-off")
PAGE_SIZE = 50_000
NO_DAY = -(10**9)  # a loan with nothing due and nothing overdue has no collection day


@dataclass(frozen=True, slots=True)
class LoanRow:
    loan_id: str
    borrower_id: str
    line_id: str
    product_id: str
    currency: str
    status: str
    days_past_due: int
    next_due: date | None
    overdue_minor: int


def loan_row(row: Sequence, today: int) -> LoanRow:
    """One loan's facts (the reference the page path is tested against)."""
    loan_id, borrower_id, line_id, product_id, currency, status, days_past_due, penalty, count, blob = row
    packed = np.frombuffer(blob, dtype=ROW_DTYPE)
    due, principal, other = packed[:count], packed[count : 2 * count], packed[2 * count :]
    past = due < today
    overdue_minor = int(principal[past].sum() + other[past].sum()) + (int(penalty) if days_past_due > 0 else 0)
    upcoming = due[due >= today]
    next_due = date.fromordinal(int(upcoming.min())) if upcoming.size else None
    return LoanRow(loan_id, borrower_id, line_id, product_id, currency, status, int(days_past_due), next_due,
                   max(overdue_minor, 0))  # fmt: skip


def page_facts(page: Sequence[Sequence], today: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(collection day, next due ordinal or 0, overdue minor) of every loan of a page, vectorised."""
    count = len(page)
    dpd = np.fromiter((row[6] for row in page), np.int64, count)
    penalty = np.fromiter((row[7] for row in page), np.int64, count)
    rows = np.fromiter((row[8] for row in page), np.int64, count)
    packed = np.frombuffer(b"".join(row[9] for row in page), dtype=ROW_DTYPE)
    starts = np.concatenate(([0], np.cumsum(rows)[:-1]))
    loan_of = np.repeat(np.arange(count), rows)
    k = np.arange(int(rows.sum())) - np.repeat(starts, rows)
    base, n = np.repeat(3 * starts, rows), np.repeat(rows, rows)
    due, principal, other = packed[base + k], packed[base + n + k], packed[base + 2 * n + k]
    overdue = np.zeros(count, np.int64)
    past = due < today
    np.add.at(overdue, loan_of[past], principal[past] + other[past])
    overdue = np.maximum(overdue + np.where(dpd > 0, penalty, 0), 0)
    next_due = np.full(count, np.iinfo(np.int64).max, np.int64)
    upcoming = ~past
    np.minimum.at(next_due, loan_of[upcoming], due[upcoming])
    has_next = next_due != np.iinfo(np.int64).max
    day = np.where(dpd > 0, dpd, np.where(has_next, today - next_due, NO_DAY))
    return day, np.where(has_next, next_due, 0), overdue


def acting_mask(day: np.ndarray, strategy: Strategy) -> np.ndarray:
    """Loans some action of the strategy may act on today (segments aside: a superset, planned exactly later)."""
    acting = np.zeros(day.shape, bool)
    for stage in strategy.stages:
        start, end = stage.day_range()
        in_stage = (day >= start) & ((day <= end) if end is not None else True)
        for action in stage.actions:
            if action.days:
                hits = np.isin(day, np.asarray(action.days, np.int64))
            else:
                assert action.from_day is not None and action.every_days is not None
                hits = (day >= action.from_day) & ((day - action.from_day) % action.every_days == 0)
                if action.to_day is not None:
                    hits &= day <= action.to_day
            acting |= in_stage & hits
    return acting


def loan_rows(uow: UnitOfWork, on: date, strategy: Strategy, keep: set[str]) -> Iterator[LoanRow]:
    """The loans the strategy acts on today, and those in `keep` (open work items), in loan-id pages."""
    today = on.toordinal()
    for page in _pages(uow):
        day, next_due, overdue = page_facts(page, today)
        wanted = acting_mask(day, strategy)
        if keep:
            wanted |= np.fromiter(map(keep.__contains__, [row[0] for row in page]), bool, len(page))
        for i in np.flatnonzero(wanted).tolist():
            row = page[i]
            due = date.fromordinal(int(next_due[i])) if next_due[i] else None
            yield LoanRow(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), due, int(overdue[i]))


_COLUMNS = ("loan_id", "borrower_id", "line_id", "product_id", "currency", "status", "days_past_due",
            "penalty_receivable_minor", "row_count", "rows_blob")  # fmt: skip


def _pages(uow: UnitOfWork) -> Iterator[list[tuple]]:
    """Key-order pages of `_COLUMNS` of the loans collections looks at (`store.eod_io.loan_pages`)."""
    from creditline.store.eod_io import loan_pages

    return loan_pages(uow.connection, _COLUMNS, COLLECTED_STATUSES, PAGE_SIZE)
