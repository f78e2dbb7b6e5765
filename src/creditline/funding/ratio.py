"""Ratios (rates, shares, prices) and amounts as they arrive from deal files, tapes and options.

A ratio is a fraction (`0.035`) unless it carries a percent sign (`3.5%`). Floats are refused so that
no binary noise enters a rate or an amount: the CLI loads YAML, TOML and JSON numbers as Decimal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from creditline.funding.errors import FundingError, NegativeRate
from creditline.money import Money


def parse_ratio(
    value: object,
    *,
    field: str,
    maximum: Decimal | None = None,
    error: type[FundingError] = FundingError,
) -> Decimal:
    """A non-negative fraction from Decimal, int or text ("0.035", "3.5%")."""
    if isinstance(value, bool | float):
        raise error('write rates as text or Decimal ("0.035" or "3.5%"), never as a float', field=field)
    if isinstance(value, Decimal | int):
        ratio = Decimal(value)
    elif isinstance(value, str):
        ratio = _ratio_from_text(value, field, error)
    else:
        raise error(f"expected a rate, got {type(value).__name__}", field=field)
    if not ratio.is_finite():
        raise error(f"{value!r} is not a finite number", field=field)
    if ratio < 0:
        raise NegativeRate(f"{value} is negative; rates and shares are zero or more", field=field)
    if maximum is not None and ratio > maximum:
        raise error(_above(value, maximum), field=field)
    return ratio


def _above(value: object, maximum: Decimal) -> str:
    """A ratio over its ceiling is most often a percentage written without its sign ("3.2" for 3.2%)."""
    hint = "" if isinstance(value, str) and "%" in value else "; write a percentage with its sign (3.2%)"
    return f"{value} is above {maximum} ({maximum:%}){hint}"


def _ratio_from_text(text: str, field: str, error: type[FundingError]) -> Decimal:
    cleaned = text.strip()
    scale = Decimal(1)
    if cleaned.endswith("%"):
        cleaned, scale = cleaned[:-1].strip(), Decimal("0.01")
    try:
        return Decimal(cleaned) * scale
    except InvalidOperation as exc:
        raise error(f"{text!r} is not a number (write 0.035 or 3.5%)", field=field) from exc


def parse_amount_minor(value: object, currency_code: str, *, field: str) -> int:
    """An amount in major units (text "1,000.00", Decimal or int) as integer minor units."""
    if isinstance(value, bool | float):
        raise FundingError('write amounts as text or Decimal ("1000.00"), never as a float', field=field)
    if isinstance(value, str):
        return Money.parse(value, currency_code, field=field).minor
    if isinstance(value, Decimal | int):
        return Money.from_decimal(Decimal(value), currency_code, rounding=None, field=field).minor
    raise FundingError(f"expected an amount, got {type(value).__name__}", field=field)


def as_fraction(value: Decimal) -> Fraction:
    """The exact rational value of a Decimal, for integer-exact accrual arithmetic."""
    return Fraction(value)
