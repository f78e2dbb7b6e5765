"""How much interest a period carries: rate factors of schedule periods, and `interest_exact`.

A rate factor is the exact ratio that turns a constant balance into a period's interest.

- `period` basis: every installment period carries the nominal periodic rate (annual ÷ periods a
  year: 12 for months, 52 for weeks, days-in-year for days, times `every`), whatever its days, a
  broken first period included. A rate quoted per day charges its rate for the regular days of a
  period (7 a week, 1 a day, a twelfth of its year a month).
- `daily` basis: balance × annual rate × days ÷ days-in-year. An "actual" year is ACT/ACT (ISDA): the
  days in a leap year count over 366, the others over 365. With 30-day months a regular monthly
  period counts 30 days and a broken one 30 × its length in months (whole months from its start plus
  the leftover days over the days of the following month). A rate quoted per day charges daily
  rate × days, whatever the year.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from creditline.lending.calendar import add_months, step
from creditline.lending.schedule_ratio import ZERO, Ratio, ratio_of, to_decimal
from creditline.lending.schedule_terms import (
    DaysInMonth,
    DaysInYear,
    Frequency,
    InterestBasis,
    Method,
    ScheduleTerms,
)
from creditline.money import RateUnit

MONTHS_IN_YEAR = 12
WEEKS_IN_YEAR = 52
DAYS_IN_MONTH_30 = 30
# A rate quoted per day converts to a year of 360 days (the Chinese market's 年利率 = 日利率 × 360)
# when the product's year is "actual"; a fixed 360/364/365 year is used as given.
DAYS_IN_YEAR_OF_DAILY_QUOTE = 360
# An "actual" year where one fixed figure is needed (periods a year of a daily schedule, the
# nominal rate of a day-based period): 365, as Fineract's cumulative schedules use.
DAYS_IN_YEAR_NOMINAL = 365


@lru_cache(maxsize=1024)
def _value_ratio(value: Decimal) -> Ratio:
    return ratio_of(value)


def fixed_days_in_year(terms: ScheduleTerms, actual_as: int) -> int:
    if terms.days_in_year is DaysInYear.ACTUAL:
        return actual_as
    return int(terms.days_in_year.value)


def annual_ratio(terms: ScheduleTerms) -> Ratio:
    """The annual rate as an exact ratio (a daily quote is scaled to its year, see above)."""
    numerator, denominator = _value_ratio(terms.rate.value)
    if terms.rate.unit is RateUnit.MONTHLY:
        return numerator * MONTHS_IN_YEAR, denominator
    if terms.rate.unit is RateUnit.DAILY:
        return numerator * fixed_days_in_year(terms, DAYS_IN_YEAR_OF_DAILY_QUOTE), denominator
    return numerator, denominator


def _regular_days(terms: ScheduleTerms) -> int:
    """Days of a regular period where a period is measured in days: 30 a month, 7 a week, 1 a day."""
    per_step = {Frequency.MONTHLY: DAYS_IN_MONTH_30, Frequency.WEEKLY: 7, Frequency.DAILY: 1}[terms.frequency]
    return per_step * terms.every


def nominal_rate(terms: ScheduleTerms) -> Ratio:
    """The rate factor of one regular period: the `period` basis rate and the nominal EMI rate.

    Under the `daily` basis a regular period is 30 days a month, 7 a week (Fineract's cumulative EMI).
    """
    numerator, denominator = _value_ratio(terms.rate.value)
    if terms.interest_basis is InterestBasis.DAILY:
        if terms.rate.unit is RateUnit.DAILY:
            return numerator * _regular_days(terms), denominator
        annual_n, annual_d = annual_ratio(terms)
        return annual_n * _regular_days(terms), annual_d * fixed_days_in_year(terms, DAYS_IN_YEAR_NOMINAL)
    every = terms.every
    if terms.rate.unit is RateUnit.DAILY and terms.frequency is not Frequency.MONTHLY:
        return numerator * _regular_days(terms), denominator
    annual_n, annual_d = annual_ratio(terms)
    if terms.frequency is Frequency.MONTHLY:
        return annual_n * every, annual_d * MONTHS_IN_YEAR
    if terms.frequency is Frequency.WEEKLY:
        return annual_n * every, annual_d * WEEKS_IN_YEAR
    return annual_n * every, annual_d * fixed_days_in_year(terms, DAYS_IN_YEAR_NOMINAL)


def months_in(start: date, end: date) -> Ratio:
    """[start, end) in months: whole months from `start`, then the leftover days over the next month's days."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(start, months) > end:
        months -= 1
    whole_end = add_months(start, months)
    if whole_end == end:
        return months, 1
    next_month_days = (add_months(start, months + 1) - whole_end).days
    return months * next_month_days + (end - whole_end).days, next_month_days


def _is_regular(terms: ScheduleTerms, start: date, end: date) -> bool:
    return add_months(end, -terms.every, terms.anchor_day) == start


def counted_days(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """Days in [start, end) under the days-in-month setting (a ratio: a broken 30-day month can be fractional)."""
    if terms.days_in_month is DaysInMonth.ACTUAL or terms.frequency is not Frequency.MONTHLY:
        return (end - start).days, 1
    if _is_regular(terms, start, end):
        return DAYS_IN_MONTH_30 * terms.every, 1
    months_n, months_d = months_in(start, end)
    return DAYS_IN_MONTH_30 * months_n, months_d


def daily_rate_factor(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """The `daily` basis factor of the period [start, end)."""
    days_n, days_d = counted_days(terms, start, end)
    if terms.rate.unit is RateUnit.DAILY:
        numerator, denominator = _value_ratio(terms.rate.value)
        return numerator * days_n, denominator * days_d
    annual_n, annual_d = annual_ratio(terms)
    if terms.days_in_year is not DaysInYear.ACTUAL:
        return annual_n * days_n, annual_d * days_d * int(terms.days_in_year.value)
    if terms.days_in_month is DaysInMonth.D30 and terms.frequency is Frequency.MONTHLY:
        # 30-day months have no calendar days to split between years: the year the period starts in.
        return annual_n * days_n, annual_d * days_d * _year_length(start.year)
    days_365, days_366 = _days_by_year_length(start, end)
    return annual_n * (days_365 * 366 + days_366 * 365), annual_d * 365 * 366


def daily_rate_factors(terms: ScheduleTerms, starts: list[date], ends: list[date]) -> list[Ratio]:
    """`daily_rate_factor` of many periods at once: the constants are worked out once (the hot path)."""
    if terms.days_in_month is DaysInMonth.D30 and terms.frequency is Frequency.MONTHLY:
        return [daily_rate_factor(terms, start, end) for start, end in zip(starts, ends, strict=True)]
    if terms.rate.unit is RateUnit.DAILY:
        numerator, denominator = _value_ratio(terms.rate.value)
        return [
            (numerator * (end - start).days, denominator) for start, end in zip(starts, ends, strict=True)
        ]
    annual_n, annual_d = annual_ratio(terms)
    if terms.days_in_year is not DaysInYear.ACTUAL:
        denominator = annual_d * int(terms.days_in_year.value)
        return [(annual_n * (end - start).days, denominator) for start, end in zip(starts, ends, strict=True)]
    factors = []
    denominator = annual_d * 365 * 366
    for start, end in zip(starts, ends, strict=True):
        days_365, days_366 = _days_by_year_length(start, end)
        factors.append((annual_n * (days_365 * 366 + days_366 * 365), denominator))
    return factors


def _year_length(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def _days_by_year_length(start: date, end: date) -> tuple[int, int]:
    """ACT/ACT (ISDA): the days of [start, end) falling in 365-day years and in 366-day years."""
    if start.year == end.year or (end.year == start.year + 1 and end.month == 1 and end.day == 1):
        days = (end - start).days
        return (0, days) if _year_length(start.year) == 366 else (days, 0)
    days_365 = days_366 = 0
    cursor = start
    while cursor < end:
        stop = min(end, date(cursor.year + 1, 1, 1))
        if _year_length(cursor.year) == 366:
            days_366 += (stop - cursor).days
        else:
            days_365 += (stop - cursor).days
        cursor = stop
    return days_365, days_366


def period_rate(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """The rate factor of the schedule period [start, end) (a due date ends it)."""
    if terms.interest_basis is InterestBasis.DAILY:
        return daily_rate_factor(terms, start, end)
    rate_n, rate_d = nominal_rate(terms)
    if terms.method is Method.BULLET:
        # The one bullet period spans all `installments` periods of the term.
        return rate_n * terms.installments, rate_d
    return rate_n, rate_d


def _is_additive_by_day(terms: ScheduleTerms) -> bool:
    """Whether interest over any stretch of days is the formula itself (no spreading over a period)."""
    return terms.interest_basis is InterestBasis.DAILY and (
        terms.days_in_month is DaysInMonth.ACTUAL or terms.frequency is not Frequency.MONTHLY
    )


def interest_exact(balance_minor: int, start: date, end: date, terms: ScheduleTerms) -> Decimal:
    """Unrounded interest, in minor units, on a constant balance over [start, end).

    Additive: the interest over [a, c) equals that over [a, b) plus [b, c), so daily accrual summed over a
    period equals the period's interest, and rounding it once gives the schedule's interest. Where a
    period's interest does not follow its days one by one (the `period` basis, 30-day months) each
    schedule period's interest is spread evenly over its calendar days. Past maturity the calendar
    continues at the regular step. The result has 34 significant digits: accumulate accruals of one
    period as exact values (`fractions.Fraction(result)`) or call this once from the period's start,
    so a true tie (x.5 minor units) stays a tie.
    """
    assert start <= end, "interest runs forward in time"
    if start == end or balance_minor == 0:
        return Decimal(0)
    numerator, denominator = accrual_rate(start, end, terms)
    return to_decimal(balance_minor * numerator, denominator)


def accrual_rate(start: date, end: date, terms: ScheduleTerms) -> Ratio:
    """The exact rate factor `interest_exact` applies over [start, end) (interest on a balance of one)."""
    if start == end:
        return ZERO
    if _is_additive_by_day(terms):
        return daily_rate_factor(terms, start, end)
    accrued = Fraction(0)
    for period_start, period_end, (numerator, denominator) in _periods_covering(terms, start, end):
        overlap = (min(end, period_end) - max(start, period_start)).days
        if overlap <= 0:
            continue
        period_days = (period_end - period_start).days
        accrued += Fraction(numerator * overlap, denominator * period_days)
    return accrued.numerator, accrued.denominator


def _periods_covering(terms: ScheduleTerms, start: date, end: date) -> Iterator[tuple[date, date, Ratio]]:
    """Schedule periods and their rates from disbursement, continued at the regular step past maturity."""
    from creditline.lending.schedule_dates import due_dates

    assert start >= terms.disbursed, "no interest runs before disbursement"
    dates = due_dates(terms)
    previous = terms.disbursed
    for due in dates:
        if previous >= end:
            return
        yield previous, due, period_rate(terms, previous, due)
        previous = due
    count = 1
    regular = nominal_rate(terms)
    while previous < end:
        following = step(dates[-1], terms.frequency.value, terms.every, count, terms.anchor_day)
        rate = (
            regular
            if terms.interest_basis is InterestBasis.PERIOD
            else daily_rate_factor(terms, previous, following)
        )
        yield previous, following, rate
        previous, count = following, count + 1
