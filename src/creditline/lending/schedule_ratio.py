"""Exact rational arithmetic for interest: a rate factor is a pair of integers, rounded once.

Interest = balance × numerator ÷ denominator, computed in integers and rounded to minor units with a
named mode. Dividing only once, at the end, is what keeps a true tie (12.5 minor units) a tie: a
rate like 10%/12 written as a finite decimal first would turn 12.5 into 12.4999… and round it down.
"""

from __future__ import annotations

from decimal import Decimal

from creditline.money import CONTEXT, Rounding

# (numerator, denominator), denominator > 0: an exact non-negative rational such as a period's rate.
Ratio = tuple[int, int]

ZERO: Ratio = (0, 1)


def ratio_of(value: Decimal) -> Ratio:
    """A finite Decimal as an exact ratio of integers."""
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def round_div(numerator: int, denominator: int, rounding: Rounding) -> int:
    """numerator ÷ denominator rounded to an integer; down/up are toward/away from zero, like Decimal's."""
    assert denominator > 0, "denominator must be positive"
    if numerator < 0:
        return -round_div(-numerator, denominator, rounding)
    quotient, remainder = divmod(numerator, denominator)
    if remainder == 0 or rounding is Rounding.DOWN:
        return quotient
    if rounding is Rounding.UP:
        return quotient + 1
    twice = 2 * remainder
    if twice > denominator:
        return quotient + 1
    if twice < denominator:
        return quotient
    if rounding is Rounding.HALF_UP:
        return quotient + 1
    return quotient + (quotient & 1)


def apply_rate(balance_minor: int, rate: Ratio, rounding: Rounding) -> int:
    """Interest on `balance_minor` at the rate factor `rate`, in minor units, rounded once."""
    return round_div(balance_minor * rate[0], rate[1], rounding)


def to_decimal(numerator: int, denominator: int) -> Decimal:
    """The ratio as a Decimal (34 significant digits, exact when the quotient terminates within them)."""
    return CONTEXT.divide(Decimal(numerator), Decimal(denominator))
