"""Exact ratios of integer totals (amounts in minor units, counts) as Decimal."""

from __future__ import annotations

from decimal import Decimal

from creditline.money import CONTEXT, Rounding, divide

# Reports show ratios to 1e-8 (a millionth of a percent): more digits only add noise.
DISPLAY_QUANTUM = Decimal("1e-8")


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator at 34 significant digits; None when the denominator is zero."""
    return divide(numerator, denominator) if denominator else None


def shown(value: Decimal | None) -> str | None:
    """A ratio as text for reports: fixed 8 decimal places, half-even. Formatted with "f": `str` writes
    a ratio below 1e-6, zero included, in exponent notation ("0E-8", "1.2E-7")."""
    if value is None:
        return None
    return format(value.quantize(DISPLAY_QUANTUM, rounding=Rounding.HALF_EVEN.decimal_mode, context=CONTEXT), "f")
