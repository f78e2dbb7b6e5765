"""Due dates of a schedule."""

from __future__ import annotations

from datetime import date

from creditline.lending.calendar import add_months, step
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
    return [step(first, frequency, terms.every, k, anchor) for k in range(terms.installments)]
