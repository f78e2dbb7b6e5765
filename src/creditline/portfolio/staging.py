"""IFRS 9 staging: stage 1 (performing), stage 2 (significant increase in credit risk), stage 3
(credit-impaired).

Backstops (IFRS 9 §5.5.11 and §B5.5.37): more than 30 days past due is a significant increase in
credit risk, and more than 90 days past due is default, so credit-impaired. Exactly 30 days past
due therefore stays in stage 1 and exactly 90 in stage 2. Above the backstops, a loan moves to
stage 2 when its 12-month PD has risen materially since origination (`SicrPolicy`). EOD calls
`assign_stage` and writes the result into the snapshot; it may keep a cured loan in a higher
stage for a probation period, so a snapshot's stage may exceed what the backstops require but
never fall below it (the snapshot validation checks that).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum

import polars as pl

from creditline.portfolio.errors import InvalidAssumption

SICR_BACKSTOP_DAYS = 30
CREDIT_IMPAIRED_AFTER_DAYS = 90
# PDs are float64, and 0.015 − 0.005 is 0.009999999999999998: a threshold met on paper must not be
# missed by the last bit of a subtraction or a product. No PD model is precise to 1e-12.
PD_TOLERANCE = 1e-12


class Stage(IntEnum):
    PERFORMING = 1
    UNDERPERFORMING = 2
    CREDIT_IMPAIRED = 3


@dataclass(frozen=True, slots=True)
class SicrPolicy:
    """A significant increase in credit risk: the 12-month PD is at least `pd_ratio_min` times its
    value at origination and at least `pd_increase_min` higher in absolute terms. The absolute
    floor stops a move from 0.1% to 0.2% (doubled, but still negligible) from triggering stage 2.
    """

    pd_ratio_min: Decimal = Decimal(2)
    pd_increase_min: Decimal = Decimal("0.01")

    def __post_init__(self) -> None:
        if not self.pd_ratio_min > 1:
            raise InvalidAssumption("the PD ratio for a significant increase must exceed 1", field="sicr_pd_ratio")
        if not 0 <= self.pd_increase_min < 1:
            raise InvalidAssumption("the absolute PD increase must be in [0, 1)", field="sicr_pd_increase")

    def is_significant(self, pd_12m: float, pd_12m_origination: float) -> bool:
        return (pd_12m - float(self.pd_ratio_min) * pd_12m_origination >= -PD_TOLERANCE
                and pd_12m - pd_12m_origination - float(self.pd_increase_min) >= -PD_TOLERANCE)

    def expr(self, pd_12m: pl.Expr, pd_12m_origination: pl.Expr) -> pl.Expr:
        return (pd_12m - float(self.pd_ratio_min) * pd_12m_origination >= -PD_TOLERANCE) & (
            pd_12m - pd_12m_origination - float(self.pd_increase_min) >= -PD_TOLERANCE
        )


def backstop_stage(days_past_due: int) -> Stage:
    """The lowest stage the days-past-due backstops allow."""
    assert days_past_due >= 0, "days past due is never negative"
    if days_past_due > CREDIT_IMPAIRED_AFTER_DAYS:
        return Stage.CREDIT_IMPAIRED
    if days_past_due > SICR_BACKSTOP_DAYS:
        return Stage.UNDERPERFORMING
    return Stage.PERFORMING


def backstop_stage_expr(days_past_due: pl.Expr) -> pl.Expr:
    return (
        pl.when(days_past_due > CREDIT_IMPAIRED_AFTER_DAYS).then(pl.lit(int(Stage.CREDIT_IMPAIRED)))
        .when(days_past_due > SICR_BACKSTOP_DAYS).then(pl.lit(int(Stage.UNDERPERFORMING)))
        .otherwise(pl.lit(int(Stage.PERFORMING)))
        .cast(pl.Int8)
    )


def assign_stage(
    days_past_due: int,
    pd_12m: float,
    pd_12m_origination: float,
    policy: SicrPolicy | None = None,
) -> Stage:
    """The stage from the backstops and the PD-based significant-increase test."""
    stage = backstop_stage(days_past_due)
    if stage is Stage.PERFORMING and (policy or SicrPolicy()).is_significant(pd_12m, pd_12m_origination):
        return Stage.UNDERPERFORMING
    return stage


def assign_stage_expr(
    days_past_due: pl.Expr, pd_12m: pl.Expr, pd_12m_origination: pl.Expr, policy: SicrPolicy | None = None
) -> pl.Expr:
    backstop = backstop_stage_expr(days_past_due)
    significant = (policy or SicrPolicy()).expr(pd_12m, pd_12m_origination)
    return (
        pl.when((backstop == int(Stage.PERFORMING)) & significant)
        .then(pl.lit(int(Stage.UNDERPERFORMING)))
        .otherwise(backstop)
        .cast(pl.Int8)
    )
