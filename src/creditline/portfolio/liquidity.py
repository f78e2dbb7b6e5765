"""Liquidity coverage ratio: high-quality liquid assets ÷ net cash outflows over the next 30 days.

Basel III (BCBS 238, 2013; China: 商业银行流动性风险管理办法, 2018) with its minimum of 100%:

* HQLA = Level 1 + 85% of Level 2A + 50% of Level 2B, after the caps that keep Level 2 at most
  40% and Level 2B at most 15% of the stock (the standard's adjustment formula);
* net outflows = Σ outflow × run-off rate − min(Σ inflow × inflow rate, 75% of outflows), so at
  least a quarter of outflows is always covered by HQLA.

Amounts are minor units; factors are Decimal; each weighted total is rounded half-up once, at
`LIQUIDITY_ROUNDING`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

import polars as pl

from creditline.money import CONTEXT, Rounding, round_to_int
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.ratio import ratio
from creditline.portfolio.snapshot import accruing_expr, on_book_expr

LIQUIDITY_ROUNDING = Rounding.HALF_UP
LEVEL_2A_FACTOR = Decimal("0.85")
LEVEL_2B_FACTOR = Decimal("0.50")
INFLOW_CAP = Decimal("0.75")
LCR_MIN = Decimal(1)
# BCBS 238 §131(a) and §153: committed facilities to retail customers run off 5%; inflows from
# fully performing retail loans count 50% of contractual payments.
RETAIL_FACILITY_RUN_OFF = Decimal("0.05")
RETAIL_LOAN_INFLOW_RATE = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class CashFlow:
    name: str
    amount_minor: int
    rate: Decimal  # run-off rate for outflows, inflow rate for inflows

    def __post_init__(self) -> None:
        if self.amount_minor < 0:
            raise InvalidAssumption(f"{self.name}: amounts are not negative", field="balance_sheet")
        if not 0 <= self.rate <= 1:
            raise InvalidAssumption(f"{self.name}: rates are in [0, 1]", field="balance_sheet")

    def weighted(self) -> Decimal:
        return CONTEXT.multiply(Decimal(self.amount_minor), self.rate)


@dataclass(frozen=True, slots=True)
class LiquidAssets:
    level1_minor: int = 0
    level2a_minor: int = 0
    level2b_minor: int = 0

    def __post_init__(self) -> None:
        if min(self.level1_minor, self.level2a_minor, self.level2b_minor) < 0:
            raise InvalidAssumption("liquid assets are not negative", field="balance_sheet")


def hqla_minor(assets: LiquidAssets) -> int:
    """The stock of HQLA after haircuts and the Level 2 caps (BCBS 238, Annex 1)."""
    with localcontext(CONTEXT):
        level1 = Decimal(assets.level1_minor)
        level2a = Decimal(assets.level2a_minor) * LEVEL_2A_FACTOR
        level2b = Decimal(assets.level2b_minor) * LEVEL_2B_FACTOR
        excess_2b = max(level2b - 15 * (level1 + level2a) / 85, level2b - 15 * level1 / 60, Decimal(0))
        excess_2 = max(level2a + level2b - excess_2b - 2 * level1 / 3, Decimal(0))
        stock = level1 + level2a + level2b - excess_2b - excess_2
    return round_to_int(stock, LIQUIDITY_ROUNDING)


@dataclass(frozen=True, slots=True)
class Lcr:
    hqla_minor: int
    outflows_minor: int
    inflows_minor: int

    @property
    def inflows_counted_minor(self) -> int:
        return min(self.inflows_minor, round_to_int(CONTEXT.multiply(Decimal(self.outflows_minor), INFLOW_CAP),
                                                   LIQUIDITY_ROUNDING))

    @property
    def net_outflows_minor(self) -> int:
        return self.outflows_minor - self.inflows_counted_minor

    @property
    def ratio(self) -> Decimal | None:
        return ratio(self.hqla_minor, self.net_outflows_minor)

    @property
    def met(self) -> bool:
        value = self.ratio
        return value is None or value >= LCR_MIN


def lcr(assets: LiquidAssets, outflows: Sequence[CashFlow], inflows: Sequence[CashFlow]) -> Lcr:
    return Lcr(
        hqla_minor=hqla_minor(assets),
        outflows_minor=round_to_int(_total(outflows), LIQUIDITY_ROUNDING),
        inflows_minor=round_to_int(_total(inflows), LIQUIDITY_ROUNDING),
    )


def _total(flows: Sequence[CashFlow]) -> Decimal:
    total = Decimal(0)
    for flow in flows:
        total = CONTEXT.add(total, flow.weighted())
    return total


def loan_book_flows(day: pl.DataFrame) -> tuple[CashFlow, CashFlow]:
    """The loan book's own 30-day flows: (outflow: undrawn lines, inflow: performing loans' payments)."""
    book = day.filter(on_book_expr())
    totals = book.select(
        pl.col("undrawn_minor").sum().alias("undrawn"),
        pl.col("scheduled_30d_minor").filter(accruing_expr() & (pl.col("days_past_due") == 0)).sum().alias("scheduled"),
    ).row(0, named=True)
    return (
        CashFlow("undrawn retail credit lines", int(totals["undrawn"] or 0), RETAIL_FACILITY_RUN_OFF),
        CashFlow("payments due from performing loans", int(totals["scheduled"] or 0), RETAIL_LOAN_INFLOW_RATE),
    )
