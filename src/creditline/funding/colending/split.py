"""The exact pro-rata split of a loan's money movements by its funding shares.

What is split are the loan's *cumulative* totals (`LoanTotals`), never a single movement: each
party's part of a movement so far is a largest-remainder split (`Money.allocate`) of the cumulative
figure, and what a day posts is today's split less yesterday's. Rounding therefore never drifts: at
any time every party's part is within a minor unit or two of its exact share of the whole history,
and the parties' parts add up to the whole to the cent, every day.

Each balance component is a chain: one inflow (principal disbursed, interest accrued, ...) and the
outflows that settle it in a fixed order (repaid, waived, written off). The outflows are split as
running sums along the chain — repaid, then repaid + waived, then repaid + waived + written off —
and each outflow's part is the difference of consecutive splits. When a component is settled the
inflow and the sum of its outflows are the same number, so they split the same way and every
party's balance of it is exactly zero: a paid-off loan leaves no stray cent with any partner.

The borrower's own money (overpayments, the credit balance and its refunds) is not split: it is the
platform's liability to the borrower whoever funded the loan.

Two speeds, one rule: `split_totals` (per loan, `Money.allocate`) and `split_batch` (numpy int64 over
many loans) give the same parts, property-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from creditline.funding.colending.shares import SHARE_SCALE
from creditline.money import Currency, Money

# component -> (inflow, outflows in chain order)
CHAINS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("principal", "disbursed", ("principal_repaid", "principal_written_off")),
    ("interest", "interest_accrued", ("interest_repaid", "interest_waived", "interest_written_off")),
    ("penalty", "penalty_accrued", ("penalty_repaid", "penalty_waived", "penalty_written_off")),
    ("fees", "fees_charged", ("fees_repaid", "fees_waived", "fees_written_off")),
)
SPLIT_MOVEMENTS: tuple[str, ...] = tuple(m for _, inflow, outflows in CHAINS for m in (inflow, *outflows))
# |amount| x weight stays inside int64 in the batch path: 9.2e14 minor units is far beyond any loan.
BATCH_MINOR_ABS_MAX = (2**63 - 1) // SHARE_SCALE

Parts = dict[str, int]  # movement -> minor units, one party's cumulative parts


def split_totals(totals: Mapping[str, int], weights: Sequence[int], cur: Currency) -> list[Parts]:
    """Each party's cumulative part of every split movement (party order = `weights` order)."""
    parties = len(weights)
    result: list[Parts] = [{} for _ in range(parties)]
    for _, inflow, outflows in CHAINS:
        for i, part in enumerate(_allocate(totals.get(inflow, 0), weights, cur)):
            result[i][inflow] = part
        running, before = 0, [0] * parties
        for outflow in outflows:
            running += totals.get(outflow, 0)
            upto = _allocate(running, weights, cur)
            for i in range(parties):
                result[i][outflow] = upto[i] - before[i]
            before = upto
    return result


def split_delta(
    after: Mapping[str, int], before: Mapping[str, int], weights: Sequence[int], cur: Currency
) -> list[Parts]:
    """What each party's parts moved between two sets of cumulative totals (today's split less the last)."""
    new, old = split_totals(after, weights, cur), split_totals(before, weights, cur)
    return [{m: n[m] - o[m] for m in SPLIT_MOVEMENTS} for n, o in zip(new, old, strict=True)]


def _allocate(total_minor: int, weights: Sequence[int], cur: Currency) -> list[int]:
    if total_minor == 0:
        return [0] * len(weights)
    return [part.minor for part in Money(total_minor, cur).allocate(list(weights))]


# -- batch: the same rule over many loans at once ------------------------------------------------------


def split_batch(totals: Mapping[str, np.ndarray], weights: np.ndarray) -> dict[str, np.ndarray]:
    """Every party's cumulative parts for many loans: movement -> int64 array (loans x parties).

    `weights` is (loans x parties) basis points, each row summing to `SHARE_SCALE`; a loan with fewer
    parties pads with zero weights at the end (a zero weight never receives a remainder unit).
    """
    weights = np.asarray(weights, dtype=np.int64)
    assert weights.ndim == 2 and (weights.sum(axis=1) == SHARE_SCALE).all(), "each loan's weights make 100%"
    parts: dict[str, np.ndarray] = {}
    for _, inflow, outflows in CHAINS:
        parts[inflow] = allocate_batch(np.asarray(totals[inflow], dtype=np.int64), weights)
        running = np.zeros(weights.shape[0], dtype=np.int64)
        before = np.zeros_like(weights)
        for outflow in outflows:
            running = running + np.asarray(totals[outflow], dtype=np.int64)
            upto = allocate_batch(running, weights)
            parts[outflow] = upto - before
            before = upto
    return parts


def allocate_batch(total_minor: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Largest remainder per row, ties to the earlier party: `Money.allocate`, vectorised."""
    whole = np.abs(total_minor)
    assert (whole <= BATCH_MINOR_ABS_MAX).all(), "amount beyond the batch split's exact range"
    numerator = whole[:, None] * weights
    floors, remainders = np.divmod(numerator, SHARE_SCALE)
    leftover = whole - floors.sum(axis=1)
    parties = weights.shape[1]
    # rank each party by (largest remainder first, then earlier party): a stable sort of -remainder
    order = np.argsort(-remainders, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(parties)[None, :].repeat(len(whole), axis=0), axis=1)
    floors += rank < leftover[:, None]
    return np.sign(total_minor)[:, None] * floors
