"""Exact ratios for money: a policy's "one third" must cut at one third, not at 0.3333."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache


def parse_ratio(text: object) -> Fraction:
    """'1/3', '0.5' or an int, as an exact non-negative fraction; raises ValueError otherwise."""
    if isinstance(text, str):
        return _parse_text(text)
    if isinstance(text, bool | float):
        raise ValueError("ratios are written as text ('1/3', '0.5'), never as floats")
    value = Fraction(str(text).strip())
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    return value


@lru_cache(maxsize=1024)
def _parse_text(text: str) -> Fraction:
    # Policies hold a handful of ratios, parsed on every decision: parse each text once.
    try:
        value = Fraction(text.strip())
    except ZeroDivisionError:  # "1/0": a ValueError, so validation reports it with its field
        raise ValueError(f"{text!r} divides by zero") from None
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    return value


def floor_times(amount_minor: int, ratio: Fraction) -> int:
    """floor(amount × ratio) in integer arithmetic: a cap rounds toward the borrower's safety."""
    return (amount_minor * ratio.numerator) // ratio.denominator


def floor_divide(amount_minor: int, ratio: Fraction) -> int:
    """floor(amount ÷ ratio) in integer arithmetic; ratio must be positive."""
    assert ratio > 0, "division by a zero ratio"
    return (amount_minor * ratio.denominator) // ratio.numerator
