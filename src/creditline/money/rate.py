"""`Rate`: an interest rate as a Decimal fraction, quoted per year, month or day.

A rate keeps the unit it was quoted in, so a 借呗-style daily rate of 0.05% charges exactly
0.05% a day whatever day-count year the product uses; conversions follow the Chinese market's
convention (annual = monthly × 12 = daily × 360) unless a days-in-year is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from creditline.money.errors import InvalidRate
from creditline.money.rounding import CONTEXT, divide

DAYS_IN_YEAR_DEFAULT = 360
MONTHS_IN_YEAR = 12
# No lawful consumer rate comes near 1000% a year; larger figures are typos (0.05 vs 5, "3.2" for 3.2%).
# The one ceiling of every annual rate read: a product's, a deal file's, a loan tape's, a snapshot's EIR.
ANNUAL_RATE_MAX = Decimal(10)  # a fraction: 1000% a year


class RateUnit(StrEnum):
    ANNUAL = "annual"
    MONTHLY = "monthly"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class Rate:
    value: Decimal  # a fraction per `unit`: 0.0005 daily is 0.05% a day
    unit: RateUnit = RateUnit.ANNUAL

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            raise TypeError("Rate.value must be a Decimal")
        if not self.value.is_finite() or self.value < 0:
            raise InvalidRate("a rate must be a finite, non-negative number", field="rate")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def annual_percent(cls, percent: str | Decimal | int, *, field: str = "annual_rate") -> Rate:
        return cls._from_percent(percent, RateUnit.ANNUAL, field)

    @classmethod
    def monthly_percent(cls, percent: str | Decimal | int, *, field: str = "monthly_rate") -> Rate:
        return cls._from_percent(percent, RateUnit.MONTHLY, field)

    @classmethod
    def daily_percent(cls, percent: str | Decimal | int, *, field: str = "daily_rate") -> Rate:
        return cls._from_percent(percent, RateUnit.DAILY, field)

    @classmethod
    def _from_percent(cls, percent: str | Decimal | int, unit: RateUnit, field: str) -> Rate:
        value = parse_decimal(percent, field=field)
        if value < 0:
            raise InvalidRate(f"{percent} is negative; rates are zero or more", field=field)
        # Compared before any arithmetic, as Money.from_decimal does: converting 9e999999 to a year
        # overflows the decimal context. A quote above the yearly cap is above it a year too.
        if value > ANNUAL_RATE_MAX * 100:
            raise InvalidRate(f"{percent}% {unit} is above {ANNUAL_RATE_MAX:%} a year", field=field)
        rate = cls(divide(value, 100), unit)
        if rate.annual() > ANNUAL_RATE_MAX:
            raise InvalidRate(f"{percent}% {unit} is above {ANNUAL_RATE_MAX:%} a year", field=field)
        return rate

    # -- conversions (nominal, simple-interest convention) -----------------------------------------
    def annual(self, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        if self.unit is RateUnit.ANNUAL:
            return self.value
        if self.unit is RateUnit.MONTHLY:
            return CONTEXT.multiply(self.value, Decimal(MONTHS_IN_YEAR))
        return CONTEXT.multiply(self.value, Decimal(days_in_year))

    def monthly(self, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        if self.unit is RateUnit.MONTHLY:
            return self.value
        return divide(self.annual(days_in_year), MONTHS_IN_YEAR)

    def daily(self, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        if self.unit is RateUnit.DAILY:
            return self.value
        return divide(self.annual(days_in_year), days_in_year)

    def periodic(self, periods_per_year: Decimal | int, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        """The nominal rate for one of `periods_per_year` equal periods."""
        return divide(self.annual(days_in_year), periods_per_year)

    def effective_annual(self, periods_per_year: int, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        """(1 + r/n)^n − 1: the compound annual rate of the nominal rate paid n times a year."""
        periodic = self.periodic(periods_per_year, days_in_year)
        # Every step in CONTEXT: bare + and - would round to the caller's global decimal precision.
        return CONTEXT.subtract(CONTEXT.power(CONTEXT.add(1, periodic), periods_per_year), 1)

    def annual_percent_value(self, days_in_year: int = DAYS_IN_YEAR_DEFAULT) -> Decimal:
        return CONTEXT.multiply(self.annual(days_in_year), Decimal(100))

    def __str__(self) -> str:
        return f"{(self.value * 100).normalize():f}% {self.unit}"


def parse_decimal(text: str | Decimal | int, *, field: str) -> Decimal:
    """Parse a number given as text (or Decimal/int); floats are refused so no binary noise enters."""
    if isinstance(text, bool | float):
        raise InvalidRate("pass numbers as text or Decimal, never float", field=field)
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        cleaned = str(text).strip()
        if not cleaned.isascii():
            raise InvalidRate(f"{text!r} is not a number (ASCII digits only)", field=field)
        try:
            value = Decimal(cleaned)
        except InvalidOperation as exc:
            raise InvalidRate(f"{text!r} is not a number", field=field) from exc
    if not value.is_finite():
        raise InvalidRate(f"{text!r} is not a finite number", field=field)
    return value
