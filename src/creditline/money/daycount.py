"""Day-count conventions: how many days a period has and what fraction of a year that is.

30/360 is the US (ISDA "bond basis") rule; 30E/360 the Eurobond rule. ACT/ACT is ISDA's: the days
falling in a leap year count over 366, the others over 365.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from enum import StrEnum

from creditline.money.errors import InvalidDate
from creditline.money.rounding import CONTEXT, divide


class DayCount(StrEnum):
    ACT_365F = "act/365"
    ACT_360 = "act/360"
    ACT_364 = "act/364"
    ACT_ACT_ISDA = "act/act"
    THIRTY_360 = "30/360"
    THIRTY_E_360 = "30e/360"

    @classmethod
    def from_settings(cls, days_in_year: int | str, days_in_month: int | str) -> DayCount:
        """Map loan-engine settings (days in year 360/364/365/actual, days in month 30/actual)."""
        in_month = str(days_in_month)
        in_year = str(days_in_year)
        if in_month == "30":
            return cls.THIRTY_360 if in_year == "360" else _thirty_over(in_year)
        return {
            "360": cls.ACT_360,
            "364": cls.ACT_364,
            "365": cls.ACT_365F,
            "actual": cls.ACT_ACT_ISDA,
        }[in_year]


def _thirty_over(in_year: str) -> DayCount:
    raise InvalidDate(f"30-day months are only defined over a 360-day year, not {in_year}", field="days_in_year")


def days_30_360(start: date, end: date, *, european: bool = False) -> int:
    d1, d2 = start.day, end.day
    if european:
        d1 = min(d1, 30)
        d2 = min(d2, 30)
    else:
        if d1 == 31:
            d1 = 30
        if d2 == 31 and d1 == 30:
            d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def day_count(start: date, end: date, convention: DayCount) -> int:
    """Days in [start, end) under the convention (negative when end precedes start)."""
    if convention is DayCount.THIRTY_360:
        return days_30_360(start, end)
    if convention is DayCount.THIRTY_E_360:
        return days_30_360(start, end, european=True)
    return (end - start).days


def days_in_year(convention: DayCount, year: int) -> int:
    if convention in (DayCount.ACT_360, DayCount.THIRTY_360, DayCount.THIRTY_E_360):
        return 360
    if convention is DayCount.ACT_364:
        return 364
    if convention is DayCount.ACT_ACT_ISDA:
        return 366 if calendar.isleap(year) else 365
    return 365


def year_fraction(start: date, end: date, convention: DayCount) -> Decimal:
    """The period [start, end) as a fraction of a year, exact in Decimal."""
    if end < start:
        return -year_fraction(end, start, convention)
    if convention is not DayCount.ACT_ACT_ISDA:
        return divide(day_count(start, end, convention), days_in_year(convention, start.year))
    fraction = Decimal(0)
    cursor = start
    while cursor < end:
        year_end = date(cursor.year + 1, 1, 1)
        stop = min(end, year_end)
        # CONTEXT.add, not +=: a bare + would round to whatever precision the caller set globally.
        fraction = CONTEXT.add(fraction, divide((stop - cursor).days, days_in_year(convention, cursor.year)))
        cursor = stop
    return fraction
