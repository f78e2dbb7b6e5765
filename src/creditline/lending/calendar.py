"""Repayment calendars: due dates by months, weeks or days, with month-end rolling.

A monthly schedule is anchored on one day of the month (the first due date's, or the disbursement's)
and every due date is computed from that anchor, never from the previous due date: a loan disbursed
on 31 January falls due on 28/29 February and then on 31 March again, not on the 28th for ever.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date, timedelta


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """`start` moved by `months` calendar months onto `anchor_day` (default: start's day), clamped to month end."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    day = anchor_day if anchor_day is not None else start.day
    last_day = _calendar.monthrange(year, month)[1]
    return date(year, month, min(day, last_day))


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
    return day.day == _calendar.monthrange(day.year, day.month)[1]


def step(start: date, frequency: str, every: int, count: int, anchor_day: int) -> date:
    """The date `count` repayment steps after `start` (frequency "monthly", "weekly" or "daily")."""
    if frequency == "monthly":
        return add_months(start, every * count, anchor_day)
    if frequency == "weekly":
        return start + timedelta(days=7 * every * count)
    return start + timedelta(days=every * count)
