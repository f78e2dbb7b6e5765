"""How much interest a period carries: rate factors of schedule periods, and `interest_exact`.

A rate factor is the exact ratio that turns a constant balance into the period's interest. Under the
`period` basis every regular period carries the nominal periodic rate (annual ÷ periods a year) and a
broken period a fraction of it; under the `daily` basis a period carries annual × days ÷ days-in-year
with the chosen day count (a rate quoted per day carries daily rate × days, whatever the year).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

from creditline.lending.calendar import add_months, months_between_anchored, step
from creditline.lending.schedule_ratio import Ratio, ratio_of, to_decimal
from creditline.lending.schedule_terms import DaysInMonth, DaysInYear, Frequency, InterestBasis, ScheduleTerms
from creditline.money import RateUnit, days_30_360

MONTHS_IN_YEAR = 12
WEEKS_IN_YEAR = 52
# A rate quoted per day converts to a year of 360 days (the Chinese market's 年利率 = 日利率 × 360)
# when the product's year is "actual"; a fixed 360/364/365 year is used as given.
DAYS_IN_YEAR_OF_DAILY_QUOTE = 360
# Periods a year of a daily schedule on an "actual" year, for the period basis.
DAYS_IN_YEAR_FOR_DAILY_STEPS = 365


def fixed_days_in_year(terms: ScheduleTerms, actual_as: int) -> int:
    if terms.days_in_year is DaysInYear.ACTUAL:
        return actual_as
    return int(terms.days_in_year.value)


def annual_ratio(terms: ScheduleTerms) -> Ratio:
    """The annual rate as an exact ratio (a daily quote is scaled to its year, see above)."""
    numerator, denominator = ratio_of(terms.rate.value)
    if terms.rate.unit is RateUnit.MONTHLY:
        return numerator * MONTHS_IN_YEAR, denominator
    if terms.rate.unit is RateUnit.DAILY:
        return numerator * fixed_days_in_year(terms, DAYS_IN_YEAR_OF_DAILY_QUOTE), denominator
    return numerator, denominator


def nominal_rate(terms: ScheduleTerms) -> Ratio:
    """The rate factor of one regular period under the `period` basis (also the nominal EMI rate)."""
    numerator, denominator = ratio_of(terms.rate.value)
    every = terms.every
    if terms.rate.unit is RateUnit.DAILY:
        # A daily quote charges its rate for each day of a regular period: 7 a week, a twelfth of the year a month.
        if terms.frequency is Frequency.DAILY:
            return numerator * every, denominator
        if terms.frequency is Frequency.WEEKLY:
            return numerator * 7 * every, denominator
        year = fixed_days_in_year(terms, DAYS_IN_YEAR_OF_DAILY_QUOTE)
        return numerator * year * every, denominator * MONTHS_IN_YEAR
    annual_n, annual_d = annual_ratio(terms)
    if terms.frequency is Frequency.MONTHLY:
        return annual_n * every, annual_d * MONTHS_IN_YEAR
    if terms.frequency is Frequency.WEEKLY:
        return annual_n * every, annual_d * WEEKS_IN_YEAR
    return annual_n * every, annual_d * fixed_days_in_year(terms, DAYS_IN_YEAR_FOR_DAILY_STEPS)


def period_fraction(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """[start, end) in regular periods: whole periods counted back from `end` plus a fraction for the rest."""
    if terms.frequency is Frequency.WEEKLY:
        return (end - start).days, 7 * terms.every
    if terms.frequency is Frequency.DAILY:
        return (end - start).days, terms.every
    months, whole_from = months_between_anchored(start, end, terms.anchor_day)
    if whole_from == start:
        return months, terms.every
    if terms.days_in_month is DaysInMonth.D30:
        odd_days, month_days = days_30_360(start, whole_from), 30
    else:
        odd_days = (whole_from - start).days
        month_days = (whole_from - add_months(whole_from, -1, terms.anchor_day)).days
    return months * month_days + odd_days, month_days * terms.every


def counted_days(terms: ScheduleTerms, start: date, end: date) -> int:
    """Days in [start, end) under the days-in-month setting: 30-day months count every month as 30."""
    if terms.days_in_month is DaysInMonth.ACTUAL:
        return (end - start).days
    anchor = terms.anchor_day if terms.frequency is Frequency.MONTHLY else end.day
    months, whole_from = months_between_anchored(start, end, anchor)
    return 30 * months + days_30_360(start, whole_from)


def daily_rate_factor(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """The `daily` basis factor of [start, end)."""
    numerator, denominator = ratio_of(terms.rate.value)
    if terms.rate.unit is RateUnit.DAILY:
        return numerator * counted_days(terms, start, end), denominator
    annual_n, annual_d = annual_ratio(terms)
    if terms.days_in_month is DaysInMonth.D30 or terms.days_in_year is not DaysInYear.ACTUAL:
        year = fixed_days_in_year(terms, 360)
        return annual_n * counted_days(terms, start, end), annual_d * year
    # ACT/ACT (ISDA): days in a leap year count over 366, the others over 365.
    days_365, days_366 = _days_by_year_length(start, end)
    return annual_n * (days_365 * 366 + days_366 * 365), annual_d * 365 * 366


def _days_by_year_length(start: date, end: date) -> tuple[int, int]:
    days_365 = days_366 = 0
    cursor = start
    while cursor < end:
        stop = min(end, date(cursor.year + 1, 1, 1))
        days = (stop - cursor).days
        if cursor.year % 4 == 0 and (cursor.year % 100 != 0 or cursor.year % 400 == 0):
            days_366 += days
        else:
            days_365 += days
        cursor = stop
    return days_365, days_366


def period_rate(terms: ScheduleTerms, start: date, end: date) -> Ratio:
    """The rate factor of the schedule period [start, end) (a due date ends it)."""
    if terms.interest_basis is InterestBasis.DAILY:
        return daily_rate_factor(terms, start, end)
    rate_n, rate_d = nominal_rate(terms)
    fraction_n, fraction_d = period_fraction(terms, start, end)
    return rate_n * fraction_n, rate_d * fraction_d


def _is_additive_by_day(terms: ScheduleTerms) -> bool:
    return terms.interest_basis is InterestBasis.DAILY and terms.days_in_month is DaysInMonth.ACTUAL


def interest_exact(balance_minor: int, start: date, end: date, terms: ScheduleTerms) -> Decimal:
    """Unrounded interest, in minor units, on a constant balance over [start, end).

    Additive: the interest over [a, c) equals that over [a, b) plus [b, c), so daily accrual summed over a
    period equals the period's interest. Where a period's interest does not depend on its days (the
    `period` basis, 30-day months) each schedule period's interest is spread evenly over its calendar days.
    Sum accruals as exact values and round once per period; for the exact tie-safe figure of a whole
    period, call this once over the period rather than adding daily Decimals.
    """
    assert start <= end, "interest runs forward in time"
    if start == end or balance_minor == 0:
        return Decimal(0)
    if _is_additive_by_day(terms):
        numerator, denominator = daily_rate_factor(terms, start, end)
        return to_decimal(balance_minor * numerator, denominator)
    accrued = Fraction(0)
    for period_start, period_end in _periods_covering(terms, start, end):
        overlap = (min(end, period_end) - max(start, period_start)).days
        if overlap <= 0:
            continue
        numerator, denominator = period_rate(terms, period_start, period_end)
        accrued += Fraction(
            balance_minor * numerator * overlap, denominator * (period_end - period_start).days
        )
    return to_decimal(accrued.numerator, accrued.denominator)


def _periods_covering(terms: ScheduleTerms, start: date, end: date) -> Iterator[tuple[date, date]]:
    """Schedule periods from disbursement, continued at the regular step past maturity (for overdue accrual)."""
    from creditline.lending.schedule_dates import due_dates

    assert start >= terms.disbursed, "no interest runs before disbursement"
    dates = due_dates(terms)
    previous = terms.disbursed
    for due in dates:
        if previous >= end:
            return
        yield previous, due
        previous = due
    count = 1
    while previous < end:
        following = step(dates[-1], terms.frequency.value, terms.every, count, terms.anchor_day)
        yield previous, following
        previous, count = following, count + 1
