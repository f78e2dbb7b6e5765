"""The day's portfolio snapshot (`portfolio.snapshot` schema) built from the loans EOD just moved.

Pure: the app reads loans, their facts and lines into a polars frame (`LOAN_INPUT`), and this
module turns it into validated snapshot rows, one per loan (and one per active line with no loan
on book, carrying its undrawn limit), with the classification of the day:

- status: active / overdue / charged_off as the loan's; a written-off loan is `charged_off` (a loss,
  whether or not it was charged off first: a default for roll rates, default rates and vintages, not
  a payoff) and a paid-off one `closed`; both appear until the end of the month they closed in (so
  month-end snapshots see them leave);
- stage (IFRS 9) by `staging.assign_stage_expr` (backstops and the PD test), 3 for a charged-off
  loan (it stopped accruing because a loss is expected), tier (five-tier) by the policy's `TierPolicy`
  and loss for a charged-off loan (`loan_tier_expr`), 12-month PD by `ProvisioningPolicy.pd_12m`, LGD
  the policy's. A charged-off loan stays on book until written off; a written-off one owes nothing;
- `scheduled_30d_minor`: unpaid principal, interest and fees of installments due in the next 30
  days, with the interest recognised so far on the running period when its due date falls inside
  (the days still to run are left out: an inflow estimate for LCR that errs low);
- `undrawn_minor`: the line's available limit on the line's first on-book loan (by loan id), 0 on
  the others; `limit_minor` on every row.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from creditline.portfolio.delinquency import loan_tier_expr
from creditline.portfolio.snapshot import SCHEMA, validate
from creditline.portfolio.staging import assign_stage_expr
from creditline.servicing.autodebit import DueRows, segment_sum
from creditline.servicing.provisioning import ProvisioningPolicy

SCHEDULED_DAYS = 30
UNDRAWN_TERM_MONTHS = 12  # an undrawn commitment's horizon: the line's next annual review
STATUS_OF_LOAN = {
    "active": "active",
    "overdue": "overdue",
    "charged-off": "charged_off",
    "paid-off": "closed",
    "written-off": "charged_off",
}

# What the app hands over per loan (amounts in minor units; dates as dates).
LOAN_INPUT = {
    "loan_id": pl.String, "borrower_id": pl.String, "line_id": pl.String, "product_id": pl.String,
    "currency": pl.String, "origination_date": pl.Date, "disbursed_minor": pl.Int64, "maturity_date": pl.Date,
    "eir_annual": pl.Float64, "pd_origination": pl.Float64, "loan_status": pl.String, "days_past_due": pl.Int32,
    "principal_minor": pl.Int64, "interest_minor": pl.Int64, "penalty_minor": pl.Int64,
    "scheduled_30d_minor": pl.Int64, "recovered_minor": pl.Int64, "limit_minor": pl.Int64,
    "line_available_minor": pl.Int64,
}  # fmt: skip
LINE_INPUT = {
    "line_id": pl.String, "borrower_id": pl.String, "product_id": pl.String, "currency": pl.String,
    "opened_on": pl.Date, "limit_minor": pl.Int64, "line_available_minor": pl.Int64, "eir_annual": pl.Float64,
    "pd_origination": pl.Float64,
}  # fmt: skip


def scheduled_within(rows: DueRows, running_minor: np.ndarray, as_of: date, days: int = SCHEDULED_DAYS) -> np.ndarray:
    """Per loan: what falls due in (as_of, as_of + days], as the snapshot knows it today."""
    low, high = as_of.toordinal(), (as_of + timedelta(days=days)).toordinal()
    inside = (rows.due > low) & (rows.due <= high)
    amounts = rows.principal_unpaid + np.maximum(rows.other_unpaid, 0)
    scheduled = segment_sum(np.where(inside, amounts, 0), rows.offsets)
    # The running period is the first row not yet due (rows run in due-date order within a loan);
    # its interest so far is not in other_unpaid.
    not_due = rows.due > low
    index = np.arange(len(rows.due), dtype=np.int64)
    starts_loan = index == rows.offsets[:-1][rows.loan_of_row()]
    after_due = np.concatenate(([True], ~not_due[:-1])) if len(not_due) else not_due
    first = not_due & (starts_loan | after_due)
    running_inside = segment_sum((first & inside).astype(np.int64), rows.offsets) > 0
    return scheduled + np.where(running_inside, np.maximum(running_minor, 0), 0)


def build_snapshot(loans: pl.DataFrame, lines: pl.DataFrame, as_of: date, policy: ProvisioningPolicy) -> pl.DataFrame:
    """Validated snapshot rows for `as_of` (plus a `tier` column beyond the schema)."""
    loan_rows = _loan_rows(loans.cast(LOAN_INPUT), as_of, policy)  # type: ignore[arg-type]
    line_rows = _line_rows(lines.cast(LINE_INPUT), as_of)  # type: ignore[arg-type]
    frame = pl.concat([loan_rows, line_rows], how="vertical_relaxed") if line_rows.height else loan_rows
    stage = assign_stage_expr(pl.col("days_past_due"), pl.col("pd_12m"), pl.col("pd_12m_origination"), policy.sicr)
    frame = frame.with_columns(
        # A charged-off loan no longer accrues because the lender expects a loss: credit-impaired.
        pl.when(pl.col("status") == "charged_off").then(pl.lit(3, dtype=pl.Int8)).otherwise(stage).alias("stage"),
        loan_tier_expr(policy.tier_policy).alias("tier"),  # a charged-off loan is a loss loan
        pl.lit(float(policy.lgd)).alias("lgd"),
    )
    tiers = frame.get_column("tier")
    return validate(frame).with_columns(tiers)


def _loan_rows(loans: pl.DataFrame, as_of: date, policy: ProvisioningPolicy) -> pl.DataFrame:
    days = loans.get_column("days_past_due").to_numpy().astype(np.int64)
    pd_origination = loans.get_column("pd_origination").to_numpy()
    on_book = pl.col("status").is_in(("active", "overdue"))
    # The line's undrawn limit goes on its first on-book loan, so a sum over rows counts it once.
    first_on_book = on_book & (pl.col("loan_id") == pl.col("loan_id").filter(on_book).min().over("line_id"))
    return loans.with_columns(
        pl.lit(as_of).alias("as_of"),
        pl.col("origination_date").dt.truncate("1mo").alias("vintage_month"),
        pl.col("loan_status").replace_strict(STATUS_OF_LOAN, return_dtype=pl.String).alias("status"),
        pl.Series("pd_12m", policy.pd_12m(pd_origination, days), dtype=pl.Float64),
        pl.col("pd_origination").alias("pd_12m_origination"),
        _months_between(pl.lit(as_of), pl.col("maturity_date")).alias("remaining_term_months"),
    ).with_columns(
        pl.when(first_on_book).then(pl.col("line_available_minor")).otherwise(0).alias("undrawn_minor"),
    ).select([name for name in SCHEMA if name not in ("stage", "lgd")])


def _line_rows(lines: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per active line with no loan on book: its undrawn limit is still an exposure."""
    return lines.select(
        pl.lit(as_of).alias("as_of"),
        pl.col("line_id").alias("loan_id"),
        "borrower_id", "product_id",
        pl.col("opened_on").alias("origination_date"),
        pl.col("opened_on").dt.truncate("1mo").alias("vintage_month"),
        "currency",
        *(pl.lit(0, dtype=pl.Int64).alias(name) for name in ("disbursed_minor", "principal_minor", "interest_minor",
                                                             "penalty_minor")),
        "limit_minor",
        pl.col("line_available_minor").alias("undrawn_minor"),
        *(pl.lit(0, dtype=pl.Int64).alias(name) for name in ("scheduled_30d_minor", "recovered_minor")),
        pl.lit(0, dtype=pl.Int32).alias("days_past_due"),
        pl.lit("active").alias("status"),
        pl.col("pd_origination").alias("pd_12m"),
        pl.col("pd_origination").alias("pd_12m_origination"),
        pl.lit(UNDRAWN_TERM_MONTHS, dtype=pl.Int32).alias("remaining_term_months"),
        "eir_annual",
    )  # fmt: skip


def _months_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whole months from `start` to `end` (0 when `end` is not later): 31 Jan → 28 Feb is 0."""
    months = (end.dt.year() - start.dt.year()) * 12 + end.dt.month().cast(pl.Int32) - start.dt.month().cast(pl.Int32)
    months = months - (end.dt.day() < start.dt.day()).cast(pl.Int32)
    return pl.max_horizontal(months, pl.lit(0)).cast(pl.Int32)
