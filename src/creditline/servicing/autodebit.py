"""Auto-debit arithmetic over many loans at once: what each owes today, and settling it in full.

What a loan owes on business date B is its penalty receivable plus, for every installment row
due on or before B, its unpaid principal and unpaid interest and fees — the rows and columns of
the EOD snapshot (`lending.loan.batch`), read without replaying anything.

When the bank collected exactly that, the repayment settles everything due whatever the product's
allocation order (every due bucket is filled, nothing goes ahead), so the new snapshot follows
from the old one by arithmetic: `settle_in_full`. A property test holds it equal to `replay` of the
loan's events plus the repayment. Anything else — a partial debit, a charged-off loan, fees (the
snapshot keeps interest and fees in one figure), a credit balance — goes through the per-loan path
(`app.loans.repay`), which replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from creditline.lending.loan.batch import ACTIVE, OVERDUE

I64 = NDArray[np.int64]


ATTEMPT_KEY_PREFIX = "ad:"  # a repayment's key that starts so is an auto-debit's (the CLI refuses it)


def attempt_key(loan_id: str, business_date: date, round_no: int, source_id: str | None = None) -> str:
    """The idempotency key of a debit attempt: the same loan, day, round and repayment source always give
    the same key. A borrower who never linked sources repays from the account on file: no source part."""
    base = f"{ATTEMPT_KEY_PREFIX}{loan_id}:{business_date.isoformat()}:{round_no}"
    return base if source_id is None else f"{base}:{source_id}"


def segment_sum(values: I64, offsets: I64) -> I64:
    """Per loan, the sum of its rows (`offsets[i]` to `offsets[i + 1]`)."""
    cumulative = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(values, dtype=np.int64)))
    return cumulative[offsets[1:]] - cumulative[offsets[:-1]]


@dataclass(frozen=True, slots=True)
class DueRows:
    """Installment rows of many loans, ragged: loan i owns rows `offsets[i]:offsets[i + 1]`."""

    offsets: I64
    due: I64  # date ordinals
    principal_unpaid: I64
    other_unpaid: I64  # interest and fees unpaid

    def loan_of_row(self) -> I64:
        return np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), np.diff(self.offsets))


@dataclass(frozen=True, slots=True)
class Due:
    principal_minor: I64
    other_minor: I64  # interest and fees of the due rows
    penalty_minor: I64

    @property
    def total_minor(self) -> I64:
        return self.principal_minor + self.other_minor + self.penalty_minor


def amounts_due(rows: DueRows, penalty_receivable: I64, on: date) -> Due:
    """What each loan owes on `on`: everything due by then, with the penalty."""
    is_due = rows.due <= on.toordinal()
    principal = segment_sum(np.where(is_due, rows.principal_unpaid, 0), rows.offsets)
    other = segment_sum(np.where(is_due, rows.other_unpaid, 0), rows.offsets)
    return Due(principal, other, penalty_receivable.copy())


@dataclass(frozen=True, slots=True)
class Balances:
    """The snapshot columns `settle_in_full` reads and rewrites, one entry per loan."""

    status: NDArray[np.int8]  # lending.loan.batch status codes
    principal_outstanding: I64
    interest_receivable: I64
    penalty_receivable: I64
    fee_receivable: I64
    credit_balance: I64


@dataclass(frozen=True, slots=True)
class Settlement:
    eligible: NDArray[np.bool_]  # settled here; the others take the per-loan path
    principal_paid: I64
    interest_paid: I64
    penalty_paid: I64
    paid_off: NDArray[np.bool_]
    row_principal_unpaid: I64  # the rows with every due row of an eligible loan zeroed
    row_other_unpaid: I64


def settle_in_full(balances: Balances, rows: DueRows, debited: I64, on: date) -> Settlement:
    """Apply debits that cover exactly what is due on `on`; mark every other loan ineligible."""
    due = amounts_due(rows, balances.penalty_receivable, on)
    loan_of_row = rows.loan_of_row()
    due_row = rows.due <= on.toordinal()
    negative_due = segment_sum((due_row & (rows.other_unpaid < 0)).astype(np.int64), rows.offsets) > 0
    eligible = (
        ((balances.status == ACTIVE) | (balances.status == OVERDUE))
        & (balances.credit_balance == 0)
        & (balances.fee_receivable == 0)
        & (due.total_minor > 0)
        & (debited == due.total_minor)
        & ~negative_due
    )
    zero_rows = due_row & eligible[loan_of_row]
    principal_paid = np.where(eligible, due.principal_minor, 0)
    interest_paid = np.where(eligible, due.other_minor, 0)  # no fees: checked above
    penalty_paid = np.where(eligible, due.penalty_minor, 0)
    owed_after = (
        balances.principal_outstanding - principal_paid
        + balances.interest_receivable - interest_paid
        + balances.penalty_receivable - penalty_paid
    )  # fmt: skip
    assert (owed_after >= 0).all(), "a full settlement never overpays"
    return Settlement(
        eligible=eligible,
        principal_paid=principal_paid,
        interest_paid=interest_paid,
        penalty_paid=penalty_paid,
        paid_off=eligible & (owed_after == 0),
        row_principal_unpaid=np.where(zero_rows, 0, rows.principal_unpaid),
        row_other_unpaid=np.where(zero_rows, 0, rows.other_unpaid),
    )
