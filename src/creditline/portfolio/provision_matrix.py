"""The provision matrix (IFRS 9 §B5.5.35): a loss rate per ageing bucket times the bucket's balance.

Loss rates come from a flow (roll-rate) analysis: the share of a bucket that is eventually lost is
the product of the roll rates from that bucket to loss. Rates stay Decimal; each bucket's allowance
is rounded to minor units once, at `MATRIX_ROUNDING`, and the total is the sum of those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from creditline.money import CONTEXT, Rounding, round_to_int
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.ratio import ratio
from creditline.portfolio.roll_rates import FROM_STATES

MATRIX_ROUNDING = Rounding.HALF_UP


def loss_rates_from_roll_rates(roll_rates: Sequence[Decimal]) -> list[Decimal]:
    """Loss rate of bucket k = roll rate k × roll rate k+1 × … × the last bucket's rate of loss."""
    if any(not 0 <= r <= 1 for r in roll_rates):
        raise InvalidAssumption("roll rates must be in [0, 1]", field="roll_rates")
    rates: list[Decimal] = []
    carried = Decimal(1)
    for rate in reversed(roll_rates):
        carried = CONTEXT.multiply(carried, rate)
        rates.append(carried)
    return rates[::-1]


@dataclass(frozen=True, slots=True)
class MatrixLine:
    balance_minor: int
    loss_rate: Decimal
    allowance_minor: int


def provision_matrix(balances_minor: Sequence[int], loss_rates: Sequence[Decimal]) -> list[MatrixLine]:
    """Allowance per bucket: balance × loss rate, rounded half-up to minor units per bucket."""
    if len(balances_minor) != len(loss_rates):
        raise InvalidAssumption("one loss rate per bucket", field="loss_rates")
    if any(not 0 <= r <= 1 for r in loss_rates):
        raise InvalidAssumption("loss rates must be in [0, 1]", field="loss_rates")
    return [
        MatrixLine(b, r, round_to_int(CONTEXT.multiply(Decimal(b), r), MATRIX_ROUNDING))
        for b, r in zip(balances_minor, loss_rates, strict=True)
    ]


def observed_roll_rates(rolls: pl.DataFrame, *, months: int | None = None) -> list[Decimal | None]:
    """Pooled balance-weighted roll rates of M0–M7 over the last `months` months of a roll-rate table.

    None for a bucket with no balance observed in the window: its loss rate is unknown, and
    guessing (0 or 1) would move the allowance by the bucket's whole balance.
    """
    if months is not None and not rolls.is_empty():
        ends = rolls.get_column("month_end").unique().sort().tail(months)
        rolls = rolls.filter(pl.col("month_end").is_in(ends.implode()))
    pooled = {
        row["from_state"]: (row["rolled_principal_minor"], row["principal_minor"])
        for row in rolls.group_by("from_state").agg(pl.col("rolled_principal_minor", "principal_minor").sum())
        .iter_rows(named=True)
    }
    return [ratio(int(pooled[s][0]), int(pooled[s][1])) if s in pooled else None for s in range(FROM_STATES)]
