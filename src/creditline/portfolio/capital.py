"""Risk-weighted assets of the loan book, capital adequacy and leverage ratios.

Standardised approach (Basel; China: 商业银行资本管理办法, 2012 and 2023): a regulatory retail
exposure weighs 75%, any other 100%. A borrower's exposure is qualifying retail when the borrower
is not in default (no loan more than 90 days past due), owes at most `borrower_cap_minor` in all
(CNY 10 million under the 2023 rules), and is at most 0.2% of the whole retail book (the
granularity test). Off-balance undrawn lines enter at a credit conversion factor (10% for
unconditionally cancellable retail lines). Minimums: total capital 8% of RWA, 10.5% with the
2.5% conservation buffer (China also requires CET1 5%/7.5% and Tier 1 6%/8.5%, reported too);
leverage ratio (Tier 1 ÷ exposure measure) 4% (商业银行杠杆率管理办法, 2015).

Exposures are integers: each borrower's undrawn amount × CCF is rounded half-up to minor units at
`CAPITAL_ROUNDING`, and RWA is rounded once after weighting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from creditline.money import CONTEXT, Rounding, round_to_int
from creditline.portfolio.delinquency import DEFAULT_DAYS_PAST_DUE_MIN
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.ratio import ratio
from creditline.portfolio.snapshot import drawn_expr, on_book_expr

CAPITAL_ROUNDING = Rounding.HALF_UP
QUALIFYING_RETAIL_WEIGHT = Decimal("0.75")
OTHER_RETAIL_WEIGHT = Decimal(1)
CAR_MIN = Decimal("0.08")
CAR_MIN_WITH_BUFFER = Decimal("0.105")
CET1_MIN, CET1_MIN_WITH_BUFFER = Decimal("0.05"), Decimal("0.075")
TIER1_MIN, TIER1_MIN_WITH_BUFFER = Decimal("0.06"), Decimal("0.085")
LEVERAGE_MIN = Decimal("0.04")


@dataclass(frozen=True, slots=True)
class RetailPolicy:
    borrower_cap_minor: int = 10_000_000 * 100  # CNY 10 million
    granularity_max: Decimal = Decimal("0.002")
    ccf_undrawn: Decimal = Decimal("0.1")

    def __post_init__(self) -> None:
        if self.borrower_cap_minor <= 0:
            raise InvalidAssumption("the per-borrower cap must be positive", field="borrower_cap")
        if not 0 < self.granularity_max <= 1:
            raise InvalidAssumption("the granularity limit must be in (0, 1]", field="granularity_max")
        if not 0 <= self.ccf_undrawn <= 1:
            raise InvalidAssumption("the capital CCF must be in [0, 1]", field="capital_ccf")


@dataclass(frozen=True, slots=True)
class RetailRwa:
    qualifying_exposure_minor: int
    other_exposure_minor: int
    rwa_minor: int

    @property
    def exposure_minor(self) -> int:
        return self.qualifying_exposure_minor + self.other_exposure_minor


def borrower_exposures(day: pl.DataFrame, ccf: Decimal) -> pl.DataFrame:
    """Per borrower: drawn balance + CCF × undrawn (half-up, integer arithmetic), and default flag."""
    numerator, denominator = ccf.as_integer_ratio()
    book = day.filter(on_book_expr()).group_by("borrower_id").agg(
        drawn_expr().sum().alias("drawn_minor"),
        pl.col("undrawn_minor").sum(),
        ((pl.col("days_past_due") >= DEFAULT_DAYS_PAST_DUE_MIN) | (pl.col("status") == "charged_off"))
        .any().alias("defaulted"),
    )
    # Half-up on a non-negative rational: floor((2·u·n + d) / 2d). Python-sized ints would be
    # exact too, but int64 holds any real book: undrawn × numerator stays far below 2⁶³.
    converted = (pl.col("undrawn_minor") * (2 * numerator) + denominator) // (2 * denominator)
    return book.with_columns((pl.col("drawn_minor") + converted).alias("exposure_minor"))


def retail_rwa(day: pl.DataFrame, policy: RetailPolicy = RetailPolicy()) -> RetailRwa:
    exposures = borrower_exposures(day, policy.ccf_undrawn)
    total = int(exposures.get_column("exposure_minor").sum() or 0)
    granular_max = CONTEXT.multiply(Decimal(total), policy.granularity_max)
    qualifying = (
        ~pl.col("defaulted")
        & (pl.col("exposure_minor") <= policy.borrower_cap_minor)
        & (pl.col("exposure_minor") <= int(granular_max))  # exposures are integers: floor is exact
    )
    split = exposures.select(
        pl.col("exposure_minor").filter(qualifying).sum().alias("qualifying"),
        pl.col("exposure_minor").filter(~qualifying).sum().alias("other"),
    ).row(0, named=True)
    qualifying_minor, other_minor = int(split["qualifying"] or 0), int(split["other"] or 0)
    weighted = CONTEXT.add(
        CONTEXT.multiply(Decimal(qualifying_minor), QUALIFYING_RETAIL_WEIGHT),
        CONTEXT.multiply(Decimal(other_minor), OTHER_RETAIL_WEIGHT),
    )
    return RetailRwa(qualifying_minor, other_minor, round_to_int(weighted, CAPITAL_ROUNDING))


@dataclass(frozen=True, slots=True)
class WeightedExposure:
    """An exposure outside the loan book (cash, bonds, interbank) with its risk weight."""

    name: str
    amount_minor: int
    risk_weight: Decimal

    def __post_init__(self) -> None:
        if self.amount_minor < 0 or not 0 <= self.risk_weight <= Decimal("12.5"):
            raise InvalidAssumption(f"{self.name}: amount ≥ 0 and risk weight in [0, 1250%]",
                                    field="balance_sheet")


def other_rwa_minor(exposures: Sequence[WeightedExposure]) -> int:
    total = Decimal(0)
    for item in exposures:
        total = CONTEXT.add(total, CONTEXT.multiply(Decimal(item.amount_minor), item.risk_weight))
    return round_to_int(total, CAPITAL_ROUNDING)


@dataclass(frozen=True, slots=True)
class CapitalBase:
    cet1_minor: int
    additional_tier1_minor: int = 0
    tier2_minor: int = 0

    @property
    def tier1_minor(self) -> int:
        return self.cet1_minor + self.additional_tier1_minor

    @property
    def total_minor(self) -> int:
        return self.tier1_minor + self.tier2_minor


@dataclass(frozen=True, slots=True)
class CapitalRatios:
    capital: CapitalBase
    rwa_minor: int
    leverage_exposure_minor: int

    @property
    def car(self) -> Decimal | None:
        return ratio(self.capital.total_minor, self.rwa_minor)

    @property
    def tier1(self) -> Decimal | None:
        return ratio(self.capital.tier1_minor, self.rwa_minor)

    @property
    def cet1(self) -> Decimal | None:
        return ratio(self.capital.cet1_minor, self.rwa_minor)

    @property
    def leverage(self) -> Decimal | None:
        return ratio(self.capital.tier1_minor, self.leverage_exposure_minor)

    def checks(self) -> dict[str, bool]:
        """Each minimum, met or not (a ratio over a zero base counts as met)."""
        pairs = {
            "car_min_8pct": (self.car, CAR_MIN),
            "car_min_with_buffer_10_5pct": (self.car, CAR_MIN_WITH_BUFFER),
            "tier1_min_with_buffer_8_5pct": (self.tier1, TIER1_MIN_WITH_BUFFER),
            "cet1_min_with_buffer_7_5pct": (self.cet1, CET1_MIN_WITH_BUFFER),
            "leverage_min_4pct": (self.leverage, LEVERAGE_MIN),
        }
        return {name: value is None or value >= floor for name, (value, floor) in pairs.items()}


def leverage_exposure_minor(day: pl.DataFrame, other_assets_minor: int, ccf: Decimal = Decimal("0.1")) -> int:
    """The leverage exposure measure: the loan book (undrawn at `ccf`) plus other on-balance assets."""
    book = borrower_exposures(day, ccf)
    return int(book.get_column("exposure_minor").sum() or 0) + other_assets_minor
