"""The domain's accrual snapshot as plain columns, and numpy batches built straight from them.

EOD reads a million loans: parsing a JSON document per loan would cost more than the accrual
itself, so the snapshot is stored as integer columns plus one blob of int64 rows per loan, which
concatenate into the ragged arrays of `AccrualBatch` with a handful of numpy calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from creditline.lending.loan.batch import NO_DATE, ROUNDING_CODES, STATUS_CODES, AccrualBatch
from creditline.lending.loan.pricing import AccrualPricing
from creditline.lending.loan.state import AccrualState, LoanStatus

ROW_DTYPE = np.dtype("<i8")

# The order EOD selects them in; batch_of() reads rows of exactly these columns.
ACCRUAL_COLUMNS = (
    "status",
    "days_past_due",
    "oldest_unpaid_due",
    "interest_accrued_minor",
    "interest_exact",
    "penalty_accrued_minor",
    "penalty_exact",
    "interest_denominator",
    "interest_common_day",
    "interest_leap_day",
    "penalty_denominator",
    "penalty_common_day",
    "penalty_leap_day",
    "grace_days",
    "charge_off_days",
    "rounding_code",
    "row_count",
    "rows_blob",
)
STATUS_INDEX = {str(s): i for i, s in enumerate(STATUS_CODES)}


def rows_blob(due: Sequence[int], principal_unpaid: Sequence[int], other_unpaid: Sequence[int]) -> bytes:
    return np.array([*due, *principal_unpaid, *other_unpaid], dtype=ROW_DTYPE).tobytes()


def accrual_values(accrual: AccrualState) -> dict[str, Any]:
    p = accrual.pricing
    return {
        "days_past_due": accrual.days_past_due,
        "oldest_unpaid_due": accrual.oldest_unpaid_due.toordinal() if accrual.oldest_unpaid_due else NO_DATE,
        "interest_accrued_minor": accrual.interest_accrued_minor,
        "interest_exact": accrual.interest_exact,
        "penalty_accrued_minor": accrual.penalty_accrued_minor,
        "penalty_exact": accrual.penalty_exact,
        "interest_denominator": p.interest_denominator,
        "interest_common_day": p.interest_common_day,
        "interest_leap_day": p.interest_leap_day,
        "penalty_denominator": p.penalty_denominator,
        "penalty_common_day": p.penalty_common_day,
        "penalty_leap_day": p.penalty_leap_day,
        "grace_days": p.grace_days,
        "charge_off_days": p.charge_off_days,
        "rounding_code": ROUNDING_CODES.index(p.rounding),
        "row_count": len(accrual.due_dates),
        "rows_blob": rows_blob(
            [d.toordinal() for d in accrual.due_dates], accrual.principal_unpaid_minor, accrual.other_unpaid_minor
        ),
    }


def accrual_of_values(row: Any, as_of: date) -> AccrualState:
    """The snapshot a row holds, with settled past installments left out (as `AccrualBatch.state` does)."""
    n = row["row_count"]
    packed = np.frombuffer(row["rows_blob"], dtype=ROW_DTYPE)
    due, principal, other = packed[:n], packed[n : 2 * n], packed[2 * n :]
    day = as_of.toordinal()
    keep = [k for k in range(n) if due[k] > day or principal[k] + other[k] > 0]
    oldest = row["oldest_unpaid_due"]
    return AccrualState(
        as_of=as_of,
        status=LoanStatus(row["status"]),
        days_past_due=row["days_past_due"],
        oldest_unpaid_due=date.fromordinal(oldest) if oldest != NO_DATE else None,
        interest_accrued_minor=row["interest_accrued_minor"],
        interest_exact=row["interest_exact"],
        penalty_accrued_minor=row["penalty_accrued_minor"],
        penalty_exact=row["penalty_exact"],
        due_dates=tuple(date.fromordinal(int(due[k])) for k in keep),
        principal_unpaid_minor=tuple(int(principal[k]) for k in keep),
        other_unpaid_minor=tuple(int(other[k]) for k in keep),
        pricing=AccrualPricing(
            row["interest_denominator"],
            row["interest_common_day"],
            row["interest_leap_day"],
            row["penalty_denominator"],
            row["penalty_common_day"],
            row["penalty_leap_day"],
            row["grace_days"],
            row["charge_off_days"],
            ROUNDING_CODES[row["rounding_code"]],
        ),
    )


def batch_of(rows: Sequence[Sequence[Any]], as_of: date, first: int = 0) -> tuple[AccrualBatch, np.ndarray]:
    """An AccrualBatch from rows whose ACCRUAL_COLUMNS start at `first`, and the index map from the packed
    blobs to rows."""
    return batch_of_columns(list(zip(*rows, strict=True))[first:], len(rows), as_of)


def batch_of_columns(columns: Sequence[Any], n: int, as_of: date) -> tuple[AccrualBatch, np.ndarray]:
    """`batch_of` from the ACCRUAL_COLUMNS as `n`-long columns (sequences or numpy arrays, copied)."""

    def col(i: int) -> np.ndarray:
        values = columns[i]
        if isinstance(values, np.ndarray):
            return np.array(values, dtype=np.int64)
        return np.fromiter(values, dtype=np.int64, count=n)

    counts = col(16)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    packed = np.frombuffer(b"".join(columns[17]), dtype=ROW_DTYPE)
    due_at, principal_at, other_at = _blob_positions(counts, offsets)
    batch = AccrualBatch(
        as_of=as_of,
        status=np.fromiter((STATUS_INDEX[s] for s in columns[0]), dtype=np.int8, count=n),
        days_past_due=col(1),
        oldest_unpaid_due=col(2),
        interest_accrued=col(3),
        interest_exact=col(4),
        penalty_accrued=col(5),
        penalty_exact=col(6),
        interest_denominator=col(7),
        interest_common_day=col(8),
        interest_leap_day=col(9),
        penalty_denominator=col(10),
        penalty_common_day=col(11),
        penalty_leap_day=col(12),
        grace_days=col(13),
        charge_off_days=col(14),
        rounding=col(15).astype(np.int8),
        row_offsets=offsets,
        row_due=packed[due_at],
        row_principal_unpaid=packed[principal_at],
        row_other_unpaid=packed[other_at],
    )
    batch.check_headroom()
    return batch, other_at


def _blob_positions(counts: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each installment row's three values sit in the concatenated blobs."""
    total = int(offsets[-1])
    loan_of_row = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    within = np.arange(total, dtype=np.int64) - offsets[:-1][loan_of_row]
    base = 3 * offsets[:-1][loan_of_row]
    count = counts[loan_of_row]
    return base + within, base + count + within, base + 2 * count + within
