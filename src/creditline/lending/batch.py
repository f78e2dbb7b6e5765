"""Schedules for many loans at once (numpy, int64 minor units), equal to `build_schedule` loan by loan.

One formula, two speeds: interest is the same exact ratio the per-loan path rounds — balance × rate
numerator ÷ denominator — computed in integers. A rate is a scaled integer (10 decimal places of the
fraction, so 9.4822% is 948_220_000); products that would overflow int64 are divided exactly by
estimating the quotient in float64 and correcting it with the remainder, which int64's wrapping
arithmetic gives exactly. The level installment is estimated in float64; where the estimate sits
too close to a rounding boundary to be sure, that loan's installment comes from the exact per-loan
formula instead.

Covered: equal-installment, equal-principal and interest-only; monthly, weekly and daily
frequencies with any `every`; `period` and `daily` bases; days-in-year 360/364/365/actual (ACT/ACT
ISDA); 30-day months for monthly schedules; annual or daily quoted rates; all rounding modes;
installment multiples; grace on principal; nominal EMI. Not covered (use `build_schedule`): broken
first periods (`first_due`, `due_day_of_month`), `emi_solve=actual`, bullet and flat methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from creditline.lending.errors import OptionInvalid
from creditline.lending.schedule_amortise import level_installment_nominal, round_level
from creditline.lending.schedule_terms import (
    DaysInMonth,
    DaysInYear,
    EmiSolve,
    Frequency,
    InterestBasis,
    Method,
    ScheduleTerms,
    as_enum,
)
from creditline.money import Money, Rate, RateUnit, Rounding

RATE_SCALE = 10**10  # rates are integers in units of 1e-10 (of the fraction, not the percent)
BATCH_LOANS_MAX = 20_000_000
METHODS = (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY)
# Relative error bound of the float64 level installment (pow over at most 360 periods), with margin.
_EMI_RELATIVE_ERROR = 1e-11


@dataclass(frozen=True, slots=True)
class BatchTerms:
    """The options shared by a batch of loans (one product): each loan brings principal, rate and date."""

    installments: int
    currency: str = "CNY"
    rate_unit: RateUnit = RateUnit.ANNUAL
    method: Method = Method.EQUAL_INSTALLMENT
    frequency: Frequency = Frequency.MONTHLY
    every: int = 1
    interest_basis: InterestBasis = InterestBasis.PERIOD
    days_in_year: DaysInYear = DaysInYear.ACTUAL
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    installment_multiple_minor: int | None = None
    grace_principal: int = 0
    rounding: Rounding = Rounding.HALF_UP

    def __post_init__(self) -> None:
        for name, enum in (
            ("rate_unit", RateUnit),
            ("method", Method),
            ("frequency", Frequency),
            ("interest_basis", InterestBasis),
            ("days_in_year", DaysInYear),
            ("days_in_month", DaysInMonth),
            ("rounding", Rounding),
        ):
            object.__setattr__(self, name, as_enum(getattr(self, name), enum, name))

    def loan_terms(self, principal_minor: int, rate_scaled: int, disbursed: np.datetime64) -> ScheduleTerms:
        """The per-loan terms of one loan of the batch (also validates the shared options)."""
        from datetime import date

        rate = Rate(Decimal(rate_scaled) / RATE_SCALE, self.rate_unit)
        return ScheduleTerms(
            principal=Money.of_minor(int(principal_minor), self.currency),
            rate=rate,
            installments=self.installments,
            disbursed=date.fromisoformat(str(disbursed)),
            method=self.method,
            frequency=self.frequency,
            every=self.every,
            interest_basis=self.interest_basis,
            days_in_year=self.days_in_year,
            days_in_month=self.days_in_month,
            emi_solve=EmiSolve.NOMINAL,
            installment_multiple_minor=self.installment_multiple_minor,
            grace_principal=self.grace_principal,
            rounding=self.rounding,
        )


@dataclass(frozen=True, slots=True)
class BatchSchedules:
    """Rows of every loan: arrays shaped (loans, installments), amounts in minor units."""

    due: np.ndarray  # datetime64[D]
    days: np.ndarray  # int64, calendar days of each period
    principal: np.ndarray  # int64
    interest: np.ndarray  # int64
    level: np.ndarray  # int64 per loan: the level installment (or level principal), 0 if none

    def balance_after(self) -> np.ndarray:
        return self.principal.sum(axis=1, keepdims=True) - np.cumsum(self.principal, axis=1)

    def totals(self) -> np.ndarray:
        return self.principal + self.interest


def rate_scaled(rate: Rate) -> int:
    """A rate as the batch's scaled integer; rates finer than 1e-10 cannot be batched exactly."""
    scaled = rate.value * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise OptionInvalid(f"{rate} has more than 10 decimal places of a fraction", field="rate")
    return int(scaled)


def build_batch(
    terms: BatchTerms, principal_minor: np.ndarray, rates_scaled: np.ndarray, disbursed: np.ndarray
) -> BatchSchedules:
    """Schedules of len(principal_minor) loans sharing `terms`; each array has one entry per loan."""
    principal = np.asarray(principal_minor, dtype=np.int64)
    rates = np.asarray(rates_scaled, dtype=np.int64)
    disbursed_days = np.asarray(disbursed, dtype="datetime64[D]")
    _validate(terms, principal, rates, disbursed_days)
    calendar = _Calendar(disbursed_days, terms)
    # Installments run along the first axis while computing (each row contiguous), loans along the second.
    due = _due_days(terms, calendar)
    starts = np.vstack([calendar.disbursed[None, :], due[:-1]])
    days = due - starts
    numerators, denominator = _rate_factors(terms, rates, calendar, starts, due, days)
    level = _level(terms, principal, rates)
    principal_rows, interest_rows = _amortise(terms, principal, numerators, denominator, level)
    return BatchSchedules(
        due=np.ascontiguousarray(due.T).view("datetime64[D]"),
        days=np.ascontiguousarray(days.T),
        principal=np.ascontiguousarray(principal_rows.T),
        interest=np.ascontiguousarray(interest_rows.T),
        level=level,
    )


class _Calendar:
    """Day numbers (days since 1970-01-01) and lookup tables for the months and years a batch spans."""

    def __init__(self, disbursed: np.ndarray, terms: BatchTerms) -> None:
        self.disbursed = disbursed.view(np.int64)
        self.month = disbursed.astype("datetime64[M]").view(np.int64)
        first = int(self.month.min()) if len(self.month) else 0
        horizon = terms.installments * terms.every
        if terms.frequency is Frequency.MONTHLY:
            last = (int(self.month.max()) if len(self.month) else 0) + horizon
        else:
            last_day = (int(self.disbursed.max()) if len(self.disbursed) else 0) + horizon * 7
            last = int(np.int64(last_day).view("datetime64[D]").astype("datetime64[M]").view(np.int64))
        span = last - first + 2
        table = np.arange(first, first + span + 1, dtype=np.int64).view("datetime64[M]")
        self.month_base = first
        self.month_start = table.astype("datetime64[D]").view(np.int64)
        self.month_length = np.diff(self.month_start)
        self.day_base = int(self.month_start[0])
        days = np.arange(self.day_base, int(self.month_start[-1]) + 1, dtype=np.int64).view("datetime64[D]")
        years = days.astype("datetime64[Y]").view(np.int64) + 1970
        leap = ((years % 4 == 0) & ((years % 100 != 0) | (years % 400 == 0))).astype(np.int64)
        self.leap_before = np.concatenate([[0], np.cumsum(leap)])  # leap-year days before each day
        self.year_length = 365 + leap

    def anchor_day(self) -> np.ndarray:
        return self.disbursed - self.month_start[self.month - self.month_base] + 1

    def leap_days(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Days of each [start, end) that fall in leap years."""
        return self.leap_before[ends - self.day_base] - self.leap_before[starts - self.day_base]


def _validate(terms: BatchTerms, principal: np.ndarray, rates: np.ndarray, starts: np.ndarray) -> None:
    if terms.method not in METHODS:
        raise OptionInvalid(f"the batch path covers {', '.join(m.value for m in METHODS)}", field="method")
    if not principal.shape == rates.shape == starts.shape or principal.ndim != 1:
        raise OptionInvalid(
            "principal, rate and disbursement arrays must be 1-D and the same length", field="batch"
        )
    if len(principal) > BATCH_LOANS_MAX:
        raise OptionInvalid(f"at most {BATCH_LOANS_MAX} loans a batch", field="batch")
    if len(principal) and (principal.min() <= 0 or principal.max() > 10**15):
        raise OptionInvalid("every principal must be from 1 to 10^15 minor units", field="principal")
    if len(rates) and (rates.min() < 0 or rates.max() > 10 * RATE_SCALE):
        raise OptionInvalid("every rate must be from 0 to 1000% of its unit", field="rate")
    # The first loan's terms stand for the batch's shared options: this validates them all.
    if len(principal):
        terms.loan_terms(int(principal[0]), int(rates[0]), starts[0])


def _due_days(terms: BatchTerms, calendar: _Calendar) -> np.ndarray:
    """Due dates as day numbers, shaped (installments, loans); months roll on the disbursement's day."""
    steps = np.arange(1, terms.installments + 1, dtype=np.int64)[:, None] * terms.every
    if terms.frequency is Frequency.WEEKLY:
        return calendar.disbursed[None, :] + 7 * steps
    if terms.frequency is Frequency.DAILY:
        return calendar.disbursed[None, :] + steps
    target = calendar.month[None, :] - calendar.month_base + steps
    day = np.minimum(calendar.anchor_day()[None, :], calendar.month_length[target])
    return calendar.month_start[target] + day - 1


def _rate_factors(
    terms: BatchTerms,
    rates: np.ndarray,
    calendar: _Calendar,
    starts: np.ndarray,
    due: np.ndarray,
    days: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Per-period rate numerators, shaped (installments, loans), over one shared denominator."""
    from creditline.lending.schedule_interest import (
        DAYS_IN_YEAR_OF_DAILY_QUOTE,
        MONTHS_IN_YEAR,
        WEEKS_IN_YEAR,
    )

    every = terms.every
    daily_quote = terms.rate_unit is RateUnit.DAILY
    fixed_year = None if terms.days_in_year is DaysInYear.ACTUAL else int(terms.days_in_year.value)
    rate_row = rates[None, :]
    if terms.interest_basis is InterestBasis.PERIOD:
        if daily_quote and terms.frequency is not Frequency.MONTHLY:
            per_step = 7 if terms.frequency is Frequency.WEEKLY else 1
            return np.broadcast_to(rate_row * (per_step * every), days.shape), RATE_SCALE
        year = fixed_year or (DAYS_IN_YEAR_OF_DAILY_QUOTE if daily_quote else 365)
        periods = {Frequency.MONTHLY: MONTHS_IN_YEAR, Frequency.WEEKLY: WEEKS_IN_YEAR, Frequency.DAILY: year}
        scale = year if daily_quote else 1
        return np.broadcast_to(rate_row * (scale * every), days.shape), RATE_SCALE * periods[terms.frequency]
    thirty = terms.days_in_month is DaysInMonth.D30 and terms.frequency is Frequency.MONTHLY
    counted = np.broadcast_to(np.int64(30 * every), days.shape) if thirty else days
    if daily_quote:
        return rate_row * counted, RATE_SCALE
    if fixed_year is not None:
        return rate_row * counted, RATE_SCALE * fixed_year
    if thirty:
        # 30-day months have no calendar days to split: the year the period starts in (365 or 366).
        year_length = calendar.year_length[starts - calendar.day_base]
        return rate_row * counted * (365 * 366 // year_length), RATE_SCALE * 365 * 366
    days_366 = calendar.leap_days(starts, due)
    return rate_row * ((days - days_366) * 366 + days_366 * 365), RATE_SCALE * 365 * 366


def _level(terms: BatchTerms, principal: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """The level installment (equal-installment) or level principal (equal-principal) of each loan."""
    amortising = terms.installments - terms.grace_principal
    if terms.method is Method.EQUAL_PRINCIPAL:
        return _round_div(principal, np.full_like(principal, amortising), terms.rounding)
    if terms.method is not Method.EQUAL_INSTALLMENT:
        return np.zeros_like(principal)
    factor = _nominal_factor(terms)
    periodic = rates.astype(np.float64) / RATE_SCALE * (factor.numerator / factor.denominator)
    growth = -np.expm1(-amortising * np.log1p(periodic))
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = np.where(periodic > 0, principal * periodic / growth, principal / amortising)
    return _settle_level(terms, principal, rates, estimate, factor, amortising)


def _nominal_factor(terms: BatchTerms) -> Fraction:
    """The nominal periodic rate per unit of quoted rate: the per-loan path's own ratio, at a rate of 1%."""
    from creditline.lending.schedule_interest import nominal_rate

    one_percent = terms.loan_terms(100, RATE_SCALE // 100, np.datetime64("2000-01-01"))
    numerator, denominator = nominal_rate(one_percent)
    return Fraction(numerator, denominator) / Fraction(1, 100)


def _settle_level(
    terms: BatchTerms,
    principal: np.ndarray,
    rates: np.ndarray,
    estimate: np.ndarray,
    factor: Fraction,
    amortising: int,
) -> np.ndarray:
    """Round the float estimates; recompute exactly those too close to a rounding boundary to trust."""
    multiple = terms.installment_multiple_minor or 1
    units = estimate / multiple
    margin = units * _EMI_RELATIVE_ERROR + 1e-9
    if terms.rounding in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        boundary_distance = np.abs(units - np.floor(units) - 0.5)
        rounded = np.floor(units + 0.5)
    else:
        boundary_distance = np.minimum(units - np.floor(units), np.ceil(units) - units)
        rounded = np.floor(units) if terms.rounding is Rounding.DOWN else np.ceil(units)
    level = rounded.astype(np.int64) * multiple
    doubtful = (boundary_distance <= margin) | (level <= 0)
    for index in np.flatnonzero(doubtful):
        nominal = Fraction(int(rates[index]), RATE_SCALE) * factor
        exact = level_installment_nominal(
            int(principal[index]), (nominal.numerator, nominal.denominator), amortising
        )
        level[index] = round_level(exact, _rounding_only(terms))
    return level


def _rounding_only(terms: BatchTerms) -> ScheduleTerms:
    return terms.loan_terms(100, 0, np.datetime64("2000-01-01"))


def _amortise(
    terms: BatchTerms, principal: np.ndarray, numerators: np.ndarray, denominator: int, level: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    count, loans = numerators.shape
    principal_rows = np.empty((count, loans), dtype=np.int64)
    interest_rows = np.empty((count, loans), dtype=np.int64)
    balance = principal.copy()
    grace = terms.grace_principal if terms.method is not Method.INTEREST_ONLY else count
    for k in range(count):
        interest = _round_div_wide(balance, numerators[k], denominator, terms.rounding)
        if k == count - 1:
            paid = balance.copy()
        elif k < grace:
            paid = np.zeros_like(balance)
        elif terms.method is Method.EQUAL_INSTALLMENT:
            paid = np.minimum(np.maximum(level - interest, 0), balance)
        else:
            paid = np.minimum(level, balance)
        balance -= paid
        principal_rows[k] = paid
        interest_rows[k] = interest
    return principal_rows, interest_rows


def _round_div(numerator: np.ndarray, denominator: np.ndarray, rounding: Rounding) -> np.ndarray:
    """numerator ÷ denominator rounded (non-negative int64 operands that do not overflow)."""
    quotient, remainder = np.divmod(numerator, denominator)
    return quotient + _round_up(quotient, remainder, denominator, rounding)


def _round_up(quotient: np.ndarray, remainder: np.ndarray, denominator, rounding: Rounding) -> np.ndarray:
    """1 where the remainder rounds the quotient up under `rounding`, else 0."""
    if rounding is Rounding.DOWN:
        return np.zeros_like(quotient)
    if rounding is Rounding.UP:
        return (remainder > 0).astype(np.int64)
    twice = 2 * remainder
    if rounding is Rounding.HALF_UP:
        return (twice >= denominator).astype(np.int64)
    return ((twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))).astype(np.int64)


def _round_div_wide(
    balance: np.ndarray, factor: np.ndarray, denominator: int, rounding: Rounding
) -> np.ndarray:
    """balance × factor ÷ denominator rounded, exact even when the product overflows int64.

    The quotient is estimated in float64 (off by at most one for our magnitudes) and corrected with
    the remainder balance × factor − quotient × denominator, which wrapping int64 arithmetic gives
    exactly because the true remainder is small.
    """
    estimate = np.floor(balance.astype(np.float64) * factor.astype(np.float64) / denominator).astype(np.int64)
    with np.errstate(over="ignore"):
        remainder = balance * factor - estimate * denominator
    for _ in range(2):
        low = remainder < 0
        estimate -= low
        remainder += low * denominator
        high = remainder >= denominator
        estimate += high
        remainder -= high * denominator
    assert not ((remainder < 0) | (remainder >= denominator)).any(), (
        "the quotient estimate was off by more than 2"
    )
    return estimate + _round_up(estimate, remainder, denominator, rounding)
