"""Vintage curves: how each origination month's loans go bad as they age, month on book by month.

MOB follows `months.months_on_book` (calendar months from the origination month, which is MOB 0).
For each vintage and MOB up to the latest snapshot the curves give:

* `ever_90_loans` / `ever_90_disbursed_minor`: loans (and their disbursed principal) that have
  been more than 90 days past due or charged off on some snapshot up to that MOB (cumulative,
  so the curve never falls); the rates divide by the vintage's loans and disbursed principal;
* `dpd30_principal_minor`: principal of on-book loans more than 30 days past due at that MOB
  (coincident, so it can fall as loans cure or are charged off); its rate divides by the
  vintage's disbursed principal, the Chinese market's "M2+ balance over disbursement" view.

Undrawn-line rows (`disbursed_minor` = 0) are not loans and are left out.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from creditline.portfolio.default_rate import default_event_expr
from creditline.portfolio.months import month_index_expr
from creditline.portfolio.snapshot import accruing_expr, monthly_view

DPD30_DAYS_MIN = 31


def vintage_curves(frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per (vintage_month, mob) from MOB 0 to the latest snapshot on or before `as_of`."""
    columns = ["loan_id", "as_of", "vintage_month", "disbursed_minor", "principal_minor", "status", "days_past_due"]
    monthly = monthly_view(frame, as_of, columns).filter(pl.col("disbursed_minor") > 0)
    per_loan = monthly.group_by("loan_id").agg(
        pl.col("vintage_month").first(),
        pl.col("disbursed_minor").first(),
        pl.col("as_of").filter(default_event_expr()).min().alias("first_default"),
    )
    dpd30 = (
        # Accruing loans only: the curve falls when a loan is charged off (it has defaulted: ever_90).
        monthly.filter(accruing_expr() & (pl.col("days_past_due") >= DPD30_DAYS_MIN))
        .group_by("vintage_month", _mob(pl.col("as_of")).alias("mob"))
        .agg(pl.col("principal_minor").sum().alias("dpd30_principal_minor"))
    )
    # One pass over the snapshots feeds both aggregations (common subplan elimination).
    loans, dpd30_table, latest = pl.collect_all([per_loan, dpd30, monthly.select(pl.col("as_of").max())])
    if loans.is_empty():
        return _empty()
    defaults = (
        loans.filter(pl.col("first_default").is_not_null())
        .with_columns(_mob(pl.col("first_default")).alias("mob"))
        .group_by("vintage_month", "mob")
        .agg(pl.len().cast(pl.Int64).alias("new_90"), pl.col("disbursed_minor").sum().alias("new_90_minor"))
    )
    curves = (
        _grid(loans, latest.item())
        .join(defaults, on=["vintage_month", "mob"], how="left")
        .join(dpd30_table, on=["vintage_month", "mob"], how="left")
        .with_columns(pl.col("new_90", "new_90_minor", "dpd30_principal_minor").fill_null(0))
        .sort("vintage_month", "mob")
        .with_columns(
            pl.col("new_90").cum_sum().over("vintage_month").alias("ever_90_loans"),
            pl.col("new_90_minor").cum_sum().over("vintage_month").alias("ever_90_disbursed_minor"),
        )
    )
    return _with_rates(curves)


def _mob(day: pl.Expr) -> pl.Expr:
    return (month_index_expr(day) - month_index_expr(pl.col("vintage_month"))).cast(pl.Int32)


def _grid(loans: pl.DataFrame, latest: date) -> pl.DataFrame:
    """Every vintage with MOB 0 … the MOB of the latest snapshot."""
    vintages = loans.group_by("vintage_month").agg(
        pl.len().cast(pl.Int64).alias("loans"), pl.col("disbursed_minor").sum()
    )
    last_mob = month_index_expr(pl.lit(latest, dtype=pl.Date)) - month_index_expr(pl.col("vintage_month"))
    return vintages.with_columns(pl.int_ranges(0, last_mob + 1, dtype=pl.Int32).alias("mob")).explode("mob")


def _with_rates(curves: pl.DataFrame) -> pl.DataFrame:
    return curves.select(
        "vintage_month",
        "mob",
        "loans",
        "disbursed_minor",
        "ever_90_loans",
        "ever_90_disbursed_minor",
        "dpd30_principal_minor",
        (pl.col("ever_90_loans") / pl.col("loans")).alias("ever_90_rate_count"),
        (pl.col("ever_90_disbursed_minor") / pl.col("disbursed_minor")).alias("ever_90_rate_amount"),
        (pl.col("dpd30_principal_minor") / pl.col("disbursed_minor")).alias("dpd30_rate_amount"),
    )


def _empty() -> pl.DataFrame:
    ints = ["loans", "disbursed_minor", "ever_90_loans", "ever_90_disbursed_minor", "dpd30_principal_minor"]
    schema = {"vintage_month": pl.Date, "mob": pl.Int32, **dict.fromkeys(ints, pl.Int64)}
    schema |= dict.fromkeys(["ever_90_rate_count", "ever_90_rate_amount", "dpd30_rate_amount"], pl.Float64)
    return pl.DataFrame(schema=schema)
