"""Delinquency buckets (M0 … M7) and China's five-tier loan classification, per loan and per column.

Buckets follow the Chinese consumer-finance convention: M0 is current, M1 is 1–30 days past due,
each further bucket covers the next 30 days up to M6 = 151–180, and M7 is everything beyond 180.
The per-loan functions and the polars expressions implement the same thresholds; a property test
proves they agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import IntEnum

import polars as pl

from creditline.portfolio.errors import InvalidAssumption

BUCKET_DAYS = 30
BUCKET_LAST = 7  # M7 = more than 180 days past due
BUCKET_NAMES = tuple(f"M{k}" for k in range(BUCKET_LAST + 1))
# "90+" means more than 90 days past due (Basel's default definition): buckets M4 and beyond.
DEFAULT_DAYS_PAST_DUE_MIN = 91


def bucket_of(days_past_due: int) -> int:
    """The bucket index 0–7 (M0–M7) of a loan that is `days_past_due` days late."""
    assert days_past_due >= 0, "days past due is never negative"
    return min(-(-days_past_due // BUCKET_DAYS), BUCKET_LAST)


def bucket_expr(days_past_due: pl.Expr) -> pl.Expr:
    """`bucket_of` as a polars expression (ceil(days / 30), capped at M7), as Int8."""
    ceiling = (days_past_due.cast(pl.Int64) + (BUCKET_DAYS - 1)) // BUCKET_DAYS
    return pl.min_horizontal(ceiling, pl.lit(BUCKET_LAST)).cast(pl.Int8)


def is_default(days_past_due: int) -> bool:
    return days_past_due >= DEFAULT_DAYS_PAST_DUE_MIN


class Tier(IntEnum):
    """The five regulatory tiers; the last three are non-performing loans (NPL)."""

    NORMAL = 0
    SPECIAL_MENTION = 1
    SUBSTANDARD = 2
    DOUBTFUL = 3
    LOSS = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def is_non_performing(self) -> bool:
        return self >= Tier.SUBSTANDARD


TIER_NAMES = tuple(t.label for t in Tier)


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """Days-past-due thresholds above which a loan is at least substandard, doubtful, loss.

    Any overdue loan is at least special mention. The thresholds are the rule's minimum
    classification by days past due; a bank may classify worse on other evidence, which EOD
    records and this module does not second-guess.
    """

    name: str
    substandard_after_days: int
    doubtful_after_days: int
    loss_after_days: int

    def __post_init__(self) -> None:
        steps = (0, self.substandard_after_days, self.doubtful_after_days, self.loss_after_days)
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise InvalidAssumption("tier thresholds must increase: 0 < substandard < doubtful < loss",
                                    field="tier_policy")


# 商业银行金融资产风险分类办法 (CBIRC/PBoC order 2023 No. 1): overdue → at least special mention,
# more than 90 days → at least substandard, more than 270 → at least doubtful, more than 360 → loss.
CHINA_2023 = TierPolicy("china-2023", 90, 270, 360)
# 商业银行信用卡业务监督管理办法 (2011) art. 92: 1–90 special mention, 91–120 substandard,
# 121–180 doubtful, more than 180 loss; the usual choice for card-like revolving credit.
CHINA_CARD_2011 = TierPolicy("china-card-2011", 90, 120, 180)
TIER_POLICIES = {p.name: p for p in (CHINA_2023, CHINA_CARD_2011)}


def tier_of(days_past_due: int, policy: TierPolicy = CHINA_2023) -> Tier:
    assert days_past_due >= 0, "days past due is never negative"
    if days_past_due > policy.loss_after_days:
        return Tier.LOSS
    if days_past_due > policy.doubtful_after_days:
        return Tier.DOUBTFUL
    if days_past_due > policy.substandard_after_days:
        return Tier.SUBSTANDARD
    return Tier.SPECIAL_MENTION if days_past_due > 0 else Tier.NORMAL


def tier_expr(days_past_due: pl.Expr, policy: TierPolicy = CHINA_2023) -> pl.Expr:
    """`tier_of` as a polars expression, as Int8 (the `Tier` value)."""
    return (
        pl.when(days_past_due > policy.loss_after_days).then(pl.lit(int(Tier.LOSS)))
        .when(days_past_due > policy.doubtful_after_days).then(pl.lit(int(Tier.DOUBTFUL)))
        .when(days_past_due > policy.substandard_after_days).then(pl.lit(int(Tier.SUBSTANDARD)))
        .when(days_past_due > 0).then(pl.lit(int(Tier.SPECIAL_MENTION)))
        .otherwise(pl.lit(int(Tier.NORMAL)))
        .cast(pl.Int8)
    )


def loan_tier_expr(policy: TierPolicy = CHINA_2023) -> pl.Expr:
    """A snapshot row's tier: `tier_expr` of its days past due, and loss for a charged-off loan.

    A loan charged off at the product's threshold is a loss loan (损失) until it is written off,
    whatever its days past due (180 at charge-off is only substandard by days under `china-2023`).
    """
    return (
        pl.when(pl.col("status") == "charged_off").then(pl.lit(int(Tier.LOSS), dtype=pl.Int8))
        .otherwise(tier_expr(pl.col("days_past_due"), policy))
    )


def bucket_table(day: pl.DataFrame) -> pl.DataFrame:
    """Accruing loans (active, overdue) of one snapshot date by bucket: loans, principal and drawn balance
    (minor units). Charged-off loans, still on book, are counted apart (`charged_off_totals`).

    Undrawn-line rows (`disbursed_minor` = 0) are not loans and are left out.
    """
    from creditline.portfolio.snapshot import accruing_expr, drawn_expr

    counts = (
        day.filter(accruing_expr() & (pl.col("disbursed_minor") > 0))
        .group_by(bucket_expr(pl.col("days_past_due")).alias("bucket"))
        .agg(pl.len().alias("loans"), pl.col("principal_minor").sum(), drawn_expr().sum().alias("drawn_minor"))
    )
    frame = pl.DataFrame({"bucket": list(range(BUCKET_LAST + 1))}, schema={"bucket": pl.Int8})
    return (
        frame.join(counts, on="bucket", how="left")
        .fill_null(0)
        .with_columns(pl.col("bucket").replace_strict(list(range(BUCKET_LAST + 1)), BUCKET_NAMES,
                                                      return_dtype=pl.String).alias("name"))
        .select("bucket", "name", pl.col("loans").cast(pl.Int64), "principal_minor", "drawn_minor")
    )


def charged_off_totals(day: pl.DataFrame) -> dict[str, int]:
    """Charged-off loans still on book (not written off) on one snapshot date: loans, principal, drawn."""
    from creditline.portfolio.snapshot import charged_off_on_book_expr, drawn_expr

    row = day.filter(charged_off_on_book_expr()).select(
        pl.len().alias("loans"), pl.col("principal_minor").sum(), drawn_expr().sum().alias("drawn_minor")
    ).row(0, named=True)
    return {name: int(value or 0) for name, value in row.items()}


def tier_table(day: pl.DataFrame, policy: TierPolicy = CHINA_2023) -> pl.DataFrame:
    """On-book loans of one snapshot date by regulatory tier: loans and principal (minor units).

    Charged-off loans not yet written off are on book, in the loss tier (`loan_tier_expr`)."""
    from creditline.portfolio.snapshot import on_book_expr

    counts = (
        day.filter(on_book_expr() & (pl.col("disbursed_minor") > 0))
        .group_by(loan_tier_expr(policy).alias("tier"))
        .agg(pl.len().alias("loans"), pl.col("principal_minor").sum())
    )
    frame = pl.DataFrame({"tier": [int(t) for t in Tier]}, schema={"tier": pl.Int8})
    return (
        frame.join(counts, on="tier", how="left")
        .fill_null(0)
        .with_columns(pl.col("tier").replace_strict([int(t) for t in Tier], list(TIER_NAMES),
                                                    return_dtype=pl.String).alias("name"))
        .select("tier", "name", pl.col("loans").cast(pl.Int64), "principal_minor")
    )
