"""Due dates of a schedule."""

from __future__ import annotations

from datetime import date

from creditline.lending.calendar import add_months, days_in_month, step
from creditline.lending.schedule_terms import Frequency, Method, ScheduleTerms


def due_dates(terms: ScheduleTerms) -> list[date]:
    """The due date of each installment; month-end rolling keeps the anchor day (31 Jan → 28/29 Feb → 31 Mar).

    A bullet loan has one due date, at the end of its `installments` periods.
    """
    anchor = terms.anchor_day
    frequency = terms.frequency.value
    if terms.first_due is not None:
        first = terms.first_due
    elif terms.frequency is Frequency.MONTHLY:
        first = add_months(terms.disbursed, terms.every, anchor)
    else:
        first = step(terms.disbursed, frequency, terms.every, 1, anchor)
    if terms.method is Method.BULLET:
        return [step(first, frequency, terms.every, terms.installments - 1, anchor)]
    if terms.frequency is Frequency.MONTHLY:
        return _monthly(first, terms.every, terms.installments, anchor)
    return [step(first, frequency, terms.every, k, anchor) for k in range(terms.installments)]


def _monthly(first: date, every: int, count: int, anchor: int) -> list[date]:
    """`count` monthly due dates from `first` on the anchor day (the hot path: no per-date calls)."""
    dates = [first]
    month_index = first.year * 12 + first.month - 1
    for _ in range(count - 1):
        month_index += every
        year, month_zero = divmod(month_index, 12)
        day = anchor if anchor <= 28 else min(anchor, days_in_month(year, month_zero + 1))
        dates.append(date(year, month_zero + 1, day))
    return dates
