"""Calendar-month arithmetic for snapshot dates: months on book and "the same date a year ago"."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import polars as pl


def month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months differ by exactly one."""
    return day.year * 12 + day.month - 1


def month_index_expr(day: pl.Expr) -> pl.Expr:
    return day.dt.year().cast(pl.Int32) * 12 + day.dt.month().cast(pl.Int32) - 1


def months_on_book(origination: date, as_of: date) -> int:
    """The project's one MOB convention: calendar months between the two dates' months.

    The origination month is MOB 0, the next calendar month MOB 1, whatever the day: a loan drawn
    on 31 January is MOB 1 on 28 February. Calendar months (not 30-day blocks) keep every loan of
    a vintage on the same MOB at each month-end snapshot.
    """
    return month_index(as_of) - month_index(origination)


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def last_complete_month_end(day: date) -> date:
    """`day` if it is a month-end, else the last day of the month before: the end of the last whole month."""
    return day if is_month_end(day) else day.replace(day=1) - timedelta(days=1)


def shift_months(day: date, months: int) -> date:
    """The same day `months` later (negative: earlier); a month-end stays a month-end."""
    index = month_index(day) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, last if is_month_end(day) else min(day.day, last))
