"""Exact ratios for money: a policy's "one third" must cut at one third, not at 0.3333."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

# Fraction("1e999999999") builds 10**999999999 (minutes of CPU, gigabytes): no ratio needs more than this.
EXPONENT_MAX = 100
_EXPONENT = re.compile(r"[eE]([-+]?[0-9_]+)\s*$")


def exact_fraction(text: str) -> Fraction:
    """`Fraction(text)` with the exponent bounded; raises ValueError (or ZeroDivisionError for "1/0")."""
    exponent = _EXPONENT.search(text)
    if exponent is not None and abs(int(exponent.group(1))) > EXPONENT_MAX:
        raise ValueError(f"{text!r} has an exponent beyond ±{EXPONENT_MAX}")
    return Fraction(text)


def parse_ratio(text: object) -> Fraction:
    """'1/3', '0.5' or an int, as an exact non-negative fraction; raises ValueError otherwise."""
    if isinstance(text, str):
        return _parse_text(text)
    if isinstance(text, bool | float):
        raise ValueError("ratios are written as text ('1/3', '0.5'), never as floats")
    value = exact_fraction(str(text).strip())
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    return value


@lru_cache(maxsize=1024)
def _parse_text(text: str) -> Fraction:
    # Policies hold a handful of ratios, parsed on every decision: parse each text once.
    try:
        value = exact_fraction(text.strip())
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
