"""The provision matrix (IFRS 9 §B5.5.35): a loss rate per ageing bucket times the bucket's balance.

Loss rates come from a flow (roll-rate) analysis: the share of a bucket that is eventually lost is
the product of the roll rates from that bucket to loss (`loss_rates_from_roll_rates`); over observed
transitions, what a bucket charges off is lost and what rolls to a worse bucket is lost at that
bucket's rate (`loss_rates_from_flows`), so a path to loss ends at the charge-off. Rates stay
Decimal; each bucket's allowance is rounded to minor units once, at `MATRIX_ROUNDING`, and the
total is the sum of those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from creditline.money import CONTEXT, Rounding, round_to_int
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.ratio import ratio
from creditline.portfolio.roll_rates import CHARGED_OFF, FROM_STATES, last_months

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


def observed_flows(counts: pl.DataFrame, *, months: int | None = None) -> dict[int, dict[int, int]]:
    """Principal that left each bucket M0–M7, by the state it went to, pooled over the last `months`
    months of transition counts (`roll_rates.transition_counts`). A bucket with none is absent."""
    pooled = last_months(counts, months).group_by("from_state", "to_state").agg(pl.col("principal_minor").sum())
    flows: dict[int, dict[int, int]] = {}
    for from_state, to_state, principal in pooled.iter_rows():
        if principal:
            flows.setdefault(from_state, {})[to_state] = int(principal)
    return flows


def loss_rates_from_flows(flows: dict[int, dict[int, int]]) -> list[Decimal | None]:
    """Loss rate of each bucket M0–M7: the share of its balance that ends in loss.

    What a bucket charges off is lost; what rolls to a worse bucket j is lost at j's rate; what stays,
    cures or closes is not. With loans rolling one bucket a month this is the product of the roll
    rates from the bucket to loss; it also holds when loans skip a bucket, and when they are charged
    off before the last bucket (at 180 days past due nothing is ever on book in M7, whose rate then
    matters to no other bucket). None where the rate is unknown: the bucket was never observed, or
    its balance rolls into a bucket whose rate is unknown.
    """
    rates: list[Decimal | None] = [None] * FROM_STATES
    for bucket in reversed(range(FROM_STATES)):
        out = flows.get(bucket)
        if not out:
            continue
        total = sum(out.values())
        loss = ratio(out.get(CHARGED_OFF, 0), total)
        assert loss is not None, "an observed bucket has principal"
        for worse in range(bucket + 1, FROM_STATES):
            if not out.get(worse):
                continue
            later = rates[worse]
            if later is None:
                loss = None
                break
            share = ratio(out[worse], total)
            assert share is not None, "an observed bucket has principal"
            loss = CONTEXT.add(loss, CONTEXT.multiply(share, later))
        rates[bucket] = loss
    return rates


def unobserved_needed(flows: dict[int, dict[int, int]], rates: Sequence[Decimal | None],
                      balances_minor: Sequence[int]) -> list[int]:
    """The never-observed buckets whose unknown rate a bucket with a balance depends on."""
    pending = [k for k in range(FROM_STATES) if rates[k] is None and balances_minor[k] > 0]
    seen: set[int] = set()
    missing: set[int] = set()
    while pending:
        bucket = pending.pop()
        if bucket in seen:
            continue
        seen.add(bucket)
        out = flows.get(bucket)
        if not out:
            missing.add(bucket)
            continue
        pending.extend(j for j in range(bucket + 1, FROM_STATES) if out.get(j) and rates[j] is None)
    return sorted(missing)
