"""The loan snapshot: one row per loan per snapshot date, the table EOD writes and analytics read.

Every portfolio metric is a function of these rows. Amounts are integer minor units of the row's
currency; PDs, LGDs and the effective interest rate are float64 model outputs (ECL is an estimate,
computed in float64 and rounded to minor units at one named point, see `ecl.py`). The column list
below is the contract with EOD: `docs/portfolio-metrics.md` explains each column in full.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from creditline.money import ANNUAL_RATE_MAX, Currency, UnknownCurrency, currency
from creditline.portfolio.errors import InvalidSnapshot, SnapshotNotFound

STATUSES = ("active", "overdue", "charged_off", "closed")
# Loans that accrue and age through the delinquency buckets. A charged-off loan stops accruing but
# stays on the balance sheet (a loss-tier NPL with its allowance) until it is written off, which
# takes its balances off the books: a `charged_off` row that owes nothing is written off.
ACCRUING_STATUSES = ("active", "overdue")
# A date's amounts are summed in int64 (drawn balances, exposures, totals by bucket): they must add up
# well inside it, or a sum wraps round to a negative total.
DAY_TOTAL_MINOR_MAX = 2**62


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: pl.DataType
    doc: str
    nullable: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("as_of", pl.Date(), "business date of the snapshot (taken at the end of EOD for that date)"),
    Column("loan_id", pl.String(), "the loan's id; unique within one as_of"),
    Column("borrower_id", pl.String(), "the borrower's id (the shard key)"),
    Column("product_id", pl.String(), "the product (and version) the loan was drawn under"),
    Column("origination_date", pl.Date(), "date the loan was disbursed"),
    Column("vintage_month", pl.Date(), "first day of the origination month (the vintage)"),
    Column("currency", pl.String(), "ISO 4217 code of every amount on the row"),
    Column("disbursed_minor", pl.Int64(), "principal disbursed at origination; 0 marks an undrawn-line row"),
    Column("principal_minor", pl.Int64(), "outstanding principal"),
    Column("interest_minor", pl.Int64(), "accrued, unpaid interest"),
    Column("penalty_minor", pl.Int64(), "accrued, unpaid penalty interest and fees"),
    Column("limit_minor", pl.Int64(), "the borrower's credit-line limit (repeated on each loan; never summed)"),
    Column("undrawn_minor", pl.Int64(), "undrawn part of the line carried by this row (the whole undrawn "
           "amount on one row of the line, 0 on the others)"),
    Column("scheduled_30d_minor", pl.Int64(), "contractual principal + interest due in the next 30 days"),
    Column("recovered_minor", pl.Int64(), "cash recovered since the loan defaulted, cumulative (0 if never)"),
    Column("days_past_due", pl.Int32(), "days the oldest unpaid installment is late (0 when current)"),
    Column("status", pl.String(), "active | overdue | charged_off | closed"),
    Column("stage", pl.Int8(), "IFRS 9 stage 1, 2 or 3 as assigned by EOD (staging.assign_stage)"),
    Column("pd_12m", pl.Float64(), "probability of default within 12 months, from the PD model, today"),
    Column("pd_12m_origination", pl.Float64(), "the same PD at origination (for the SICR test)"),
    Column("remaining_term_months", pl.Int32(), "whole months to contractual maturity (the lifetime horizon)"),
    Column("lgd", pl.Float64(), "loss given default in [0, 1]; empty = use the pool LGD from recoveries",
           nullable=True),
    Column("eir_annual", pl.Float64(), "effective interest rate, annual fraction (0.1095 = 10.95%)"),
)
SCHEMA: dict[str, pl.DataType] = {c.name: c.dtype for c in COLUMNS}
AMOUNT_COLUMNS = tuple(c.name for c in COLUMNS if c.name.endswith("_minor"))


@dataclass(frozen=True, slots=True)
class LoanSnapshot:
    """One snapshot row as a value (EOD builds these; reference computations read them)."""

    as_of: date
    loan_id: str
    borrower_id: str
    product_id: str
    origination_date: date
    vintage_month: date
    currency: str
    disbursed_minor: int
    principal_minor: int
    interest_minor: int
    penalty_minor: int
    limit_minor: int
    undrawn_minor: int
    scheduled_30d_minor: int
    recovered_minor: int
    days_past_due: int
    status: str
    stage: int
    pd_12m: float
    pd_12m_origination: float
    remaining_term_months: int
    lgd: float | None
    eir_annual: float

    @property
    def drawn_minor(self) -> int:
        """The gross carrying amount: principal, interest and penalty still owed."""
        return self.principal_minor + self.interest_minor + self.penalty_minor

    @property
    def on_book(self) -> bool:
        """On the balance sheet: accruing, or charged off and not yet written off (it still owes)."""
        return self.status in ACCRUING_STATUSES or (self.status == "charged_off" and self.drawn_minor > 0)


def from_rows(rows: Iterable[LoanSnapshot]) -> pl.DataFrame:
    """A validated snapshot frame from row values."""
    records = [dataclasses.asdict(r) for r in rows]
    if not records:
        return pl.DataFrame(schema=SCHEMA)
    return validate(pl.DataFrame(records, schema=SCHEMA, orient="row"))


def to_rows(frame: pl.DataFrame) -> list[LoanSnapshot]:
    return [LoanSnapshot(**row) for row in frame.select(list(SCHEMA)).iter_rows(named=True)]


def drawn_expr() -> pl.Expr:
    return pl.col("principal_minor") + pl.col("interest_minor") + pl.col("penalty_minor")


def accruing_expr() -> pl.Expr:
    """Active or overdue: the loans in a delinquency bucket (M0–M7), not charged off."""
    return pl.col("status").is_in(ACCRUING_STATUSES)


def charged_off_on_book_expr() -> pl.Expr:
    """Charged off and not written off: still owed, still on the balance sheet."""
    return (pl.col("status") == "charged_off") & (drawn_expr() > 0)


def on_book_expr() -> pl.Expr:
    """On the balance sheet: every loan not paid off (`closed`) and not written off (`LoanSnapshot.on_book`)."""
    return accruing_expr() | charged_off_on_book_expr()


def validate(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with exactly the schema's columns and types, or `InvalidSnapshot` naming the problem."""
    missing = [name for name in SCHEMA if name not in frame.columns]
    if missing:
        raise InvalidSnapshot(f"missing column(s): {', '.join(missing)}", field="snapshots")
    typed = frame.select([_cast(frame, c) for c in COLUMNS])
    _check_nulls(typed)
    _check_rules(typed)
    _check_totals(typed)
    _check_unique(typed)
    return typed


def _kind(dtype: pl.DataType) -> str:
    if dtype == pl.Date():
        return "dates (YYYY-MM-DD)"
    if dtype.is_integer():
        return "whole numbers"
    return "numbers" if dtype.is_float() else "text"


def _cast(frame: pl.DataFrame, column: Column) -> pl.Series:
    series = frame.get_column(column.name)
    if series.dtype == column.dtype:
        return series
    try:
        if series.dtype == pl.String() and column.dtype == pl.Date():
            converted = series.str.to_date("%Y-%m-%d", strict=False)
        else:
            converted = series.cast(column.dtype, strict=False)
    except pl.exceptions.PolarsError as exc:  # a type with no conversion at all (a list, a struct)
        raise InvalidSnapshot(f"column {column.name} must hold {_kind(column.dtype)}, not {series.dtype}",
                              field="snapshots") from exc
    lost = converted.is_null() & series.is_not_null()
    if series.dtype.is_float() and column.dtype.is_integer():  # the cast truncates 70000.5 to 70000 silently
        lost = lost | (converted.cast(pl.Float64) != series).fill_null(False)
    if lost.any():
        index = lost.arg_true()[0]
        raise InvalidSnapshot(
            f"column {column.name} must hold {_kind(column.dtype)}: {series[index]!r} on row {index + 1} is not one",
            field="snapshots",
        )
    return converted


def _check_nulls(frame: pl.DataFrame) -> None:
    counts = frame.null_count().row(0, named=True)
    for column in COLUMNS:
        if counts[column.name] and not column.nullable:
            raise InvalidSnapshot(f"column {column.name} has {counts[column.name]} empty value(s)",
                                  field="snapshots")


def _rules() -> list[tuple[str, pl.Expr]]:
    """(rule text, expression true where a row breaks it), checked in one pass."""
    from creditline.portfolio.staging import backstop_stage_expr

    col = pl.col
    eir_max = float(ANNUAL_RATE_MAX)  # larger is a unit mistake (percent vs fraction)
    rules = [(f"{name} must not be negative", col(name) < 0) for name in AMOUNT_COLUMNS]
    rules += [
        ("days_past_due must not be negative", col("days_past_due") < 0),
        ("remaining_term_months must not be negative", col("remaining_term_months") < 0),
        (f"status must be one of {', '.join(STATUSES)}", ~col("status").is_in(STATUSES)),
        ("stage must be 1, 2 or 3", ~col("stage").is_between(1, 3)),
        ("pd_12m must be in [0, 1]", ~col("pd_12m").is_between(0.0, 1.0)),
        ("pd_12m_origination must be in [0, 1]", ~col("pd_12m_origination").is_between(0.0, 1.0)),
        ("lgd must be in [0, 1]", col("lgd").is_not_null() & ~col("lgd").is_between(0.0, 1.0)),
        (f"eir_annual must be in [0, {eir_max}]", ~col("eir_annual").is_between(0.0, eir_max)),
        ("origination_date must not be after as_of", col("origination_date") > col("as_of")),
        ("vintage_month must be the first day of the origination month",
         col("vintage_month") != col("origination_date").dt.truncate("1mo")),
        ("undrawn_minor must not exceed limit_minor", col("undrawn_minor") > col("limit_minor")),
        ("an overdue loan has days_past_due > 0 and an active one 0",
         ((col("status") == "overdue") & (col("days_past_due") == 0))
         | ((col("status") == "active") & (col("days_past_due") > 0))),
        ("a closed loan owes nothing", (col("status") == "closed") & (drawn_expr() > 0)),
        ("stage is below the days-past-due backstop (more than 30 days: stage 2, more than 90: stage 3)",
         accruing_expr() & (col("stage") < backstop_stage_expr(col("days_past_due")))),
    ]
    return rules


def _check_rules(frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    rules = _rules()
    broken = frame.select([expr.fill_null(False).any().alias(str(i)) for i, (_, expr) in enumerate(rules)])
    for i, (text, expr) in enumerate(rules):
        if broken.item(0, str(i)):
            row = frame.with_row_index("row").filter(expr.fill_null(False)).row(0, named=True)
            raise InvalidSnapshot(
                f"{text} (row {row['row'] + 1}: loan {row['loan_id']} on {row['as_of']})", field="snapshots"
            )
    _check_currencies(frame)


def _check_totals(frame: pl.DataFrame) -> None:
    summed = [name for name in AMOUNT_COLUMNS if name != "limit_minor"]  # a line's limit is never summed
    # Amounts are not negative (checked before), so the whole history's total bounds every date's.
    if frame.select(pl.col(summed).cast(pl.Float64).sum()).sum_horizontal().item() < DAY_TOTAL_MINOR_MAX:
        return
    totals = frame.group_by("as_of").agg(
        pl.sum_horizontal(pl.col(summed).cast(pl.Float64)).sum().alias("total")  # float: no wrap-round
    )
    over = totals.filter(pl.col("total") >= DAY_TOTAL_MINOR_MAX)
    if not over.is_empty():
        day = over.get_column("as_of").min()
        raise InvalidSnapshot(f"the amounts of {day} add up beyond the storable range ({DAY_TOTAL_MINOR_MAX:,} minor "
                              "units a day)", field="snapshots")


def _check_currencies(frame: pl.DataFrame) -> None:
    for code in frame.get_column("currency").unique().to_list():
        try:
            currency(code)
        except UnknownCurrency as exc:
            raise InvalidSnapshot(f"unknown currency {code!r}", field="snapshots") from exc


def _check_unique(frame: pl.DataFrame) -> None:
    # Counting distinct ids per date is several times cheaper than hashing (as_of, loan_id) pairs.
    per_date = frame.group_by("as_of").agg((pl.len() - pl.col("loan_id").n_unique()).alias("repeats"))
    clashing = per_date.filter(pl.col("repeats") > 0)
    if clashing.is_empty():
        return
    day = clashing.get_column("as_of").min()
    ids = frame.filter(pl.col("as_of") == day).get_column("loan_id")
    loan = ids.filter(ids.is_duplicated()).min()
    raise InvalidSnapshot(f"loan {loan} appears twice on {day}", field="snapshots")


def single_currency(frame: pl.DataFrame) -> Currency:
    """The one currency of a portfolio's rows; portfolio totals never mix currencies."""
    codes = frame.get_column("currency").unique().to_list()
    if len(codes) != 1:
        found = ", ".join(sorted(codes)) or "none"
        raise InvalidSnapshot(f"a portfolio report covers one currency; found {found}", field="currency")
    return currency(codes[0])


def for_date(frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The rows of one snapshot date, or `SnapshotNotFound` saying which dates exist."""
    rows = frame.filter(pl.col("as_of") == as_of)
    if rows.is_empty():
        dates = frame.get_column("as_of")
        span = f"snapshots cover {dates.min()} to {dates.max()}" if len(dates) else "there are no snapshots"
        raise SnapshotNotFound(f"no snapshot for {as_of} ({span})", field="as_of")
    return rows


def monthly_view(frame: pl.DataFrame, as_of: date, columns: list[str]) -> pl.LazyFrame:
    """`columns` of the snapshots up to `as_of`, keeping each loan's last snapshot of each month.

    Vintage and roll-rate analysis step month by month; daily snapshots would overweight the
    current month. Monthly input passes through without a group-by. Lazy, so callers can fuse
    their own steps into one query.
    """
    upto = frame.lazy().filter(pl.col("as_of") <= as_of).select(columns)
    dates = frame.get_column("as_of").unique()
    dates = dates.filter(dates <= as_of)
    if dates.dt.truncate("1mo").n_unique() == len(dates):
        return upto
    month = pl.col("as_of").dt.truncate("1mo")
    return upto.filter(pl.col("as_of") == pl.col("as_of").max().over("loan_id", month))
