"""The loan tape: one row per loan, the industry's standard input to pool selection and cash-flow models.

The tape is columnar (numpy arrays), so that pools of hundreds of thousands of loans select and project
in vectorised code. `loan_tape(columns)` validates a mapping of column name to values (a CSV read as
text, a Parquet file, or the platform's own loans exported to the same columns) and refuses the whole
tape on the first bad row, naming the column and the loan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np

from creditline.funding.errors import NegativeRate, TapeError
from creditline.money import ANNUAL_RATE_MAX
from creditline.money import currency as lookup_currency

TERM_MONTHS_MAX = 600
ROWS_MAX = 5_000_000  # a tape bigger than this is a mistake or needs a distributed engine
# The pool's sums are int64 minor units: three loans of 9e18 added up to a wrapped, wrong pool. 10^15
# minor units (ten trillion at two decimals, a thousand times a large real pool) leaves the waterfall's
# sums over the months thousands of times that before they could overflow.
PRINCIPAL_MINOR_MAX = 10**15


class LoanStatus(StrEnum):
    CURRENT = "current"
    DELINQUENT = "delinquent"
    DEFAULTED = "defaulted"
    WRITTEN_OFF = "written_off"
    PAID_OFF = "paid_off"


class Amortisation(StrEnum):
    LEVEL = "level"  # 等额本息: level payment (annuity)
    EVEN_PRINCIPAL = "even_principal"  # 等额本金: equal principal, interest on the balance
    INTEREST_ONLY = "interest_only"  # 先息后本: interest monthly, principal at maturity


@dataclass(frozen=True, slots=True)
class TapeColumn:
    name: str
    required: bool
    meaning: str


TAPE_COLUMNS: tuple[TapeColumn, ...] = (
    TapeColumn("loan_id", True, "unique loan identifier"),
    TapeColumn("borrower_id", True, "borrower identifier (concentration limits group by it)"),
    TapeColumn("currency", True, "ISO 4217 code"),
    TapeColumn("outstanding_principal_minor", True, "outstanding principal in minor units (integer)"),
    TapeColumn("annual_rate", True, "nominal annual interest rate as a fraction (0.085 = 8.5%)"),
    TapeColumn("remaining_term_months", True, "scheduled payments left (integer months)"),
    TapeColumn("days_past_due", True, "days past due at the cut-off date (integer)"),
    TapeColumn("status", True, "current | delinquent | defaulted | written_off | paid_off"),
    TapeColumn("risk_grade", True, "the platform's risk grade (A, B, ...)"),
    TapeColumn("payment_frequency", False, "monthly (the only frequency the projection models)"),
    TapeColumn("amortisation", False, "level (default) | even_principal | interest_only"),
    TapeColumn("origination_date", False, "ISO date the loan was drawn (for seasoning criteria)"),
    TapeColumn("pd_annual", False, "12-month probability of default as a fraction, blank if unknown"),
)
REQUIRED_COLUMNS = tuple(c.name for c in TAPE_COLUMNS if c.required)


@dataclass(frozen=True, slots=True, eq=False)
class LoanTape:
    loan_id: np.ndarray  # str
    borrower_id: np.ndarray  # str
    currency: np.ndarray  # str, ISO code
    outstanding_principal_minor: np.ndarray  # int64
    annual_rate: np.ndarray  # float64 fraction (validated from exact text)
    remaining_term_months: np.ndarray  # int64
    days_past_due: np.ndarray  # int64
    status: np.ndarray  # str, LoanStatus values
    risk_grade: np.ndarray  # str
    amortisation: np.ndarray  # str, Amortisation values
    origination_date: np.ndarray  # datetime64[D], NaT when unknown
    pd_annual: np.ndarray  # float64, NaN when unknown

    def __len__(self) -> int:
        return int(self.loan_id.shape[0])

    def take(self, indices: np.ndarray) -> LoanTape:
        """The rows at `indices` (an index array or a boolean mask), as a new tape."""
        return LoanTape(**{f.name: getattr(self, f.name)[indices] for f in fields(self)})

    def total_principal_minor(self) -> int:
        return int(self.outstanding_principal_minor.sum(dtype=np.int64))

    def currencies(self) -> list[str]:
        return sorted(set(self.currency.tolist()))

    def to_columns(self) -> dict[str, list[object]]:
        """Plain columns in tape order, for writing the tape back out (CSV/Parquet)."""
        columns: dict[str, list[object]] = {}
        for f in fields(self):
            values = getattr(self, f.name)
            if f.name == "origination_date":
                columns[f.name] = ["" if np.isnat(d) else str(d) for d in values]
            elif f.name == "pd_annual":
                columns[f.name] = ["" if np.isnan(p) else repr(float(p)) for p in values]
            elif f.name == "annual_rate":
                columns[f.name] = [repr(float(r)) for r in values]
            else:
                columns[f.name] = values.tolist()
        return columns


def loan_tape(columns: Mapping[str, Sequence[object]]) -> LoanTape:
    """Validate a tape given as columns of values (text or typed); raise `TapeError` naming the field."""
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise TapeError(f"the tape lacks the required column(s) {', '.join(missing)}", field=missing[0])
    loan_id = _text_column(columns, "loan_id")
    rows = loan_id.shape[0]
    if rows == 0:
        raise TapeError("the tape has no loans", field="loan_id")
    if rows > ROWS_MAX:
        raise TapeError(f"{rows} rows is above the limit of {ROWS_MAX}", field="loan_id")
    _check_unique(loan_id)
    tape = LoanTape(
        loan_id=loan_id,
        borrower_id=_text_column(columns, "borrower_id"),
        currency=_currency_column(columns, loan_id),
        outstanding_principal_minor=_int_column(columns, "outstanding_principal_minor", loan_id, 0, None),
        annual_rate=_rate_column(columns, loan_id),
        remaining_term_months=_int_column(columns, "remaining_term_months", loan_id, 0, TERM_MONTHS_MAX),
        days_past_due=_int_column(columns, "days_past_due", loan_id, 0, None),
        status=_enum_column(columns, "status", LoanStatus, loan_id, None),
        risk_grade=_text_column(columns, "risk_grade"),
        amortisation=_enum_column(columns, "amortisation", Amortisation, loan_id, Amortisation.LEVEL),
        origination_date=_date_column(columns, loan_id),
        pd_annual=_pd_column(columns, loan_id),
    )
    _check_frequency(columns, loan_id)
    _check_total(tape.outstanding_principal_minor)
    return tape


def _check_total(principal_minor: np.ndarray) -> None:
    total = float(principal_minor.sum(dtype=np.float64))  # a float cannot wrap, and is exact enough here
    if total > PRINCIPAL_MINOR_MAX:
        raise TapeError(
            f"the loans add up to {total:.6g} minor units; a tape holds at most {PRINCIPAL_MINOR_MAX:,}",
            field="outstanding_principal_minor",
        )


def _row_label(loan_id: np.ndarray, row: int) -> str:
    return f"row {row + 1} (loan {loan_id[row]})"


def _text_column(columns: Mapping[str, Sequence[object]], name: str) -> np.ndarray:
    values = np.asarray(columns[name], dtype=object)
    text = np.array(["" if v is None else str(v).strip() for v in values], dtype=object)
    empty = np.flatnonzero(text == "")
    if empty.size:
        raise TapeError(f"row {empty[0] + 1} has an empty {name}", field=name)
    return text


def _check_unique(loan_id: np.ndarray) -> None:
    unique, counts = np.unique(loan_id.astype(str), return_counts=True)
    if unique.size != loan_id.size:
        raise TapeError(f"loan {unique[counts > 1][0]} appears more than once", field="loan_id")


def _currency_column(columns: Mapping[str, Sequence[object]], loan_id: np.ndarray) -> np.ndarray:
    codes = np.array([c.upper() for c in _text_column(columns, "currency")], dtype=object)
    for code in set(codes.tolist()):
        lookup_currency(code)  # raises UnknownCurrency naming the field "currency"
    return codes


def _int_column(
    columns: Mapping[str, Sequence[object]], name: str, loan_id: np.ndarray, low: int, high: int | None
) -> np.ndarray:
    raw = np.asarray(columns[name])
    if raw.dtype.kind in "iu":
        values = raw.astype(np.int64)
    elif raw.dtype.kind == "f":
        raise TapeError(f"{name} must be whole numbers, not floats", field=name)
    else:
        values = _parse_ints(raw, name, loan_id)
    bad = np.flatnonzero((values < low) | (values > high if high is not None else False))
    if bad.size:
        row = int(bad[0])
        rule = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise TapeError(f"{_row_label(loan_id, row)} has {name} {values[row]}; it must be {rule}", field=name)
    return values


def _parse_ints(raw: np.ndarray, name: str, loan_id: np.ndarray) -> np.ndarray:
    text = np.array([str(v).strip() for v in raw], dtype=str)
    try:
        return text.astype(np.int64)
    except (ValueError, OverflowError):
        row = next((i for i, item in enumerate(text) if not _is_int64(item)), 0)
        raise TapeError(
            f"{_row_label(loan_id, row)} has {name} {str(text[row])!r}; expected an integer", field=name
        ) from None


def _is_int64(text: str) -> bool:
    try:
        return abs(int(text)) < 2**63
    except ValueError:
        return False


def _float_text(raw: np.ndarray, name: str, loan_id: np.ndarray, allow_blank: bool) -> np.ndarray:
    """Numbers given as text (or Decimal, or Parquet doubles) as float64; NaN for blanks when allowed."""
    if raw.dtype.kind in "iuf":
        return raw.astype(np.float64)
    text = np.array(["" if v is None else str(v).strip() for v in raw], dtype=object)
    blank = text == ""
    if blank.any() and not allow_blank:
        row = int(np.flatnonzero(blank)[0])
        raise TapeError(f"{_row_label(loan_id, row)} has no {name}", field=name)
    values = np.full(text.shape[0], np.nan)
    filled = np.flatnonzero(~blank)
    try:
        values[filled] = text[filled].astype(str).astype(np.float64)
    except ValueError:
        row = next(int(r) for r in filled if not _is_number(text[r]))
        raise TapeError(
            f"{_row_label(loan_id, row)} has {name} {text[row]!r}; not a number", field=name
        ) from None
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rate_column(columns: Mapping[str, Sequence[object]], loan_id: np.ndarray) -> np.ndarray:
    rates = _float_text(np.asarray(columns["annual_rate"]), "annual_rate", loan_id, allow_blank=False)
    not_finite = np.flatnonzero(~np.isfinite(rates))
    if not_finite.size:
        raise TapeError(
            f"{_row_label(loan_id, int(not_finite[0]))} has a non-finite annual_rate", field="annual_rate"
        )
    negative = np.flatnonzero(rates < 0)
    if negative.size:
        row = int(negative[0])
        raise NegativeRate(
            f"{_row_label(loan_id, row)} has a negative annual_rate {rates[row]}", field="annual_rate"
        )
    too_high = np.flatnonzero(rates > float(ANNUAL_RATE_MAX))
    if too_high.size:
        row = int(too_high[0])
        raise TapeError(
            f"{_row_label(loan_id, row)} has annual_rate {rates[row]}; rates are fractions (0.085 = 8.5%)",
            field="annual_rate",
        )
    return rates


def _pd_column(columns: Mapping[str, Sequence[object]], loan_id: np.ndarray) -> np.ndarray:
    if "pd_annual" not in columns:
        return np.full(loan_id.shape[0], np.nan)
    pds = _float_text(np.asarray(columns["pd_annual"], dtype=object), "pd_annual", loan_id, allow_blank=True)
    bad = np.flatnonzero((pds < 0) | (pds > 1))
    if bad.size:
        raise TapeError(f"{_row_label(loan_id, int(bad[0]))} has pd_annual outside 0..1", field="pd_annual")
    return pds


def _enum_column(
    columns: Mapping[str, Sequence[object]],
    name: str,
    enum: type[StrEnum],
    loan_id: np.ndarray,
    default: StrEnum | None,
) -> np.ndarray:
    if name not in columns and default is not None:
        return np.full(loan_id.shape[0], default.value, dtype=object)
    values = np.array([str(v).strip().lower() for v in np.asarray(columns[name], dtype=object)], dtype=object)
    allowed = {e.value for e in enum}
    unknown = [v for v in set(values.tolist()) if v not in allowed]
    if unknown:
        row = int(np.flatnonzero(values == unknown[0])[0])
        raise TapeError(
            f"{_row_label(loan_id, row)} has {name} {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}",
            field=name,
        )
    return values


def _date_column(columns: Mapping[str, Sequence[object]], loan_id: np.ndarray) -> np.ndarray:
    if "origination_date" not in columns:
        return np.full(loan_id.shape[0], np.datetime64("NaT"), dtype="datetime64[D]")
    raw = ["" if v is None else str(v).strip() for v in np.asarray(columns["origination_date"], dtype=object)]
    try:
        return np.array([d if d else "NaT" for d in raw], dtype="datetime64[D]")
    except ValueError:
        row = next(i for i, d in enumerate(raw) if d and not _is_iso_date(d))
        raise TapeError(
            f"{_row_label(loan_id, row)} has origination_date {raw[row]!r}; expected YYYY-MM-DD",
            field="origination_date",
        ) from None


def _is_iso_date(text: str) -> bool:
    try:
        np.datetime64(text, "D")
    except ValueError:
        return False
    return True


def _check_frequency(columns: Mapping[str, Sequence[object]], loan_id: np.ndarray) -> None:
    if "payment_frequency" not in columns:
        return
    values = np.array(
        [str(v).strip().lower() for v in np.asarray(columns["payment_frequency"], dtype=object)]
    )
    other = np.flatnonzero(values != "monthly")
    if other.size:
        row = int(other[0])
        raise TapeError(
            f"{_row_label(loan_id, row)} pays {str(values[row])!r}; the projection models monthly payers only",
            field="payment_frequency",
        )
