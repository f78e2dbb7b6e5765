"""Days on which an auto-debit collected nothing, kept between days by a long batch (the simulator).

Early warning (failed debits per loan in its window) and the limit review (per line in the last 90
days) count the days on which an attempt on a loan failed (`insufficient_funds`, `declined`) and no
other round or source collected on that loan that day. Asked of the database, that is a scan of the
whole window's attempts with a look for a collecting one beside each, every day: on a book of
10,000 borrowers it was 7 % of a year's simulation, and it grows with the book and the window.

An attempt's outcome is final once it leaves `pending` or `unknown` (`record_outcomes` overwrites
only those), and a new attempt carries the business date of the run that plans it. So an engine
that keeps values between days (`store.batch_memory`: the simulator, its database's only writer)
keeps each day's failed (loan, borrower) pairs once read, and each run reads again only the days
that can still move: from the last day it read, or from the oldest attempt that was still open when
it read, whichever is earlier. Everyone else (`creditline eod`, `alerts check`, the API) gets None
from `failed_days` and asks the database as before; `tests/integration` holds the two equal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, bindparam, select

from creditline.app.alerts_stage import COLLECTED_OUTCOMES, FAILED_DEBIT_OUTCOMES
from creditline.store import UnitOfWork
from creditline.store.tables_servicing_debits import OPEN_OUTCOMES

FAILED_OUTCOMES = frozenset(FAILED_DEBIT_OUTCOMES)
COLLECTED = frozenset(COLLECTED_OUTCOMES)
OPEN = frozenset(OPEN_OUTCOMES)
KEPT_NAME = "failed-debit-days"  # batch_memory: the one FailedDays of the engine
DAYS_KEPT = 400  # the longest window asked (early warning's at most 365, the review's 90), and a margin


@dataclass
class FailedDays:
    """Per business date, the (loan, borrower) pairs whose attempts failed that day and collected nothing."""

    by_day: dict[date, list[tuple[str, str]]] = field(default_factory=dict)
    read_from: date | None = None  # the first day the next read must take again (None: nothing read yet)
    fresh_on: date | None = None  # read on this business date, and no auto-debit run since
    line_of: dict[str, str] = field(default_factory=dict)  # loan -> line (a loan never changes line)

    def by_loan(self, on: date, window_days: int) -> dict[tuple[str, str], int]:
        """Failed days per (loan, borrower) in (on - window_days, on], as `alerts_stage._failed_debits` counts."""
        counts: Counter[tuple[str, str]] = Counter()
        for day in _days(on, window_days):
            counts.update(self.by_day.get(day, ()))
        return dict(counts)

    def by_line(self, on: date, window_days: int, line_ids: set[str]) -> dict[str, int]:
        """Distinct failed days per line of `line_ids` in (on - window_days, on] (the review's count)."""
        counts: Counter[str] = Counter()
        for day in _days(on, window_days):
            lines = {self.line_of.get(loan_id) for loan_id, _ in self.by_day.get(day, ())}
            counts.update(line_ids.intersection(lines))
        return dict(counts)


def _days(on: date, window_days: int) -> list[date]:
    return [on - timedelta(days=back) for back in range(window_days)]


def failed_days(uow: UnitOfWork, on: date) -> FailedDays | None:
    """The kept failed days, brought up to `on`; None when the engine keeps nothing between days."""
    from creditline.store.batch_memory import kept

    memory = kept(uow.connection, KEPT_NAME)
    if memory is None:
        return None
    found = memory.setdefault(KEPT_NAME, FailedDays())
    if found.fresh_on != on:
        _read(uow, found, found.read_from or date.min, on)
        found.fresh_on = on
    return found


def attempts_written(engine: Engine) -> None:
    """The auto-debit stage writes attempts: the next reader reads the days that can move again."""
    from creditline.store.batch_memory import kept_of_engine

    memory = kept_of_engine(engine, KEPT_NAME)
    if memory is not None and KEPT_NAME in memory:
        memory[KEPT_NAME].fresh_on = None


def _read(uow: UnitOfWork, found: FailedDays, start: date, on: date) -> None:
    """Read the attempts of days `start`..`on` again, and note where the next read must start."""
    failed: dict[date, dict[tuple[str, str], None]] = {}
    collected: set[tuple[str, date]] = set()
    open_from = on  # the last day is read again next time: a later run the same day may add attempts
    for loan_id, borrower_id, day, outcome in uow.connection.execute(_attempts_query(), {"start": start, "on": on}):
        if outcome in FAILED_OUTCOMES:
            failed.setdefault(day, {})[(loan_id, borrower_id)] = None
        elif outcome in COLLECTED:
            collected.add((loan_id, day))
        elif outcome in OPEN:
            open_from = min(open_from, day)
    for day in [d for d in found.by_day if d >= start]:
        del found.by_day[day]
    for day, pairs in failed.items():
        kept = sorted(pair for pair in pairs if (pair[0], day) not in collected)
        if kept:
            found.by_day[day] = kept
    for day in [d for d in found.by_day if d <= on - timedelta(days=DAYS_KEPT)]:
        del found.by_day[day]
    found.read_from = open_from
    _learn_lines(uow, found)


def _learn_lines(uow: UnitOfWork, found: FailedDays) -> None:
    from creditline.store.tables import loans
    from creditline.store.tables_servicing import chunks

    c = loans.c
    unknown = sorted({loan_id for pairs in found.by_day.values() for loan_id, _ in pairs} - found.line_of.keys())
    for part in chunks(unknown):
        found.line_of.update(uow.connection.execute(select(c.loan_id, c.line_id).where(c.loan_id.in_(part))).all())


@cache
def _attempts_query() -> Any:
    from creditline.store.tables_servicing import debit_attempts

    a = debit_attempts.c
    return select(a.loan_id, a.borrower_id, a.business_date, a.outcome).where(
        a.business_date >= bindparam("start"), a.business_date <= bindparam("on")
    )
