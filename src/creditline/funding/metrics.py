"""Tranche metrics from a waterfall run: totals, weighted average life, yield, losses, break-even.

Amounts stay integer minor units; WAL and yield are analytics (floats), not money.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from creditline.funding.structure import Structure
from creditline.funding.waterfall import WaterfallResult

DAYS_IN_YEAR = 365.0  # WAL in ACT/365F years from closing
BREAK_EVEN_POINTS = 33  # CDRs tried per round of the break-even search
BREAK_EVEN_ROUNDS = 3  # each round narrows the bracket 32-fold: 1/32^3 ~ 0.003% CDR resolution


@dataclass(frozen=True, slots=True)
class TrancheMetrics:
    name: str
    original_minor: int
    interest_paid_minor: int
    principal_paid_minor: int
    residual_minor: int  # the subordinated tranche's share of the excess (zero for the others)
    writedown_minor: int
    interest_shortfall_minor: int  # unpaid interest still owed at the end of the run
    balance_end_minor: int  # still outstanding at the end of the run (pool not run off)
    wal_years: float | None
    yield_annual: float | None  # IRR of the investor's cash flows at the tranche's price
    first_principal_date: date | None
    last_principal_date: date | None

    @property
    def loss_rate(self) -> float:
        """Principal written down plus interest never paid, over the original balance."""
        if self.original_minor == 0:
            return 0.0
        return (self.writedown_minor + self.interest_shortfall_minor) / self.original_minor


def tranche_metrics(result: WaterfallResult, structure: Structure, path: int = 0) -> list[TrancheMetrics]:
    """Per-tranche totals and analytics for one path of a run.

    A tranche still outstanding when the run ends (a horizon shorter than the deal) has no WAL or
    yield: both need its whole life, and over the months run they would count what it is still owed
    as never paid (a yield of -100%)."""
    out = []
    last = len(structure.tranches) - 1
    for k, tranche in enumerate(structure.tranches):
        principal = result.principal_paid[path, k]
        interest = result.interest_paid[path, k]
        residual = result.residual[path] if k == last else np.zeros_like(principal)
        paid_dates = [result.dates[t] for t in np.flatnonzero(principal)]
        cash = (interest + principal + residual).astype(np.int64)
        outstanding = int(result.tranche_balance[path, k, -1])
        out.append(
            TrancheMetrics(
                name=tranche.name,
                original_minor=tranche.balance_minor,
                interest_paid_minor=int(interest.sum()),
                principal_paid_minor=int(principal.sum()),
                residual_minor=int(residual.sum()),
                writedown_minor=int(result.writedown[path, k].sum()),
                interest_shortfall_minor=int(result.interest_shortfall[path, k, -1]),
                balance_end_minor=outstanding,
                wal_years=None if outstanding else weighted_average_life(principal, result.dates),
                yield_annual=None
                if outstanding
                else investor_yield(cash, result.dates, tranche.balance_minor, float(tranche.price)),
                first_principal_date=paid_dates[0] if paid_dates else None,
                last_principal_date=paid_dates[-1] if paid_dates else None,
            )
        )
    return out


def weighted_average_life(principal_minor: np.ndarray, dates: tuple[date, ...]) -> float | None:
    """Sum of principal x years from closing over total principal (ACT/365F years)."""
    total = float(principal_minor.sum())
    if total <= 0:
        return None
    years = np.array([(d - dates[0]).days / DAYS_IN_YEAR for d in dates])
    return float((principal_minor * years).sum() / total)


def investor_yield(
    cash_minor: np.ndarray, dates: tuple[date, ...], original_minor: int, price: float
) -> float | None:
    """Annual IRR (XIRR, ACT/365) of paying `price` x original at closing and receiving `cash`."""
    if original_minor <= 0 or not cash_minor.any():
        return None
    from pyxirr import InvalidPaymentsError, xirr

    amounts = [-price * original_minor / 100.0] + [c / 100.0 for c in cash_minor[1:].tolist()]
    try:
        value = xirr(list(dates), amounts)
    except InvalidPaymentsError:
        return None
    return None if value is None or not np.isfinite(value) else float(value)


def tranche_losses(result: WaterfallResult, structure: Structure) -> np.ndarray:
    """(paths, tranches) loss rate: writedowns plus interest still owed, over the original balance."""
    original = np.array([max(t.balance_minor, 1) for t in structure.tranches], dtype=np.float64)
    lost = result.writedown.sum(axis=2) + result.interest_shortfall[:, :, -1]
    return lost / original[None, :]


def break_even(losses_at: Callable[[np.ndarray], np.ndarray], tranches: int) -> list[float | None]:
    """The smallest CDR at which each tranche loses money (its first-loss point); None if none does.

    `losses_at(cdrs)` runs one path per CDR and returns (len(cdrs), tranches) loss amounts. Each
    round evaluates a grid inside every tranche's bracket [no loss, loss] and narrows it.
    """
    low = np.zeros(tranches)
    high = np.ones(tranches)
    top = losses_at(np.array([1.0]))[0] > 0
    for _ in range(BREAK_EVEN_ROUNDS):
        grids = np.linspace(low, high, BREAK_EVEN_POINTS)  # (points, tranches)
        losses = losses_at(grids.T.reshape(-1)).reshape(tranches, BREAK_EVEN_POINTS, tranches)
        for k in range(tranches):
            hit = np.flatnonzero(losses[k, :, k] > 0)
            if hit.size == 0:
                low[k] = grids[-1, k]
                continue
            first = int(hit[0])
            high[k] = grids[first, k]
            low[k] = grids[max(first - 1, 0), k] if first else grids[0, k]
    return [float(high[k]) if top[k] else None for k in range(tranches)]
