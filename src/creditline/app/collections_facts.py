"""What collections needs to know of every open loan, read from the loan snapshots without replaying.

Each loan row holds its installments that still matter as int64 arrays (due ordinals, principal unpaid,
other unpaid; see `store.accrual_columns`): an installment due before the business date with
something unpaid is overdue in full (its period's interest is closed), so the overdue amount is
those rows plus the penalty receivable, and the next due date is the first row due on or after today.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select

from creditline.store import UnitOfWork
from creditline.store.accrual_columns import ROW_DTYPE
from creditline.store.tables import loans

COLLECTED_STATUSES = ("active", "overdue", "charged-off")
PAGE_SIZE = 20_000


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


def loan_rows(uow: UnitOfWork, on: date) -> Iterator[LoanRow]:
    """Every loan collections may act on, in loan-id pages (bounded memory on a large book)."""
    c = loans.c
    columns = (c.loan_id, c.borrower_id, c.line_id, c.product_id, c.currency, c.status, c.days_past_due,
               c.penalty_receivable_minor, c.row_count, c.rows_blob)  # fmt: skip
    after = ""
    today = on.toordinal()
    while True:
        query = (
            select(*columns)
            .where(c.status.in_(COLLECTED_STATUSES), c.loan_id > after)
            .order_by(c.loan_id)
            .limit(PAGE_SIZE)
        )
        page = uow.connection.execute(query).all()
        for row in page:
            yield _loan_row(row, today)
        if len(page) < PAGE_SIZE:
            return
        after = page[-1][0]


def _loan_row(row: tuple, today: int) -> LoanRow:
    loan_id, borrower_id, line_id, product_id, currency, status, days_past_due, penalty, count, blob = row
    packed = np.frombuffer(blob, dtype=ROW_DTYPE)
    due, principal, other = packed[:count], packed[count : 2 * count], packed[2 * count :]
    past = due < today
    overdue_minor = int(principal[past].sum() + other[past].sum()) + (int(penalty) if days_past_due > 0 else 0)
    upcoming = due[due >= today]
    next_due = date.fromordinal(int(upcoming.min())) if upcoming.size else None
    return LoanRow(loan_id, borrower_id, line_id, product_id, currency, status, int(days_past_due), next_due,
                   max(overdue_minor, 0))  # fmt: skip
