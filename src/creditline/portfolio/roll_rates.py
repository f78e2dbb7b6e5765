"""Transition counts between consecutive monthly snapshots, roll rates and transition matrices.

A loan's state is its bucket M0–M7 while on book, or CLOSED / CHARGED_OFF. Every on-book loan at
month t that has a snapshot at month t+1 contributes one transition, weighted by count and by its
principal at t. Loans with no snapshot the next month (EOD stopped writing rows after a terminal
status, or the history ends) contribute nothing. The roll rate of bucket k is the share of its
principal that is in a worse state one month later (a later bucket or charged off): with monthly
snapshots a loan may skip a bucket when a 31-day month lies between them. A report date that is not
a month-end is part of a month, so transitions stop at the month-end before it. Undrawn-line rows
(`disbursed_minor` = 0) are not loans and make no transitions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from creditline.portfolio.delinquency import BUCKET_LAST, BUCKET_NAMES, bucket_expr
from creditline.portfolio.months import last_complete_month_end, month_index_expr
from creditline.portfolio.snapshot import monthly_view

CLOSED = BUCKET_LAST + 1
CHARGED_OFF = BUCKET_LAST + 2
STATE_NAMES = (*BUCKET_NAMES, "closed", "charged_off")
FROM_STATES = BUCKET_LAST + 1  # transitions start from on-book buckets only


def state_expr() -> pl.Expr:
    return (
        pl.when(pl.col("status") == "closed").then(pl.lit(CLOSED, dtype=pl.Int8))
        .when(pl.col("status") == "charged_off").then(pl.lit(CHARGED_OFF, dtype=pl.Int8))
        .otherwise(bucket_expr(pl.col("days_past_due")))
    )


def transition_counts(frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Rows (month_end, from_state, to_state, loans, principal_minor) for every month up to `as_of`.

    `month_end` is the month's latest snapshot date among its transitions: they happened during it. A month
    is counted only once it is complete: when `as_of` is not a month-end, its month so far is part
    of a month, so the transitions stop at the month-end before it.
    """
    columns = ["loan_id", "as_of", "principal_minor", "status", "days_past_due", "disbursed_minor"]
    monthly = monthly_view(frame, last_complete_month_end(as_of), columns).filter(pl.col("disbursed_minor") > 0).select(
        "loan_id", "as_of", "principal_minor", month_index_expr(pl.col("as_of")).alias("month"),
        state_expr().alias("state"),
    )
    before = monthly.filter(pl.col("state") < FROM_STATES).select(
        "loan_id", (pl.col("month") + 1).alias("month"), pl.col("state").alias("from_state"), "principal_minor"
    )
    after = monthly.select("loan_id", "month", pl.col("state").alias("to_state"), pl.col("as_of").alias("month_end"))
    counts = (
        before.join(after, on=["loan_id", "month"], how="inner")
        .group_by("month", "from_state", "to_state")
        .agg(pl.len().cast(pl.Int64).alias("loans"), pl.col("principal_minor").sum(), pl.col("month_end").max())
        # The streaming engine joins and aggregates in batches, never holding the joined pairs.
        .collect(engine="streaming")
    )
    # One label per month: a loan whose last row of the month came earlier (closed on the 10th, no
    # row after) transitioned in the same month as the rest, not in a month of its own.
    return (
        counts.with_columns(pl.col("month_end").max().over("month"))
        .select("month_end", "from_state", "to_state", "loans", "principal_minor")
        .sort("month_end", "from_state", "to_state")
    )


def last_months(counts: pl.DataFrame, months: int | None) -> pl.DataFrame:
    """The transition counts of the last `months` months (all when None): a pooling window."""
    if months is None or counts.is_empty():
        return counts
    ends = counts.get_column("month_end").unique().sort()
    return counts.filter(pl.col("month_end").is_in(ends.tail(months).implode()))


@dataclass(frozen=True, slots=True)
class TransitionMatrix:
    """Rows: from-state M0–M7; columns: to-state M0–M7, closed, charged off. Rows sum to 1 or are 0."""

    probabilities: np.ndarray  # shape (8, 10)
    observations: np.ndarray  # shape (8,): loans (or principal) behind each row
    weight: str  # "loans" or "principal_minor"


def transition_matrix(counts: pl.DataFrame, *, weight: str = "loans", months: int | None = None) -> TransitionMatrix:
    """The pooled one-month transition matrix over the last `months` months (all when None)."""
    assert weight in ("loans", "principal_minor"), "weight by loans or principal"
    counts = last_months(counts, months)
    totals = np.zeros((FROM_STATES, len(STATE_NAMES)), dtype=np.float64)
    pooled = counts.group_by("from_state", "to_state").agg(pl.col(weight).sum())
    for from_state, to_state, value in pooled.iter_rows():
        totals[from_state, to_state] = value
    observations = totals.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        probabilities = np.where(observations[:, None] > 0, totals / observations[:, None], 0.0)
    return TransitionMatrix(probabilities, observations, weight)


def roll_rates(counts: pl.DataFrame) -> pl.DataFrame:
    """Per month and bucket: principal at the start, principal rolled to a worse state, and the rate."""
    worse = (pl.col("to_state") > pl.col("from_state")) & (pl.col("to_state") != CLOSED)
    rates = (
        counts.group_by("month_end", "from_state")
        .agg(
            pl.col("principal_minor").sum().alias("principal_minor"),
            pl.col("principal_minor").filter(worse).sum().alias("rolled_principal_minor"),
            pl.col("loans").sum().alias("loans"),
            pl.col("loans").filter(worse).sum().alias("rolled_loans"),
        )
        .sort("month_end", "from_state")
    )
    return rates.with_columns(
        pl.col("from_state").replace_strict(list(range(FROM_STATES)), list(BUCKET_NAMES), return_dtype=pl.String)
        .alias("bucket"),
        (pl.col("rolled_principal_minor") / pl.col("principal_minor")).alias("roll_rate_balance"),
        (pl.col("rolled_loans") / pl.col("loans")).alias("roll_rate_count"),
    )
