"""Unit periods for annualised rates: which period a cash flow runs on, and how long each stretch is in it.

The rules are Regulation Z Appendix J's (b)(3)–(b)(5): the unit period is the payment interval that
occurs most often (the smaller on a tie); time from the advance to a payment is counted back from the
payment date in whole unit periods, and what is left over is a fraction of one — odd days over 30 for
months, over 15 for semimonths, over the unit's days for days and weeks. A single-payment loan's unit
period is its term (at most a year).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise

from creditline.lending.calendar import add_months, is_month_end

DAYS_IN_YEAR_APR = 365
SEMIMONTH_DAYS_RANGE = (13, 17)
BIWEEKLY_DAYS = 14


@dataclass(frozen=True, slots=True)
class UnitPeriod:
    """A standard unit of time: `count` months, semimonths, weeks or days (a year is 12 months)."""

    kind: str  # "month", "semimonth", "week" or "day"
    count: int = 1

    @property
    def per_year(self) -> Fraction:
        if self.kind == "month":
            return Fraction(12, self.count)
        if self.kind == "semimonth":
            return Fraction(24, self.count)
        if self.kind == "week":
            return Fraction(52, self.count)
        return Fraction(DAYS_IN_YEAR_APR, self.count)

    @property
    def name(self) -> str:
        names = {("month", 12): "year", ("month", 3): "quarter", ("month", 6): "half-year"}
        if (self.kind, self.count) in names:
            return names[(self.kind, self.count)]
        return self.kind if self.count == 1 else f"{self.count} {self.kind}s"

    def sort_key(self) -> float:
        length_days = {"month": 365 / 12, "semimonth": 365 / 24, "week": 7.0, "day": 1.0}[self.kind]
        return length_days * self.count


def _whole_months(start: date, end: date, series_day: int = 31) -> int:
    """Whole months between two dates counted back from `end` (see `_months_back`)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and _months_back(end, months, series_day) < start:
        months -= 1
    return months


def _months_back(end: date, months: int, series_day: int = 31) -> date:
    """`end` moved back whole months (Appendix J (b)(3)(iv)).

    A payment falling on a month end belongs to its series' day: a series on the 31st counts back to
    month ends (31 Mar → 29 Feb → 31 Jan), one on the 29th or 30th uses February's last day in
    February and counts back from it to the 29th or 30th again.
    """
    day = series_day if is_month_end(end) and series_day > end.day else end.day
    return add_months(end, -months, day)


def interval_period(start: date, end: date, series_day: int = 31) -> UnitPeriod:
    """The standard period one payment interval is: a whole number of months, else weeks, else days."""
    months = _whole_months(start, end, series_day)
    if months >= 1 and _months_back(end, months, series_day) == start:
        return UnitPeriod("month", months)
    days = (end - start).days
    if days % 7 == 0:
        return UnitPeriod("week", days // 7)
    return UnitPeriod("day", days)


def is_semimonthly(payment_dates: list[date]) -> bool:
    """Twice a month on two fixed days (the 1st and 16th, the 15th and the month end...).

    Payments every 14 days are biweekly (26 a year), not semimonthly (24), even where they fall on
    two fixed days: two payments, or the 1st and 15th of a non-leap February and March. A semimonthly
    series shows a gap other than 14 days within a month or two.
    """
    if len(payment_dates) < 2:
        return False
    days = {31 if is_month_end(day) else day.day for day in payment_dates}
    per_month = Counter((day.year, day.month) for day in payment_dates)
    gaps = [(later - earlier).days for earlier, later in pairwise(payment_dates)]
    low, high = SEMIMONTH_DAYS_RANGE
    if all(gap == BIWEEKLY_DAYS for gap in gaps):
        return False
    return len(days) == 2 and max(per_month.values()) <= 2 and all(low <= gap <= high for gap in gaps)


def infer_unit_period(advance_date: date, payment_dates: list[date]) -> UnitPeriod:
    """The unit period of a transaction (Appendix J (b)(4)).

    The periods are the intervals from the advance to the first payment and between payments; the
    unit period is the one that occurs most often (the smaller on a tie). When none occurs twice, it
    is their average rounded to the nearest standard interval (the smaller when equally near).
    """
    if len(payment_dates) == 1:
        return single_payment_period(advance_date, payment_dates[0])
    if is_semimonthly(payment_dates):
        return UnitPeriod("semimonth")
    series_day = max(day.day for day in payment_dates)
    dates = [advance_date, *payment_dates]
    intervals = [interval_period(earlier, later, series_day) for earlier, later in pairwise(dates)]
    counts = Counter(intervals)
    top = max(counts.values())
    if top == 1:
        return _nearest_standard(intervals)
    common = [period for period, count in counts.items() if count == top]
    return min(common, key=UnitPeriod.sort_key)


def _nearest_standard(intervals: list[UnitPeriod]) -> UnitPeriod:
    """The average interval rounded to the nearest standard interval: a day, a semimonth, or weeks or
    months up to a year."""
    average = sum(period.sort_key() for period in intervals) / len(intervals)
    standards = [UnitPeriod("day"), UnitPeriod("semimonth")]
    standards += [UnitPeriod("week", weeks) for weeks in range(1, 53)]
    standards += [UnitPeriod("month", months) for months in range(1, 13)]
    return min(standards, key=lambda period: (abs(period.sort_key() - average), period.sort_key()))


def single_payment_period(advance_date: date, payment_date: date) -> UnitPeriod:
    """A single-payment loan's unit period is its term, capped at a year (Appendix J (b)(3)(ii), (b)(5)(v)-(vi))."""
    months = _whole_months(advance_date, payment_date)
    if months >= 12:
        return UnitPeriod("month", 12)
    if months >= 1 and _months_back(payment_date, months) == advance_date:
        return UnitPeriod("month", months)
    return UnitPeriod("day", (payment_date - advance_date).days)


def time_in_periods(start: date, end: date, unit: UnitPeriod, series_day: int = 31) -> tuple[int, Fraction]:
    """Whole unit periods and the fraction of one between two dates (Appendix J (b)(5)).

    `series_day` is the day of the month the payments are scheduled on (the largest, for month ends).
    """
    if unit.kind in ("day", "week"):
        unit_days = unit.count * (7 if unit.kind == "week" else 1)
        whole, odd_days = divmod((end - start).days, unit_days)
        return whole, Fraction(odd_days, unit_days)
    months = _whole_months(start, end, series_day)
    odd_days = (_months_back(end, months, series_day) - start).days
    if unit.kind == "month" and unit.count == 12:
        return years_and_fraction(start, end, months, odd_days, series_day)
    if unit.kind == "month" and unit.count == 1:
        return months, Fraction(odd_days, 30)
    unit_days = 15 * unit.count if unit.kind == "semimonth" else 30 * unit.count
    whole, odd = divmod(30 * months + odd_days, unit_days)
    return whole, Fraction(odd, unit_days)


def years_and_fraction(
    start: date, end: date, months: int, odd_days: int, series_day: int
) -> tuple[int, Fraction]:
    """Full years back from `end`, then the rest as months over 12 if whole months, else days over 365."""
    years, months_left = divmod(months, 12)
    if odd_days == 0:
        return years, Fraction(months_left, 12)
    return years, Fraction((_months_back(end, 12 * years, series_day) - start).days, DAYS_IN_YEAR_APR)
