"""The accrual formula as exact integers: one day's interest is balance × k ÷ denominator.

The rate factor of a day comes from the schedule's own formula (`schedule_interest.daily_rate_factor`,
the one `interest_exact` uses), written over one fixed denominator per loan so that accrued interest
is an integer numerator: the per-loan fold, the one-day step and the numpy batch all add the same
integers, and the schedule's period interest is the same ratio rounded once. On an actual/actual
year a day of a leap year has a different k from a day of a common year; nothing else varies.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from math import gcd

from creditline.lending.loan.errors import UnsupportedTerms
from creditline.lending.schedule import DaysInMonth, InterestBasis, ScheduleTerms
from creditline.lending.schedule_interest import daily_rate_factor
from creditline.lending.schedule_ratio import round_div
from creditline.money import CONTEXT, Rate, Rounding

_COMMON_DAY = (date(2023, 3, 1), date(2023, 3, 2))
_LEAP_DAY = (date(2024, 3, 1), date(2024, 3, 2))


@dataclass(frozen=True, slots=True)
class AccrualPricing:
    """Everything the day-by-day accrual of one loan needs, as integers (stored with the snapshot)."""

    interest_denominator: int
    interest_common_day: int  # numerator of one day's rate in a 365-day year
    interest_leap_day: int  # ... in a 366-day year (equal unless the year is actual/actual)
    penalty_denominator: int
    penalty_common_day: int
    penalty_leap_day: int
    grace_days: int
    charge_off_days: int
    rounding: Rounding

    def interest_factor(self, start: date, end: date) -> int:
        """The numerator (over `interest_denominator`) of the rate for the days [start, end)."""
        return _factor(self.interest_common_day, self.interest_leap_day, start, end)

    def penalty_factor(self, start: date, end: date) -> int:
        return _factor(self.penalty_common_day, self.penalty_leap_day, start, end)

    def round_interest(self, numerator: int) -> int:
        return round_div(numerator, self.interest_denominator, self.rounding)

    def round_penalty(self, numerator: int) -> int:
        return round_div(numerator, self.penalty_denominator, self.rounding)


def _factor(common_day: int, leap_day: int, start: date, end: date) -> int:
    if common_day == leap_day:
        return common_day * (end - start).days
    leap_days = _leap_days(start, end)
    return common_day * ((end - start).days - leap_days) + leap_day * leap_days


def _leap_days(start: date, end: date) -> int:
    days = 0
    for year in range(start.year, end.year + 1):
        if calendar.isleap(year):
            low = max(start, date(year, 1, 1))
            high = min(end, date(year + 1, 1, 1))
            days += max((high - low).days, 0)
    return days


def check_engine_terms(terms: ScheduleTerms) -> None:
    """The loan engine accrues per calendar day; terms whose interest is not additive by day are refused."""
    if terms.interest_basis is not InterestBasis.DAILY:
        raise UnsupportedTerms(
            "the loan engine accrues daily; the interest basis must be daily", field="interest_basis"
        )
    if terms.days_in_month is not DaysInMonth.ACTUAL:
        raise UnsupportedTerms(
            "the loan engine accrues per calendar day; days in month must be actual", field="days_in_month"
        )


# As many as the app's caches of terms and schedules (`app.catalogue`): a review or EOD pass over more
# loans than the cache holds would evict every entry before its next use and compute each one afresh.
@lru_cache(maxsize=65_536)
def accrual_pricing(
    terms: ScheduleTerms, penalty_multiplier: Decimal, grace_days: int, charge_off_days: int
) -> AccrualPricing:
    """The integer form of the contract rate and of the penalty rate (multiplier × contract rate)."""
    check_engine_terms(terms)
    interest = _day_ratios(terms)
    penalty_rate = Rate(CONTEXT.multiply(terms.rate.value, penalty_multiplier), terms.rate.unit)
    penalty = _day_ratios(replace(terms, rate=penalty_rate))
    return AccrualPricing(
        interest_denominator=interest[2],
        interest_common_day=interest[0],
        interest_leap_day=interest[1],
        penalty_denominator=penalty[2],
        penalty_common_day=penalty[0],
        penalty_leap_day=penalty[1],
        grace_days=grace_days,
        charge_off_days=charge_off_days,
        rounding=terms.rounding,
    )


def _day_ratios(terms: ScheduleTerms) -> tuple[int, int, int]:
    common_n, common_d = daily_rate_factor(terms, *_COMMON_DAY)
    leap_n, leap_d = daily_rate_factor(terms, *_LEAP_DAY)
    assert common_d == leap_d, "one denominator per loan"
    divisor = gcd(gcd(common_n, leap_n), common_d) or 1
    return common_n // divisor, leap_n // divisor, common_d // divisor
