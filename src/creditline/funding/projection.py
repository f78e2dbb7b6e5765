"""Pool cash-flow projection: expected defaults, interest, scheduled principal and prepayments.

Loans are gathered into groups that share a default hazard (the whole pool under a CDR, each PD
value or grade under a PD model). For each group only two scheduled aggregates matter — the sum of
scheduled balances and of scheduled interest at each month — because default and prepayment act on
every loan of a group in the same proportion:

    survival S(t) = S(t-1) x (1 - MDR(t)) x (1 - SMM(t))
    defaults(t)   = scheduled_balance(t-1) x S(t-1) x MDR(t)
    interest(t)   = scheduled_interest(t-1) x S(t-1) x (1 - MDR(t))
    scheduled(t)  = (scheduled_balance(t-1) - scheduled_balance(t)) x S(t-1) x (1 - MDR(t))
    prepaid(t)    = scheduled_balance(t) x S(t-1) x (1 - MDR(t)) x SMM(t)

All arrays carry a leading path axis, so one call projects a single scenario, a grid of CDRs for a
break-even search, or ten thousand Monte Carlo scenarios. The results are float expectations; the
waterfall turns them into integer minor units at one named point (`waterfall.collections_at`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditline.funding.amortisation import MONTHS_IN_YEAR, amortisation_codes, scheduled_balance_factors
from creditline.funding.tape import LoanTape

PIPELINE_MONTHS = 2  # loans that default in the next two months are 30+ days past due today


@dataclass(frozen=True, slots=True, eq=False)
class PoolGroups:
    """Scheduled aggregates of a pool in groups of loans that share a default hazard."""

    labels: tuple[str, ...]
    balance: np.ndarray  # (G, T+1): sum of scheduled balances at month a, minor units
    interest: np.ndarray  # (G, T+1): interest the scheduled balance at month a earns in month a+1
    loans: np.ndarray  # (G,): loans in the group
    pd_annual: np.ndarray  # (G,): balance-weighted 12-month PD (NaN where unknown)

    @property
    def horizon_months(self) -> int:
        return self.balance.shape[1] - 1


@dataclass(frozen=True, slots=True, eq=False)
class PoolFlows:
    """Expected pool cash flows per path and month (index 0 is the cut-off; flows start at 1)."""

    balance: np.ndarray  # (P, T+1) performing balance at the end of the month
    defaults: np.ndarray  # (P, T+1)
    interest: np.ndarray  # (P, T+1)
    scheduled: np.ndarray  # (P, T+1)
    prepaid: np.ndarray  # (P, T+1)
    delinquency_rate: np.ndarray  # (P, T+1) 30+ days past due over the performing balance
    default_rate: np.ndarray  # (P, T+1) monthly default rate (MDR) of the performing balance
    prepayment_rate: np.ndarray  # (P, T+1) SMM

    @property
    def paths(self) -> int:
        return self.balance.shape[0]

    @property
    def horizon_months(self) -> int:
        return self.balance.shape[1] - 1


def group_pool(
    tape: LoanTape, group_codes: np.ndarray, labels: tuple[str, ...], horizon_months: int
) -> PoolGroups:
    """Scheduled balance and interest per group; `group_codes[i]` is loan i's group (0..G-1).

    Loans with the same group, rate, remaining term and amortisation share one schedule, so the
    schedules are computed once per such combination (a tape priced from a grid has few of them).
    """
    groups = len(labels)
    codes = amortisation_codes(tape.amortisation)
    combo, first = _combinations(group_codes, tape.annual_rate, tape.remaining_term_months, codes)
    principal = tape.outstanding_principal_minor.astype(np.float64)
    combo_principal = np.bincount(combo, weights=principal, minlength=first.size)
    rate = tape.annual_rate[first]
    factors = scheduled_balance_factors(rate, tape.remaining_term_months[first], codes[first], horizon_months)
    balances = factors * combo_principal[:, None]
    interest = balances * (rate / MONTHS_IN_YEAR)[:, None]
    combo_group = group_codes[first]
    totals = (_sum_by_group(balances, combo_group, groups), _sum_by_group(interest, combo_group, groups))
    loans = np.bincount(group_codes, minlength=groups)
    known = ~np.isnan(tape.pd_annual)
    pd = np.where(known, tape.pd_annual, 0.0)
    weighted = np.bincount(group_codes, weights=pd * principal * known, minlength=groups)
    weight = np.bincount(group_codes, weights=principal * known, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        pd_annual = np.where(weight > 0, weighted / weight, np.nan)
    return PoolGroups(labels, totals[0], totals[1], loans, pd_annual)


def _combinations(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each loan's combination of column values, one loan per combination)."""
    order = np.lexsort(columns[::-1])
    changed = np.zeros(order.size, dtype=bool)
    changed[:1] = True
    for column in columns:
        ordered = column[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    combo_sorted = np.cumsum(changed) - 1
    combo = np.empty(order.size, dtype=np.int64)
    combo[order] = combo_sorted
    return combo, order[changed]


def _sum_by_group(values: np.ndarray, codes: np.ndarray, groups: int) -> np.ndarray:
    if groups == 1:
        return values.sum(axis=0, keepdims=True)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sums = np.add.reduceat(values[order], starts, axis=0)
    out = np.zeros((groups, values.shape[1]))
    out[sorted_codes[starts]] = sums
    return out


def project(groups: PoolGroups, default_rate: np.ndarray, prepayment_rate: np.ndarray) -> PoolFlows:
    """Expected flows for every path.

    `default_rate` is the monthly default rate, shape (P or 1, G or 1, T+1); `prepayment_rate` the
    single monthly mortality, shape (P or 1, T+1). Index 0 of the month axis is ignored.
    """
    horizon = groups.horizon_months
    mdr = np.asarray(default_rate, dtype=np.float64)
    smm = np.asarray(prepayment_rate, dtype=np.float64)
    assert mdr.ndim == 3 and mdr.shape[-1] == horizon + 1, "default_rate is (paths, groups, months+1)"
    assert smm.ndim == 2 and smm.shape[-1] == horizon + 1, "prepayment_rate is (paths, months+1)"
    paths = max(mdr.shape[0], smm.shape[0])
    keep = (1.0 - mdr[..., 1:]) * (1.0 - smm[:, None, 1:])
    survival = np.concatenate([np.ones((*keep.shape[:2], 1)), np.cumprod(keep, axis=-1)], axis=-1)
    survival = np.broadcast_to(survival, (paths, groups.balance.shape[0], horizon + 1))
    lagged = survival[..., :-1]
    alive = lagged * (1.0 - mdr[..., 1:])
    bal = groups.balance
    flows = {
        "defaults": np.einsum("pgt,gt->pt", lagged * mdr[..., 1:], bal[:, :-1]),
        "interest": np.einsum("pgt,gt->pt", alive, groups.interest[:, :-1]),
        "scheduled": np.einsum("pgt,gt->pt", alive, bal[:, :-1] - bal[:, 1:]),
        "prepaid": np.einsum("pgt,gt->pt", alive * smm[:, None, 1:], bal[:, 1:]),
    }
    balance = np.einsum("pgt,gt->pt", survival, bal)
    padded = {name: np.concatenate([np.zeros((paths, 1)), values], axis=1) for name, values in flows.items()}
    return PoolFlows(
        balance=balance,
        defaults=padded["defaults"],
        interest=padded["interest"],
        scheduled=padded["scheduled"],
        prepaid=padded["prepaid"],
        delinquency_rate=pipeline_delinquency(balance, padded["defaults"]),
        default_rate=pool_default_rate(balance, padded["defaults"]),
        prepayment_rate=np.broadcast_to(smm, (paths, horizon + 1)).copy(),
    )


def sum_flows(parts: list[PoolFlows]) -> PoolFlows:
    """The flows of disjoint groups of one pool added up (the same paths and prepayment rates)."""
    if len(parts) == 1:
        return parts[0]
    balance, defaults = sum(p.balance for p in parts), sum(p.defaults for p in parts)
    return PoolFlows(
        balance=balance,
        defaults=defaults,
        interest=sum(p.interest for p in parts),
        scheduled=sum(p.scheduled for p in parts),
        prepaid=sum(p.prepaid for p in parts),
        delinquency_rate=pipeline_delinquency(balance, defaults),
        default_rate=pool_default_rate(balance, defaults),
        prepayment_rate=parts[0].prepayment_rate,
    )


def pipeline_delinquency(balance: np.ndarray, defaults: np.ndarray) -> np.ndarray:
    """30+ delinquency as the pipeline of defaults: a loan that defaults (90 days past due) in the
    next two months is 30-89 days past due now. Its payments are still counted until it defaults."""
    ahead = np.zeros_like(defaults)
    for step in range(1, PIPELINE_MONTHS + 1):
        ahead[:, :-step] += defaults[:, step:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(balance > 0, ahead / balance, 0.0)


def pool_default_rate(balance: np.ndarray, defaults: np.ndarray) -> np.ndarray:
    """MDR of the pool per month, carried forward once the pool has run off (for replenished loans)."""
    rate = np.zeros_like(defaults)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate[:, 1:] = np.where(balance[:, :-1] > 0, defaults[:, 1:] / balance[:, :-1], np.nan)
    rate[:, 0] = 0.0
    # forward fill: where the pool has run off, the last known rate holds
    index = np.where(np.isnan(rate), 0, np.arange(rate.shape[1])[None, :])
    np.maximum.accumulate(index, axis=1, out=index)
    filled = np.take_along_axis(rate, index, axis=1)
    return np.nan_to_num(filled, nan=0.0)
