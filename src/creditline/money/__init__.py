"""Money, rates, rounding and day counts. Imports nothing else of creditline's but the error kernel."""

from creditline.money.amount import MINOR_ABS_MAX, Money, total
from creditline.money.currency import CURRENCIES, Currency, currency
from creditline.money.daycount import DayCount, day_count, days_30_360, days_in_year, year_fraction
from creditline.money.errors import CurrencyMismatch, InvalidAmount, InvalidDate, InvalidRate, UnknownCurrency
from creditline.money.rate import ANNUAL_RATE_MAX, Rate, RateUnit, parse_decimal
from creditline.money.rounding import CONTEXT, Rounding, divide, round_to_int, round_to_multiple, to_minor

__all__ = [
    "ANNUAL_RATE_MAX",
    "CONTEXT",
    "CURRENCIES",
    "MINOR_ABS_MAX",
    "Currency",
    "CurrencyMismatch",
    "DayCount",
    "InvalidAmount",
    "InvalidDate",
    "InvalidRate",
    "Money",
    "Rate",
    "RateUnit",
    "Rounding",
    "UnknownCurrency",
    "currency",
    "day_count",
    "days_30_360",
    "days_in_year",
    "divide",
    "parse_decimal",
    "round_to_int",
    "round_to_multiple",
    "to_minor",
    "total",
    "year_fraction",
]
