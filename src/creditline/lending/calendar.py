"""Repayment calendars: due dates by months, weeks or days, with month-end rolling.

A monthly schedule is anchored on one day of the month (the first due date's, or the disbursement's)
and every due date is computed from that anchor, never from the previous due date: a loan disbursed
on 31 January falls due on 28/29 February and then on 31 March again, not on the 28th for ever.
"""

from __future__ import annotations

from datetime import date, timedelta

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """`start` moved by `months` calendar months onto `anchor_day` (default: start's day), clamped to month end."""
    year, month_zero = divmod(start.year * 12 + start.month - 1 + months, 12)
    day = start.day if anchor_day is None else anchor_day
    if day > 28:
        day = min(day, days_in_month(year, month_zero + 1))
    return date(year, month_zero + 1, day)


def months_between_anchored(start: date, end: date, anchor_day: int) -> tuple[int, date]:
    """Whole months that fit in [start, end) counted back from `end` on the anchor day, and where they begin.

    Counting back from the due date is what makes a broken first period "one month plus the odd days
    before it": the odd days sit at the start of the period, as the borrower experiences them.
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    while months > 0 and add_months(end, -months, anchor_day) < start:
        months -= 1
    return months, add_months(end, -months, anchor_day) if months else end


def is_month_end(day: date) -> bool:
    return day.day == days_in_month(day.year, day.month)


def step(start: date, frequency: str, every: int, count: int, anchor_day: int) -> date:
    """The date `count` repayment steps after `start` (frequency "monthly", "weekly" or "daily")."""
    if frequency == "monthly":
        return add_months(start, every * count, anchor_day)
    if frequency == "weekly":
        return start + timedelta(days=7 * every * count)
    return start + timedelta(days=every * count)
