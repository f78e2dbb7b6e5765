"""Default rate (90+ days past due within 12 months) and the non-performing loan (NPL) ratio.

Default rate: of the loans performing (on book, at most 90 days past due) on the snapshot date 12
months before `as_of`, the share that were more than 90 days past due or charged off on any
snapshot date after it, up to and including `as_of`. Reported by count and by the drawn balance
they had at the start. NPL ratio: principal of substandard, doubtful and loss loans over all
on-book principal, on `as_of`, as the Chinese regulator reports it (贷款余额, principal only). On book
includes charged-off loans until they are written off, in the loss tier: they are NPLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import polars as pl

from creditline.portfolio.delinquency import (
    CHINA_2023,
    DEFAULT_DAYS_PAST_DUE_MIN,
    Tier,
    TierPolicy,
    loan_tier_expr,
)
from creditline.portfolio.errors import SnapshotNotFound
from creditline.portfolio.months import shift_months
from creditline.portfolio.ratio import ratio
from creditline.portfolio.snapshot import accruing_expr, drawn_expr, for_date, on_book_expr

WINDOW_MONTHS = 12


@dataclass(frozen=True, slots=True)
class DefaultRate:
    start: date
    end: date
    cohort_loans: int
    defaulted_loans: int
    cohort_drawn_minor: int
    defaulted_drawn_minor: int

    @property
    def by_count(self) -> Decimal | None:
        return ratio(self.defaulted_loans, self.cohort_loans)

    @property
    def by_balance(self) -> Decimal | None:
        return ratio(self.defaulted_drawn_minor, self.cohort_drawn_minor)


def default_event_expr() -> pl.Expr:
    return (pl.col("days_past_due") >= DEFAULT_DAYS_PAST_DUE_MIN) | (pl.col("status") == "charged_off")


def default_rate_12m(frame: pl.DataFrame, as_of: date) -> DefaultRate:
    """The 12-month default rate ending on `as_of` (needs the snapshot of 12 months earlier)."""
    start = shift_months(as_of, -WINDOW_MONTHS)
    try:
        first = for_date(frame, start)
    except SnapshotNotFound as exc:
        raise SnapshotNotFound(
            f"the 12-month default rate needs the snapshot of {start}: {exc.message}", field="as_of"
        ) from exc
    cohort = first.filter(
        accruing_expr() & (pl.col("days_past_due") < DEFAULT_DAYS_PAST_DUE_MIN) & (pl.col("disbursed_minor") > 0)
    ).select("loan_id", drawn_expr().alias("drawn_minor"))
    events = frame.filter(pl.col("as_of").is_between(start, as_of, closed="right") & default_event_expr())
    defaulted = cohort.join(events.select("loan_id").unique(), on="loan_id", how="semi")
    return DefaultRate(
        start=start,
        end=as_of,
        cohort_loans=cohort.height,
        defaulted_loans=defaulted.height,
        cohort_drawn_minor=int(cohort.get_column("drawn_minor").sum()),
        defaulted_drawn_minor=int(defaulted.get_column("drawn_minor").sum()),
    )


def latest_default_rate_12m(frame: pl.DataFrame, as_of: date) -> DefaultRate:
    """The 12-month default rate of the latest snapshot date on or before `as_of` that has the snapshot
    of 12 months earlier: what `default_rate_12m` gives for that date (its `end`). EOD prunes daily
    snapshots to month ends, so in mid-month the start of today's window is gone while the latest
    month end still has its own; `SnapshotNotFound` (today's reason) when no date has one."""
    days = set(frame.get_column("as_of").unique().to_list())
    for day in sorted((d for d in days if d <= as_of), reverse=True):
        if shift_months(day, -WINDOW_MONTHS) in days:
            return default_rate_12m(frame, day)
    return default_rate_12m(frame, as_of)  # raises, naming the snapshot `as_of` would need


@dataclass(frozen=True, slots=True)
class NplRatio:
    npl_principal_minor: int
    loans_principal_minor: int

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.npl_principal_minor, self.loans_principal_minor)


def npl_ratio(day: pl.DataFrame, policy: TierPolicy = CHINA_2023) -> NplRatio:
    """The NPL ratio of one snapshot date's rows."""
    book = day.filter(on_book_expr())
    npl = loan_tier_expr(policy) >= int(Tier.SUBSTANDARD)
    totals = book.select(
        pl.col("principal_minor").filter(npl).sum().alias("npl"), pl.col("principal_minor").sum().alias("all")
    ).row(0, named=True)
    return NplRatio(int(totals["npl"] or 0), int(totals["all"] or 0))
