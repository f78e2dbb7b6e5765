"""Interest and fee accrual in exact integer arithmetic, for one amount or a whole vector of them.

A rate times a year fraction is a rational number p/q (a Decimal coupon is a decimal fraction; a
day count is days over a basis), so `amount x p / q` can be rounded to minor units exactly with
integers: no float ever touches an amount that enters the waterfall. `accrue_decimal` is the
per-item path in Decimal; a property test proves the two agree on every input.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np

from creditline.money import CONTEXT, DayCount, Rounding, day_count, days_in_year, round_to_int

_INT64_SAFE = 2**62  # products below this cannot overflow int64 in the rounding formulas


def period_fraction(start: date, end: date, convention: DayCount) -> Fraction:
    """[start, end) as an exact fraction of a year under the day-count convention."""
    assert end >= start, "an accrual period ends on or after its start"
    if convention is not DayCount.ACT_ACT_ISDA:
        return Fraction(day_count(start, end, convention), days_in_year(convention, start.year))
    fraction = Fraction(0)
    cursor = start
    while cursor < end:
        stop = min(end, date(cursor.year + 1, 1, 1))
        fraction += Fraction((stop - cursor).days, days_in_year(convention, cursor.year))
        cursor = stop
    return fraction


def scale_minor(amounts_minor: np.ndarray, factor: Fraction, rounding: Rounding) -> np.ndarray:
    """`amounts x factor` rounded to whole minor units with `rounding`, exactly (amounts >= 0)."""
    amounts = np.asarray(amounts_minor, dtype=np.int64)
    assert factor >= 0, "accrual factors are non-negative"
    if amounts.size == 0:
        return amounts.copy()
    assert int(amounts.min()) >= 0, "accrual applies to non-negative balances"
    p, q = factor.numerator, factor.denominator
    if int(amounts.max()) * 2 * p + 2 * q < _INT64_SAFE:
        return _round_ratio(amounts * p, q, rounding)
    scaled = _round_ratio(amounts.astype(object) * p, q, rounding)  # Python ints: no overflow
    return scaled.astype(np.int64)


def _round_ratio(numerators: np.ndarray, q: int, rounding: Rounding) -> np.ndarray:
    quotient = numerators // q  # floor division and modulo also work on object arrays of Python ints
    twice = (numerators % q) * 2
    if rounding is Rounding.HALF_UP:
        carry = twice >= q
    elif rounding is Rounding.HALF_EVEN:
        carry = (twice > q) | ((twice == q) & (quotient % 2 == 1))
    elif rounding is Rounding.DOWN:
        return quotient
    else:
        carry = twice > 0
    return quotient + np.asarray(carry, dtype=bool).astype(np.int64)


def accrue_minor(
    balances_minor: np.ndarray, annual_rate: Decimal, year_fraction: Fraction, rounding: Rounding
) -> np.ndarray:
    """Interest on each balance at `annual_rate` for `year_fraction` of a year, in minor units."""
    return scale_minor(balances_minor, Fraction(annual_rate) * year_fraction, rounding)


def accrue_decimal(
    balance_minor: int, annual_rate: Decimal, start: date, end: date, convention: DayCount, rounding: Rounding
) -> int:
    """The per-item path: balance x rate x days / basis in Decimal, one division, then one rounding."""
    if convention is not DayCount.ACT_ACT_ISDA:
        numerator = CONTEXT.multiply(
            CONTEXT.multiply(Decimal(balance_minor), annual_rate), day_count(start, end, convention)
        )
        return round_to_int(CONTEXT.divide(numerator, days_in_year(convention, start.year)), rounding)
    total = Decimal(0)
    cursor = start
    while cursor < end:
        stop = min(end, date(cursor.year + 1, 1, 1))
        part = CONTEXT.multiply(CONTEXT.multiply(Decimal(balance_minor), annual_rate), (stop - cursor).days)
        total = CONTEXT.add(total, CONTEXT.divide(part, days_in_year(convention, cursor.year)))
        cursor = stop
    return round_to_int(total, rounding)
