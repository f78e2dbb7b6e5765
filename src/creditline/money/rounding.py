"""Named rounding modes and the one place where a Decimal becomes a count of minor units.

Nothing here reads the ambient decimal context: every operation that can lose digits uses
`CONTEXT` or names its rounding mode, so results do not depend on what other code set globally.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from enum import StrEnum

# 34 significant digits (IEEE decimal128) is far beyond any balance × rate × days product.
CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)


class Rounding(StrEnum):
    HALF_UP = "half-up"
    HALF_EVEN = "half-even"
    DOWN = "down"
    UP = "up"

    @property
    def decimal_mode(self) -> str:
        return _DECIMAL_MODES[self]


_DECIMAL_MODES = {
    Rounding.HALF_UP: decimal.ROUND_HALF_UP,
    Rounding.HALF_EVEN: decimal.ROUND_HALF_EVEN,
    Rounding.DOWN: decimal.ROUND_DOWN,
    Rounding.UP: decimal.ROUND_UP,
}


def round_to_int(value: Decimal, rounding: Rounding) -> int:
    """Round a Decimal to an integer with an explicit mode (down/up are toward/away from zero)."""
    return int(value.quantize(Decimal(1), rounding=rounding.decimal_mode, context=CONTEXT))


def to_minor(value_major: Decimal, minor_digits: int, rounding: Rounding) -> int:
    """Major units (Decimal) to an integer count of minor units, rounded with `rounding`."""
    return round_to_int(value_major.scaleb(minor_digits, context=CONTEXT), rounding)


def round_to_multiple(value_minor: Decimal | int, multiple_minor: int, rounding: Rounding) -> int:
    """Round an amount in minor units to a multiple of `multiple_minor` (e.g. whole units)."""
    assert multiple_minor > 0, "a rounding multiple must be positive"
    units = round_to_int(CONTEXT.divide(Decimal(value_minor), Decimal(multiple_minor)), rounding)
    return units * multiple_minor


def divide(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    """Exact-as-possible division in the fixed context (34 digits), independent of global state."""
    return CONTEXT.divide(Decimal(numerator), Decimal(denominator))
