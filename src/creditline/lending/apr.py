"""Annualised rates of a cash flow: the IRR-based rate Chinese lenders display and the Reg Z APR.

(a) PBOC Announcement [2021] No. 3: the annualised rate is the internal rate of return per unit period
    times the unit periods in a year; the effective annual rate (1 + i)^n − 1 is reported beside it.
(b) Regulation Z Appendix J, actuarial method: the unit-period rate i solves
    A = Σ Pₖ / ((1 + fₖ·i)(1 + i)^tₖ), with tₖ whole unit periods and fₖ the odd fraction of one
    (simple interest over the fraction); the APR is i times the unit periods in a year. An APR is
    accurate within 1/8 percentage point (1/4 for irregular transactions), 12 CFR 1026.22(a)(2)-(3).

Both count time the same way (see `apr_periods`); they differ in how the odd fraction compounds.
Rates are ratios, not money: the root is found in binary floating point and reported as Decimal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from creditline.lending.apr_periods import UnitPeriod, infer_unit_period, time_in_periods
from creditline.lending.errors import AprNotFound, CashFlowInvalid
from creditline.money import Money

PAYMENTS_MAX = 10_000
TOLERANCE_REGULAR_PCT = Decimal("0.125")
TOLERANCE_IRREGULAR_PCT = Decimal("0.25")
_RATE_MAX = 100.0  # a unit-period rate of 10000% is no loan; the search stops there
_ITERATIONS_MAX = 200


class AprMethod(StrEnum):
    REG_Z = "reg-z"
    IRR = "irr"


@dataclass(frozen=True, slots=True)
class Payment:
    on: date
    amount: Money


@dataclass(frozen=True, slots=True)
class Apr:
    method: AprMethod
    unit_period: UnitPeriod
    periods_per_year: Fraction
    periodic_rate: Decimal  # per unit period, as a fraction
    apr_pct: Decimal  # annual percentage, unrounded (to 10 places)
    effective_annual_pct: Decimal
    regular: bool  # equal payments and periods, but for an odd first period or odd first/last payment

    @property
    def apr_pct_display(self) -> Decimal:
        """The APR to two decimals, as disclosed."""
        return self.apr_pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def tolerance_pct(self) -> Decimal:
        return TOLERANCE_REGULAR_PCT if self.regular else TOLERANCE_IRREGULAR_PCT

    def within_tolerance(self, disclosed_pct: Decimal) -> bool:
        """Whether a disclosed APR is accurate: within 1/8 point (1/4 if irregular) of this one."""
        # Compared, not subtracted: a disclosed figure of any size (1e999999999) is simply not within it.
        return self.apr_pct - self.tolerance_pct <= Decimal(disclosed_pct) <= self.apr_pct + self.tolerance_pct


def annual_rate(
    advance: Payment,
    payments: Sequence[Payment],
    method: AprMethod | str = AprMethod.REG_Z,
    unit_period: UnitPeriod | None = None,
) -> Apr:
    """The annualised rate of one advance repaid by `payments` (dated, positive amounts)."""
    method = AprMethod(method)
    ordered = _merged(_validated(advance, payments))
    unit = unit_period or infer_unit_period(advance.on, [payment.on for payment in ordered])
    series_day = max(payment.on.day for payment in ordered)
    times = [time_in_periods(advance.on, payment.on, unit, series_day) for payment in ordered]
    amounts = [payment.amount.minor for payment in ordered]
    rate = _solve(advance.amount.minor, amounts, times, compound_fraction=method is AprMethod.IRR)
    per_year = unit.per_year
    apr = Decimal(repr(rate)) * Decimal(per_year.numerator) / Decimal(per_year.denominator) * 100
    return Apr(
        method=method,
        unit_period=unit,
        periods_per_year=per_year,
        periodic_rate=Decimal(repr(rate)),
        apr_pct=apr.quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP),
        effective_annual_pct=_effective_annual_pct(rate, per_year),
        regular=_is_regular(ordered, times),
    )


def _effective_annual_pct(rate: float, per_year: Fraction) -> Decimal:
    """(1 + i)^n − 1 in percent, to 10 places. A rate of a few percent a day (a payday loan) compounds
    to more digits than a 28-digit Decimal quantizes, or beyond a float: then in Decimal, as many as it takes."""
    try:
        effective = Decimal(repr((math.pow(1 + rate, float(per_year)) - 1) * 100))
    except OverflowError:
        exact = Context(prec=34)
        exponent = exact.divide(Decimal(per_year.numerator), Decimal(per_year.denominator))
        growth = exact.power(exact.add(1, Decimal(repr(rate))), exponent)
        effective = exact.multiply(exact.subtract(growth, 1), 100)
    return quantize_wide(effective, Decimal("1e-10"))


def quantize_wide(value: Decimal, exponent: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """`value` rounded to `exponent`'s places, with the precision its digits need."""
    digits = max(value.adjusted(), 0) - int(exponent.as_tuple().exponent) + 2
    return value.quantize(exponent, context=Context(prec=max(28, digits), rounding=rounding))


def _validated(advance: Payment, payments: Sequence[Payment]) -> list[Payment]:
    if not payments:
        raise CashFlowInvalid("at least one payment is needed", field="payments")
    if len(payments) > PAYMENTS_MAX:
        raise CashFlowInvalid(f"at most {PAYMENTS_MAX} payments", field="payments")
    if advance.amount.minor <= 0:
        raise CashFlowInvalid("the advance must be more than zero", field="advance")
    for payment in payments:
        if payment.amount.currency != advance.amount.currency:
            raise CashFlowInvalid("payments must be in the advance's currency", field="payments")
        if payment.amount.minor <= 0:
            raise CashFlowInvalid("every payment must be more than zero", field="payments")
        if payment.on <= advance.on:
            raise CashFlowInvalid(f"payment on {payment.on} is not after the advance", field="payments")
    ordered = sorted(payments, key=lambda payment: payment.on)
    if sum(payment.amount.minor for payment in ordered) < advance.amount.minor:
        raise AprNotFound(
            "the payments add up to less than the advance: the rate would be negative", field="payments"
        )
    return ordered


def _merged(ordered: list[Payment]) -> list[Payment]:
    """Payments due on one date as one payment of their sum: an interval of no days is no period."""
    merged: list[Payment] = []
    for payment in ordered:
        if merged and merged[-1].on == payment.on:
            merged[-1] = Payment(payment.on, merged[-1].amount + payment.amount)
        else:
            merged.append(payment)
    return merged


def _terms_of(amounts: list[int], times: list[tuple[int, Fraction]]) -> list[tuple[int, int, float]]:
    """(amount, whole periods, odd fraction as a float) per payment: the Fractions converted once per
    cash flow rather than once per payment and trial rate (the bisection tries ~60 rates)."""
    return [(amount, whole, float(fraction)) for amount, (whole, fraction) in zip(amounts, times, strict=True)]


def _value_at(terms: list[tuple[int, int, float]], rate: float, compound: bool) -> float:
    try:
        return _value_in_range(terms, rate, compound)
    except OverflowError:  # a dear rate over a long term: a payment that far off is worth nothing now
        return sum(amount / _growth_or_inf(rate, whole, fraction, compound) for amount, whole, fraction in terms)


def _growth_or_inf(rate: float, whole: int, fraction: float, compound: bool) -> float:
    try:
        if compound:
            return math.pow(1 + rate, whole + fraction)
        return (1 + fraction * rate) * math.pow(1 + rate, whole)
    except OverflowError:
        return math.inf


def _value_in_range(terms: list[tuple[int, int, float]], rate: float, compound: bool) -> float:
    # The same float operations, in the same order, as the formula written out per payment.
    total = 0.0
    growth = 1 + rate
    if compound:
        for amount, whole, fraction in terms:
            total += amount / math.pow(growth, whole + fraction)
    else:
        for amount, whole, fraction in terms:
            total += amount / ((1 + fraction * rate) * math.pow(growth, whole))
    return total


def _solve(
    advance: int, amounts: list[int], times: list[tuple[int, Fraction]], compound_fraction: bool
) -> float:
    """The unit-period rate at which the payments are worth the advance (bisection: the value falls as it rises)."""
    terms = _terms_of(amounts, times)
    low, high = 0.0, 1.0
    while _value_at(terms, high, compound_fraction) > advance:
        if high >= _RATE_MAX:
            raise AprNotFound("no rate below 10000% a period balances the cash flow", field="payments")
        high = min(high * 2, _RATE_MAX)
    for _ in range(_ITERATIONS_MAX):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _value_at(terms, middle, compound_fraction) > advance:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _is_regular(payments: list[Payment], times: list[tuple[int, Fraction]]) -> bool:
    """Regular: equal payments one unit period apart, allowing an odd first period and odd first/last payments."""
    inner = [payment.amount.minor for payment in payments[1:-1]]
    if len(set(inner)) > 1:
        return False
    wholes = [whole for whole, _ in times]
    fractions = {fraction for _, fraction in times}
    steps = [later - earlier for earlier, later in pairwise(wholes)]
    return len(fractions) == 1 and all(step == 1 for step in steps)


def schedule_apr(flows: Sequence[tuple[date, Money]], method: AprMethod | str) -> Apr:
    """The annualised rate of a schedule's `cash_flows()` (the advance first, as a negative flow)."""
    (advance_on, advance_amount), *rest = flows
    payments = [Payment(on, amount) for on, amount in rest if amount.minor > 0]
    return annual_rate(Payment(advance_on, -advance_amount), payments, method)
