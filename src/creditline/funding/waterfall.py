"""The monthly waterfall (priority of payments), vectorised over scenarios.

Each period, for every path at once:

1. Collections. The projection's expected flows become integer minor units here, and only here
   (`collections_at`, rounding half-even): defaults, prepayments and the closing balance are rounded
   as shares of the pool's integer balance and scheduled principal is what remains, so the pool
   balance identity holds exactly. Recoveries are `recovery_rate` of the integer defaults of
   `recovery_lag_months` earlier, rounded half-up.
2. Triggers are tested on this period's figures; a breached trigger switches pro-rata principal to
   sequential or ends the revolving period (early amortisation).
3. Available funds = interest + scheduled principal + prepayments + recoveries (+ clean-up call).
   The reserve account covers any shortfall of fees and rated interest.
4. Fees in order (servicing first), then interest senior to junior, shortfalls carried forward.
5. The reserve releases any excess over its target, then is topped up to it.
6. Principal: the principal due is what brings the tranches down to the pool balance (so excess
   spread also covers defaults). During the revolving period it buys new loans instead; otherwise it
   is paid sequentially or pro rata. Whatever cannot be paid writes the tranches down, junior first.
7. Once the rated tranches are repaid the reserve is released; what is left is the residual, paid
   to the subordinated holder.

Every period: collections = fees + interest + principal + purchases + reserve change + residual,
to the minor unit, and the tranche balances add up to the pool balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from creditline.funding.accrual import period_fraction, scale_minor
from creditline.funding.projection import PoolFlows
from creditline.funding.structure import Structure, TriggerAction, TriggerMetric
from creditline.money import Rounding

COLLECTIONS_ROUNDING = Rounding.HALF_EVEN  # np.rint: the one point where expected flows become money
ACCRUAL_ROUNDING = Rounding.HALF_UP
MONTHS_IN_YEAR = 12


@dataclass(frozen=True, slots=True, eq=False)
class Cohorts:
    """Loans bought during the revolving period: per unit of purchase, the scheduled balance and
    interest by age in months; they default and prepay at the pool's rates of each month."""

    balance_factor: np.ndarray  # (T+1,)
    interest_factor: np.ndarray  # (T+1,)
    months: int


@dataclass(frozen=True, slots=True, eq=False)
class WaterfallResult:
    """Per-period amounts in minor units, shape (paths, [items,] periods+1); index 0 is closing."""

    dates: tuple[date, ...]
    pool_balance: np.ndarray
    interest_collected: np.ndarray
    scheduled_collected: np.ndarray
    prepaid_collected: np.ndarray
    recoveries: np.ndarray
    call_proceeds: np.ndarray
    defaults: np.ndarray
    purchases: np.ndarray
    fees_due: np.ndarray  # (P, F, T+1)
    fees_paid: np.ndarray
    tranche_balance: np.ndarray  # (P, K, T+1)
    interest_due: np.ndarray
    interest_paid: np.ndarray
    interest_shortfall: np.ndarray
    principal_paid: np.ndarray
    writedown: np.ndarray
    reserve_balance: np.ndarray
    reserve_change: np.ndarray
    residual: np.ndarray
    sequential: np.ndarray  # bool: principal paid sequentially this period
    revolving: np.ndarray  # bool: collections bought loans this period
    metrics: dict[str, np.ndarray]  # trigger metrics, float

    @property
    def collections(self) -> np.ndarray:
        return (
            self.interest_collected
            + self.scheduled_collected
            + self.prepaid_collected
            + self.recoveries
            + self.call_proceeds
        )

    @property
    def periods(self) -> int:
        return self.pool_balance.shape[1] - 1


@dataclass(slots=True, eq=False)
class _State:
    record: dict[str, np.ndarray]
    pool: np.ndarray
    tranche: np.ndarray
    interest_short: np.ndarray
    fee_short: np.ndarray
    reserve: np.ndarray
    breached: np.ndarray  # (P, triggers)
    amortising: np.ndarray
    called: np.ndarray
    cum_defaults: np.ndarray
    cum_recoveries: np.ndarray
    cum_purchases: np.ndarray
    cohort_amount: np.ndarray  # (P, R) purchases, minor units
    cohort_survival: np.ndarray  # (P, R) float
    ended: np.ndarray  # the pool has run off (or was called) and the tranches were settled
    last_default: np.ndarray  # last period with defaults, for pending recoveries
    recovery_lag: int
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def run_waterfall(
    structure: Structure,
    flows: PoolFlows,
    recovery_rate: Decimal,
    recovery_lag_months: int,
    cohorts: Cohorts | None = None,
    *,
    recoveries_minor: np.ndarray | None = None,
    recoveries_pending: np.ndarray | None = None,
) -> WaterfallResult:
    """Run the priority of payments for every path of `flows`, month by month.

    `recoveries_minor` (paths x T+1), when given, are each period's actual recoveries — a deal fed from
    the platform's books (`app.trust_waterfall`) — in place of `recovery_rate` of lagged defaults.
    `recoveries_pending` (paths x T+1, bool), when given, says after which periods defaulted loans
    still have principal to recover: the deal does not end then, though its performing pool has run off."""
    horizon = flows.horizon_months
    state = _open(structure, flows, cohorts, recovery_rate, recovery_lag_months)
    if recoveries_pending is not None:
        state.extra["recoveries_pending"] = np.asarray(recoveries_pending, dtype=bool)
    dates = tuple(structure.payment_date(t) for t in range(horizon + 1))
    rates = _accrual_factors(structure, dates)
    for t in range(1, horizon + 1):
        collected = collections_at(state, flows, cohorts, t)
        collected["recoveries"] = (
            _recoveries(state, Fraction(recovery_rate), recovery_lag_months, t, collected)
            if recoveries_minor is None
            else np.asarray(recoveries_minor[:, t], dtype=np.int64).copy()
        )
        _period(state, structure, flows, collected, rates, t)
    return _result(state, dates, structure)


def _open(
    structure: Structure,
    flows: PoolFlows,
    cohorts: Cohorts | None,
    recovery_rate: Decimal,
    recovery_lag_months: int,
) -> _State:
    paths, horizon = flows.paths, flows.horizon_months
    tranches, fees = len(structure.tranches), len(structure.fees)
    revolving_months = cohorts.months if cohorts is not None else 0
    # period-major while running (each period writes contiguous rows); the result moves it last
    record = {name: np.zeros((horizon + 1, paths), dtype=np.int64) for name in _PERIOD_ITEMS}
    record |= {name: np.zeros((horizon + 1, paths, tranches), dtype=np.int64) for name in _TRANCHE_ITEMS}
    record |= {
        name: np.zeros((horizon + 1, paths, fees), dtype=np.int64) for name in ("fees_due", "fees_paid")
    }
    record |= {name: np.zeros((horizon + 1, paths), dtype=bool) for name in ("sequential", "revolving")}
    record |= {name: np.zeros((horizon + 1, paths)) for name in _METRICS}
    balances = np.array([t.balance_minor for t in structure.tranches], dtype=np.int64)
    state = _State(
        record=record,
        pool=np.full(paths, structure.pool_balance_minor, dtype=np.int64),
        tranche=np.tile(balances, (paths, 1)),
        interest_short=np.zeros((paths, tranches), dtype=np.int64),
        fee_short=np.zeros((paths, fees), dtype=np.int64),
        reserve=np.full(paths, structure.reserve.initial_minor, dtype=np.int64),
        breached=np.zeros((paths, len(structure.triggers)), dtype=bool),
        amortising=np.zeros(paths, dtype=bool),
        called=np.zeros(paths, dtype=bool),
        cum_defaults=np.zeros(paths, dtype=np.int64),
        cum_recoveries=np.zeros(paths, dtype=np.int64),
        cum_purchases=np.zeros(paths, dtype=np.int64),
        cohort_amount=np.zeros((paths, revolving_months), dtype=np.int64),
        cohort_survival=np.ones((paths, revolving_months)),
        ended=np.zeros(paths, dtype=bool),
        last_default=np.zeros(paths, dtype=np.int64),
        recovery_lag=recovery_lag_months if recovery_rate > 0 else 0,
    )
    state.extra["fixed_fees"] = np.array([f.fixed_minor for f in structure.fees], dtype=np.int64)
    record["pool_balance"][0] = state.pool
    record["tranche_balance"][0] = state.tranche
    record["reserve_balance"][0] = state.reserve
    return state


_PERIOD_ITEMS = (
    "pool_balance", "interest_collected", "scheduled_collected", "prepaid_collected", "recoveries",
    "call_proceeds", "defaults", "purchases", "reserve_balance", "reserve_change", "residual",
)  # fmt: skip
_TRANCHE_ITEMS = (
    "tranche_balance", "interest_due", "interest_paid", "interest_shortfall", "principal_paid", "writedown",
)  # fmt: skip
_METRICS = tuple(m.value for m in TriggerMetric)


def _accrual_factors(structure: Structure, dates: tuple[date, ...]) -> dict[str, list[list[Fraction]]]:
    """Rate x year fraction per period, exact: per fee (deal day count) and per tranche (its own)."""
    deal = [period_fraction(dates[t - 1], dates[t], structure.day_count) for t in range(1, len(dates))]
    fees = [[Fraction(f.annual_rate) * yf for yf in deal] for f in structure.fees]
    tranches = [
        [
            Fraction(tr.coupon_rate) * period_fraction(dates[t - 1], dates[t], tr.day_count)
            for t in range(1, len(dates))
        ]
        for tr in structure.tranches
    ]
    return {"fees": fees, "tranches": tranches}


def collections_at(state: _State, flows: PoolFlows, cohorts: Cohorts | None, t: int) -> dict[str, np.ndarray]:
    """The rounding point: this period's expected flows as integer minor units of the pool balance."""
    expected = {
        "opening": flows.balance[:, t - 1].copy(),
        "defaults": flows.defaults[:, t].copy(),
        "interest": flows.interest[:, t].copy(),
        "prepaid": flows.prepaid[:, t].copy(),
        "closing": flows.balance[:, t].copy(),
    }
    if cohorts is not None and cohorts.months:
        for name, values in _cohort_flows(state, flows, cohorts, t).items():
            expected[name] += values
    opening = state.pool
    with np.errstate(invalid="ignore", divide="ignore"):
        share = {
            k: np.where(expected["opening"] > 0, v / expected["opening"], 0.0) for k, v in expected.items()
        }
    rounded = {
        k: np.rint(opening * share[k]).astype(np.int64)
        for k in ("defaults", "interest", "prepaid", "closing")
    }
    defaults, prepaid, closing = _settle(opening, rounded["defaults"], rounded["prepaid"], rounded["closing"])
    return {
        "interest": rounded["interest"],
        "defaults": defaults,
        "prepaid": prepaid,
        "scheduled": opening - defaults - prepaid - closing,
        "closing": closing,
    }


def _settle(opening: np.ndarray, defaults: np.ndarray, prepaid: np.ndarray, closing: np.ndarray):
    """Rounding can make the parts exceed the opening balance by a unit or two (when scheduled
    principal is nil); take the excess back from the closing balance, then prepayments, then defaults."""
    parts = [closing.copy(), prepaid.copy(), defaults.copy()]
    excess = np.maximum(parts[0] + parts[1] + parts[2] - opening, 0)
    for part in parts:
        taken = np.minimum(excess, part)
        part -= taken
        excess -= taken
    assert not excess.any(), "rounded pool flows exceed the opening balance"
    closing, prepaid, defaults = parts
    return defaults, prepaid, closing


def _cohort_flows(state: _State, flows: PoolFlows, cohorts: Cohorts, t: int) -> dict[str, np.ndarray]:
    horizon = flows.horizon_months
    ages = t - 2 - np.arange(cohorts.months)  # cohort k (0-based) was bought at the end of period k+1
    active = ages >= 0
    age = np.clip(ages, 0, horizon)
    start_factor = cohorts.balance_factor[age]
    next_factor = cohorts.balance_factor[np.minimum(age + 1, horizon)]
    mdr = flows.default_rate[:, t][:, None]
    smm = flows.prepayment_rate[:, t][:, None]
    units = state.cohort_amount * state.cohort_survival * active
    surviving = units * (1.0 - mdr)
    state.cohort_survival = np.where(
        active, state.cohort_survival * (1.0 - mdr) * (1.0 - smm), state.cohort_survival
    )
    return {
        "opening": (units * start_factor).sum(axis=1),
        "defaults": (units * start_factor * mdr).sum(axis=1),
        "interest": (surviving * cohorts.interest_factor[age]).sum(axis=1),
        "prepaid": (surviving * next_factor * smm).sum(axis=1),
        "closing": (surviving * next_factor * (1.0 - smm)).sum(axis=1),
    }


def _recoveries(
    state: _State, recovery_rate: Fraction, lag: int, t: int, collected: dict[str, np.ndarray]
) -> np.ndarray:
    """Recoveries on the defaults of `lag` periods ago; after a clean-up call they go to the buyer."""
    source = t - lag
    if source < 1 or recovery_rate == 0:
        return np.zeros_like(state.pool)
    defaults = collected["defaults"] if lag == 0 else state.record["defaults"][source]
    return np.where(state.called, 0, scale_minor(defaults, recovery_rate, ACCRUAL_ROUNDING))


def _period(
    state: _State,
    structure: Structure,
    flows: PoolFlows,
    collected: dict[str, np.ndarray],
    rates: dict[str, list[list[Fraction]]],
    t: int,
) -> None:
    pool_start, tranche_start = state.pool.copy(), state.tranche.copy()
    metrics = _metrics(state, flows, collected, t)
    sequential, revolving_now = _triggers(state, structure, metrics, t)
    call = _clean_up_call(state, structure, collected["closing"], revolving_now)
    call_proceeds = np.where(call, collected["closing"], 0)
    pool_end = collected["closing"] - call_proceeds
    run_off = (pool_end == 0) & ~_recoveries_pending(state, collected, t) & ~revolving_now
    ending = ~state.ended & (call | run_off)
    available = (
        collected["interest"]
        + collected["scheduled"]
        + collected["prepaid"]
        + collected["recoveries"]
        + call_proceeds
    )
    paid, available = _senior_items(state, structure, rates, pool_start, tranche_start, available, t)
    available = _reserve_step(state, structure, tranche_start, ending, available)
    # pro rata only while the pool covers the tranches: an uncured deficiency pays sequentially; so
    # does the last period, whose unpaid balances are written down, so that the juniors bear them
    sequential = sequential | (tranche_start.sum(axis=1) > pool_start) | ending
    principal_due = tranche_start.sum(axis=1) - pool_end
    assert (principal_due >= 0).all(), "the tranches never fall below the pool balance"
    purchases = np.where(revolving_now, np.minimum(available, principal_due), 0)
    to_pay = np.where(revolving_now, 0, np.minimum(available - purchases, principal_due))
    principal = allocate_principal(to_pay, tranche_start, sequential)
    available = available - purchases - to_pay
    writedown = np.where(ending[:, None], tranche_start - principal, 0)
    state.tranche = tranche_start - principal - writedown
    state.pool = pool_end + purchases
    assert (state.tranche.sum(axis=1) >= state.pool).all(), "the tranches are never below the pool"
    available = _release_when_repaid(state, structure, available)
    _buy_cohort(state, purchases, t)
    state.called |= call
    state.ended |= ending
    state.cum_purchases += purchases
    period = {
        "pool_balance": state.pool, "interest_collected": collected["interest"],
        "scheduled_collected": collected["scheduled"], "prepaid_collected": collected["prepaid"],
        "recoveries": collected["recoveries"], "call_proceeds": call_proceeds, "defaults": collected["defaults"],
        "purchases": purchases, "reserve_balance": state.reserve, "residual": available,
        "sequential": sequential, "revolving": revolving_now,
    }  # fmt: skip
    per_tranche = {
        "tranche_balance": state.tranche,
        "principal_paid": principal,
        "writedown": writedown,
        **paid,
    }
    _write(state.record, t, period, per_tranche)


def _write(record: dict[str, np.ndarray], t: int, period: dict, per_item: dict) -> None:
    for name, values in period.items():
        record[name][t] = values
    for name, values in per_item.items():
        record[name][t] = values
    record["reserve_change"][t] = record["reserve_balance"][t] - record["reserve_balance"][t - 1]


def _recoveries_pending(state: _State, collected: dict[str, np.ndarray], t: int) -> np.ndarray:
    """Whether defaults of recent periods still have recoveries to come (keeps the deal open)."""
    state.last_default = np.where(collected["defaults"] > 0, t, state.last_default)
    pending = (state.recovery_lag > 0) & (state.last_default + state.recovery_lag > t)
    told = state.extra.get("recoveries_pending")
    return pending if told is None else pending | told[:, t]


def _senior_items(
    state: _State,
    structure: Structure,
    rates: dict[str, list[list[Fraction]]],
    pool_start: np.ndarray,
    tranche_start: np.ndarray,
    available: np.ndarray,
    t: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fees, then interest senior first; the reserve covers fees and rated interest."""
    fees_due, interest_due = _amounts_due(state, rates, pool_start, tranche_start, t)
    rated_due = fees_due.sum(axis=1) + interest_due[:, : structure.rated_count].sum(axis=1)
    draw = np.minimum(state.reserve, np.maximum(rated_due - available, 0))
    state.reserve = state.reserve - draw
    fees_paid, available = _pay_in_order(available + draw, fees_due)
    interest_paid, available = _pay_in_order(available, interest_due)
    state.fee_short = fees_due - fees_paid
    state.interest_short = interest_due - interest_paid
    paid = {
        "fees_due": fees_due,
        "fees_paid": fees_paid,
        "interest_due": interest_due,
        "interest_paid": interest_paid,
        "interest_shortfall": state.interest_short,
    }
    return paid, available


def _metrics(
    state: _State, flows: PoolFlows, collected: dict[str, np.ndarray], t: int
) -> dict[str, np.ndarray]:
    state.cum_defaults += collected["defaults"]
    state.cum_recoveries += collected["recoveries"]
    base = np.maximum(state.record["pool_balance"][0] + state.cum_purchases, 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        monthly = np.where(state.pool > 0, collected["defaults"] / np.maximum(state.pool, 1), 0.0)
    metrics = {
        TriggerMetric.CUMULATIVE_DEFAULT_RATE.value: state.cum_defaults / base,
        TriggerMetric.CUMULATIVE_LOSS_RATE.value: (state.cum_defaults - state.cum_recoveries) / base,
        TriggerMetric.DELINQUENCY_RATE.value: flows.delinquency_rate[:, t],
        TriggerMetric.ANNUALISED_DEFAULT_RATE.value: 1.0 - (1.0 - monthly) ** MONTHS_IN_YEAR,
    }
    for name, values in metrics.items():
        state.record[name][t] = values
    return metrics


def _triggers(
    state: _State, structure: Structure, metrics: dict[str, np.ndarray], t: int
) -> tuple[np.ndarray, np.ndarray]:
    """Test every trigger (sticky unless curable); return (sequential, revolving now) per path."""
    for i, trigger in enumerate(structure.triggers):
        breached = metrics[trigger.metric.value] > float(trigger.above)
        state.breached[:, i] = breached if trigger.curable else state.breached[:, i] | breached
    sequential = np.full(state.pool.shape, not structure.pro_rata)
    for i, trigger in enumerate(structure.triggers):
        if TriggerAction.SEQUENTIAL in trigger.actions:
            sequential |= state.breached[:, i]
        if TriggerAction.END_REVOLVING in trigger.actions:
            state.amortising |= state.breached[:, i]
    months = structure.revolving.months if structure.revolving is not None else 0
    revolving_now = (t <= months) & ~state.amortising & ~state.called
    return sequential, revolving_now


def _clean_up_call(
    state: _State, structure: Structure, closing: np.ndarray, revolving_now: np.ndarray
) -> np.ndarray:
    if structure.clean_up_call is None:
        return np.zeros(state.pool.shape, dtype=bool)
    level = scale_minor(
        np.array([structure.pool_balance_minor]), Fraction(structure.clean_up_call), Rounding.DOWN
    )[0]
    return ~state.called & ~revolving_now & (closing <= level) & (state.tranche.sum(axis=1) > 0)


def _amounts_due(
    state: _State,
    rates: dict[str, list[list[Fraction]]],
    pool_start: np.ndarray,
    tranche_start: np.ndarray,
    t: int,
) -> tuple[np.ndarray, np.ndarray]:
    alive = ~state.ended & ((pool_start > 0) | (tranche_start.sum(axis=1) > 0))
    fee_columns = [
        np.where(alive, scale_minor(pool_start, factors[t - 1], ACCRUAL_ROUNDING), 0)
        for factors in rates["fees"]
    ]
    fees_due = np.stack(fee_columns, axis=1) + state.fee_short
    fees_due += np.where(alive[:, None], state.extra["fixed_fees"][None, :], 0)
    interest_columns = [
        scale_minor(tranche_start[:, k], factors[t - 1], ACCRUAL_ROUNDING)
        for k, factors in enumerate(rates["tranches"])
    ]
    return fees_due, np.stack(interest_columns, axis=1) + state.interest_short


def _pay_in_order(available: np.ndarray, due: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pay each column of `due` in turn from `available`; return (paid, what is left)."""
    paid = np.zeros_like(due)
    left = available.copy()
    for column in range(due.shape[1]):
        paid[:, column] = np.minimum(left, due[:, column])
        left -= paid[:, column]
    return paid, left


def _reserve_step(
    state: _State, structure: Structure, tranche_start: np.ndarray, ending: np.ndarray, available: np.ndarray
) -> np.ndarray:
    """Release the excess over the target (all of it when the deal ends), then top up to the target."""
    reserve = structure.reserve
    rated = tranche_start[:, : structure.rated_count].sum(axis=1)
    share = scale_minor(rated, Fraction(reserve.target_share), ACCRUAL_ROUNDING)
    target = np.where(ending, 0, np.minimum(rated, np.maximum(share, reserve.floor_minor)))
    release = np.maximum(state.reserve - target, 0)
    state.reserve = state.reserve - release
    available = available + release
    deposit = np.minimum(available, np.maximum(target - state.reserve, 0))
    state.reserve = state.reserve + deposit
    return available - deposit


def _release_when_repaid(state: _State, structure: Structure, available: np.ndarray) -> np.ndarray:
    repaid = state.tranche[:, : structure.rated_count].sum(axis=1) == 0
    release = np.where(repaid, state.reserve, 0)
    state.reserve = state.reserve - release
    return available + release


def _buy_cohort(state: _State, purchases: np.ndarray, t: int) -> None:
    if t <= state.cohort_amount.shape[1]:
        state.cohort_amount[:, t - 1] = purchases


def allocate_principal(amount: np.ndarray, balances: np.ndarray, sequential: np.ndarray) -> np.ndarray:
    """Split `amount` (<= total balance) over the tranches: senior first, or pro rata by balance.

    Pro rata parts are floored and the few minor units left go senior first, so the parts sum to
    the amount exactly and no tranche receives more than its balance.
    """
    seq = np.zeros_like(balances)
    left = amount.copy()
    for k in range(balances.shape[1]):
        seq[:, k] = np.minimum(left, balances[:, k])
        left -= seq[:, k]
    total = balances.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = np.where(total[:, None] > 0, balances / np.maximum(total, 1)[:, None], 0.0)
    pro = np.minimum(np.floor(amount[:, None] * weights).astype(np.int64), balances)
    pro = np.maximum(pro, 0)
    gap = amount - pro.sum(axis=1)
    for k in range(balances.shape[1]):  # give (or, if over, take back from the junior) the rounding units
        room = balances[:, k] - pro[:, k]
        step = np.minimum(np.maximum(gap, 0), room)
        pro[:, k] += step
        gap -= step
    for k in reversed(range(balances.shape[1])):
        step = np.minimum(np.maximum(-gap, 0), pro[:, k])
        pro[:, k] -= step
        gap += step
    return np.where(sequential[:, None], seq, pro)


def write_down(shortfall: np.ndarray, balances: np.ndarray) -> np.ndarray:
    """Allocate an unpaid principal shortfall to the tranches, most junior first."""
    losses = np.zeros_like(balances)
    left = shortfall.copy()
    for k in reversed(range(balances.shape[1])):
        losses[:, k] = np.minimum(left, balances[:, k])
        left -= losses[:, k]
    assert not left.any(), "a shortfall never exceeds the tranche balances"
    return losses


def _result(state: _State, dates: tuple[date, ...], structure: Structure) -> WaterfallResult:
    record = state.record
    record = {name: np.moveaxis(values, 0, -1) for name, values in state.record.items()}
    metrics = {m: record[m] for m in _METRICS}
    items = {name: record[name] for name in (*_PERIOD_ITEMS, *_TRANCHE_ITEMS, "fees_due", "fees_paid")}
    return WaterfallResult(
        dates=dates, sequential=record["sequential"], revolving=record["revolving"], metrics=metrics, **items
    )
