"""When to ask the bank: the first debit on the borrower's payday when it falls inside the grace days,
and the retries spread over the grace days rather than spent on the first one.

A debit asked for the day before the salary arrives fails, costs a bank fee and a worried borrower;
the same debit two days later succeeds. So within the window [due date, due date + grace days]:

- the **first attempt** is on the due date, or on the first payday on or after it when that payday is
  inside the window;
- the **retries** (`attempts_in_grace` in all) are spread evenly from the first attempt to the last
  day of grace, whole days, never two on one day;
- after the window the policy's own rule (`DebitPolicy.attempt_today`) takes over.

A payday is a day of the month (1–31); in a shorter month it is that month's last day, which is
when employers pay. Pure functions; `attempt_day_mask` answers for many loans at once (numpy) with
the same rule, through the few distinct (due date, payday) pairs a book has.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

GRACE_DAYS_MAX = 31
ATTEMPTS_MAX = 10
NO_PAYDAY = 0


def payday_in_month(year: int, month: int, payday: int) -> date:
    """The payday of a month: that day, or the month's last day when the month is shorter."""
    assert 1 <= payday <= 31, "a payday is a day of the month"
    return date(year, month, min(payday, calendar.monthrange(year, month)[1]))


def first_payday_on_or_after(day: date, payday: int) -> date:
    this_month = payday_in_month(day.year, day.month, payday)
    if this_month >= day:
        return this_month
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return payday_in_month(year, month, payday)


def attempt_dates(due: date, grace_days: int, attempts: int, payday: int | None) -> list[date]:
    """The days inside [due, due + grace_days] on which to ask, in order (at least one: the first)."""
    assert 0 <= grace_days <= GRACE_DAYS_MAX, "grace is a bounded number of days"
    assert 1 <= attempts <= ATTEMPTS_MAX, "a bounded number of attempts"
    last = due + timedelta(days=grace_days)
    first = due
    if payday:
        on_payday = first_payday_on_or_after(due, payday)
        if on_payday <= last:
            first = on_payday
    span = (last - first).days
    if attempts == 1 or span == 0:
        return [first]
    offsets = sorted({i * span // (attempts - 1) for i in range(attempts)})
    return [first + timedelta(days=offset) for offset in offsets]


def attempt_day_mask(
    today: date, days_past_due: np.ndarray, paydays: np.ndarray, grace_days: int, attempts: int
) -> np.ndarray:
    """For loans `days_past_due` late today with these paydays (0: unknown), whether today is one of
    their attempt days inside grace. Loans past grace answer False (the policy's rule decides them)."""
    assert days_past_due.shape == paydays.shape, "one payday per loan"
    result = np.zeros(days_past_due.shape, dtype=np.bool_)
    inside = (days_past_due >= 0) & (days_past_due <= grace_days)
    if not inside.any():
        return result
    pairs = np.unique(np.stack((days_past_due[inside], paydays[inside]), axis=1), axis=0)
    for late, payday in pairs.tolist():
        due = today - timedelta(days=late)
        if today in attempt_dates(due, grace_days, attempts, payday or None):
            result |= inside & (days_past_due == late) & (paydays == payday)
    return result


def learn_payday(inflow_days: Sequence[date], *, months_min: int = 2) -> int | None:
    """The day of the month salaries arrive, from the dates of large inflows: the most frequent day
    (the earliest of a tie), if it recurs in at least `months_min` distinct months; else unknown."""
    months_by_day: dict[int, set[tuple[int, int]]] = {}
    for day in inflow_days:
        months_by_day.setdefault(day.day, set()).add((day.year, day.month))
    if not months_by_day:
        return None
    best = max(sorted(months_by_day), key=lambda d: len(months_by_day[d]))
    return best if len(months_by_day[best]) >= months_min else None
