"""The facts a limit review needs about its lines, from the store: their loans replayed for the payment
history, failed auto-debits, live early-warning signals, the last raise, and the income each line was
approved on (the origination record), all as of the business date.

Read for a batch of lines at a time — one query per kind of fact, not per line — because a day's review
can cover tens of thousands of lines; only the replays are per loan.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from creditline.app.catalogue import contract_of
from creditline.lending.loan import CLOSED_STATUSES, LoanEvent, LoanStatus
from creditline.lending.loan.standing import standing
from creditline.servicing.behaviour import BehaviourInputs, Scorecard, percent_floor, score
from creditline.servicing.behaviour_history import NO_HISTORY, PaymentRecord, standing_record
from creditline.servicing.limit_review import LineFacts, usage_limit
from creditline.store import UnitOfWork
from creditline.store.collections_repository import PAGE_MAX, ReviewRepository
from creditline.store.line_repository import LineRecord
from creditline.store.loan_repository import _event_of
from creditline.store.tables import loan_events, loans

FAILED_DEBIT_OUTCOMES = ("insufficient_funds", "declined")
FAILED_DEBIT_DAYS = 90
MONTHS_IN_YEAR = 12


@dataclass(frozen=True, slots=True)
class LoanHead:
    """What `contract_of` reads of a loan row."""

    loan_id: str
    borrower_id: str
    line_id: str
    product_id: str
    product_version: int
    terms_json: str


def whole_months(start: date, end: date) -> int:
    """Complete months from `start` to `end` (a month is complete on the same day of the month)."""
    months = (end.year - start.year) * MONTHS_IN_YEAR + end.month - start.month
    return max(0, months - (end.day < start.day))


def lines_facts(uow: UnitOfWork, records: Sequence[LineRecord], on: date, card: Scorecard) -> list[tuple[LineFacts, BehaviourInputs]]:
    line_ids = [r.line.line_id for r in records]
    histories = _histories(uow, line_ids, on)
    failed = _failed_debit_days(uow, line_ids, on)
    repository = ReviewRepository(uow.connection)
    raised = repository.last_raises(line_ids)
    cuts = repository.cuts(line_ids)
    draws = _last_draws(uow, line_ids)
    newest_alerts = repository.newest_alerts_by_borrower([r.line.borrower_id for r in records])
    signals = repository.live_signals_by_borrower([r.line.borrower_id for r in records])
    incomes = _incomes(uow, {r.line.line_id: r.line.borrower_id for r in records})
    late_by_line = _late_loans_by_line(uow, [r.line.borrower_id for r in records])
    found = []
    for record in records:
        line = record.line
        history, days_past_due_now, written_off = histories.get(line.line_id, (NO_HISTORY, 0, 0))
        last_raise = raised.get(line.line_id)
        line_cuts = cuts.get(line.line_id, [])
        usage_minor = usage_limit(line.limit.minor, line_cuts, draws.get(line.line_id), last_raise)
        inputs = _inputs(record, on, history, days_past_due_now, failed.get(line.line_id, 0), usage_minor)
        income_annual, elsewhere = incomes.get(line.line_id, (None, 0))
        facts = LineFacts(
            line_id=line.line_id, borrower_id=line.borrower_id, status=line.status, limit=line.limit,
            outstanding=line.outstanding_principal, tenure_months=inputs.tenure_months, record=history,
            days_past_due_now=days_past_due_now, score=score(inputs, card),
            open_signals=frozenset(signals.get(line.borrower_id, set())),
            days_since_last_raise=None if last_raise is None else (on - last_raise).days,
            income_annual_minor=income_annual, other_lenders_balance_minor=elsewhere, loans_written_off=written_off,
            days_past_due_elsewhere=max((days for other, days in late_by_line.get(line.borrower_id, {}).items()
                                         if other != line.line_id), default=0),
            last_cut_on=max((day for day, _ in line_cuts), default=None), usage_limit_minor=usage_minor,
            newest_alert_on=newest_alerts.get(line.borrower_id),
        )  # fmt: skip
        found.append((facts, inputs))
    return found


def _inputs(record: LineRecord, on: date, history: PaymentRecord, days_past_due_now: int, failed: int,
            usage_minor: int) -> BehaviourInputs:  # fmt: skip
    line = record.line
    used = percent_floor(line.outstanding_principal.minor, usage_minor) if usage_minor > 0 else 100
    on_time = None if history.installments_due == 0 else percent_floor(history.installments_on_time,
                                                                       history.installments_due)  # fmt: skip
    return BehaviourInputs(whole_months(record.opened_on, on), used, on_time, history.days_past_due_max,
                           days_past_due_now, failed)  # fmt: skip


def _histories(uow: UnitOfWork, line_ids: Sequence[str], on: date) -> dict[str, tuple[PaymentRecord, int, int]]:
    """Per line: the payment record of all its loans, the most any open one is past due, and how many were
    written off.

    A closed loan's standing no longer moves once its last event is behind it; an engine that keeps
    values between days (`batch_memory`) keeps such a loan's contract, events and standing under the
    loan's version (every change of a loan raises it) and replays it no more. Its payment record is
    still counted as of `on` (its window moves)."""
    from creditline.store.batch_memory import kept

    closed = kept(uow.connection, CLOSED_LOANS_KEPT)
    heads: list[tuple[LoanHead, int]] = []
    c = loans.c
    for part in _parts(line_ids):
        query = select(c.loan_id, c.borrower_id, c.line_id, c.product_id, c.product_version, c.terms_json, c.version)
        heads += [(LoanHead(*row[:6]), row[6]) for row in uow.connection.execute(query.where(c.line_id.in_(part)))]
    replayed = [h.loan_id for h, version in heads if closed is None or closed.get(h.loan_id, (None,))[0] != version]
    folds = _OpenFolds(uow, replayed, on)
    found: dict[str, tuple[PaymentRecord, int, int]] = {}
    for head, version in heads:
        known = None if closed is None else closed.get(head.loan_id)
        if known is not None and known[0] == version:
            _, contract, history, now = known
        else:
            contract, history, now = folds.standing(uow, head)
            if closed is not None and now.status in CLOSED_STATUSES and all(e.effective_date < on for e in history):
                closed[head.loan_id] = (version, contract, history, now)
        record, late, written_off = found.get(head.line_id, (NO_HISTORY, 0, 0))
        late = max(late, now.days_past_due) if now.status not in CLOSED_STATUSES else late
        written_off += now.status is LoanStatus.WRITTEN_OFF
        found[head.line_id] = (record.combine(standing_record(contract, now, history, on)), late, written_off)
    return found


CLOSED_LOANS_KEPT = "closed-loan-standings"  # batch_memory: loan id -> (version, contract, events, standing)
OPEN_LOANS_KEPT = "loan-folds"  # batch_memory: loan id -> (contract, the fold's checkpoint at its last review)


class _OpenFolds:
    """The standings of the loans the closed-loan memory does not hold, as of `on`.

    Alone, each loan's history is folded from its disbursement at every review. An engine that keeps
    values between days keeps, per loan, its contract and the fold's checkpoint as of the review that
    last folded it: at the next review the events recorded since (a higher sequence) are folded in from
    there as the commands that recorded them would have (`fast_path.continued`) and the book is moved on
    in time, so a year-old loan is not folded from its first day every month. A history that cannot be
    continued (a reversal, a backdated event) is folded whole, as without the memory."""

    def __init__(self, uow: UnitOfWork, loan_ids: Sequence[str], on: date) -> None:
        from creditline.store.batch_memory import kept

        self.on = on
        self.memory = kept(uow.connection, OPEN_LOANS_KEPT)
        self.events = _events(uow, loan_ids)

    def standing(self, uow: UnitOfWork, head: LoanHead) -> tuple[Any, list[LoanEvent], Any]:
        from creditline.lending.loan.standing import standing_continued, standing_from, standing_kept

        history = self.events.get(head.loan_id, [])
        known = None if self.memory is None or not history else self.memory.get(head.loan_id)
        if known is not None and known[1].day <= self.on:
            contract, checkpoint = known
            newer = [e for e in history if e.sequence > checkpoint.last_sequence]
            if not newer:
                return contract, history, standing_from(checkpoint, contract, self.on)
            found = standing_continued(checkpoint, contract, newer, self.on)
            if found is not None:
                self.memory[head.loan_id] = (contract, found[1])  # type: ignore[index]
                return contract, history, found[0]
        contract = contract_of(uow, head) if known is None else known[0]
        if self.memory is None or not history or any(e.effective_date > self.on for e in history):
            return contract, history, standing(contract, history, self.on)  # what `replay` gives, without its LoanState
        now, checkpoint = standing_kept(contract, history, self.on)
        self.memory[head.loan_id] = (contract, checkpoint)
        return contract, history, now


def _last_draws(uow: UnitOfWork, line_ids: Sequence[str]) -> dict[str, date]:
    """Per line: the day its newest loan was drawn (`ix_loans_line_id`)."""
    c = loans.c
    found: dict[str, date] = {}
    for part in _parts(line_ids):
        query = select(c.line_id, func.max(c.disbursed_on)).where(c.line_id.in_(part)).group_by(c.line_id)
        found |= dict(uow.connection.execute(query).all())
    return found


def _late_loans_by_line(uow: UnitOfWork, borrower_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per borrower, per line: the most an open loan is past due (lines with none past due left out), from the
    loans' snapshots (`ix_loans_borrower_id`); a raise needs nothing past due on any of the borrower's lines."""
    c = loans.c
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for part in _parts(borrower_ids):
        query = (select(c.borrower_id, c.line_id, func.max(c.days_past_due))
                 .where(c.borrower_id.in_(part), c.status.not_in(sorted(status.value for status in CLOSED_STATUSES)), c.days_past_due > 0)
                 .group_by(c.borrower_id, c.line_id))  # fmt: skip
        for borrower_id, line_id, days in uow.connection.execute(query):
            found[borrower_id][line_id] = int(days)
    return found


def _events(uow: UnitOfWork, loan_ids: Sequence[str]) -> dict[str, list[LoanEvent]]:
    e = loan_events.c
    found: dict[str, list[LoanEvent]] = defaultdict(list)
    for part in _parts(loan_ids):
        query = select(*loan_events.c).where(e.loan_id.in_(part)).order_by(e.loan_id, e.sequence)
        for row in uow.connection.execute(query):  # every column, in table order: what `_event_of` reads
            found[row[1]].append(_event_of(tuple(row)))
    return found


def _failed_debit_days(uow: UnitOfWork, line_ids: Sequence[str], on: date) -> dict[str, int]:
    """Per line: days in the last 90 on which an auto-debit of one of its loans collected nothing (a failed
    attempt, and no other round or source collected on that loan that day).

    The lines' loans lead (`ix_loans_line_id`, then `ix_debit_attempts_loan_id`): `coalesce` keeps SQLite
    off the outcome index, which would read every failed attempt ever made for each batch of lines."""
    from creditline.app.alerts_stage import collected_that_day
    from creditline.app.failed_debit_days import failed_days
    from creditline.store.tables_servicing import debit_attempts

    kept = failed_days(uow, on)
    if kept is not None:  # a long batch's memory of the days (app.failed_debit_days): the same counts
        return kept.by_line(on, FAILED_DEBIT_DAYS, set(line_ids))
    d, c = debit_attempts.c, loans.c
    found: dict[str, int] = {}
    for part in _parts(line_ids):
        query = (
            select(c.line_id, func.count(func.distinct(d.business_date)))
            .select_from(debit_attempts.join(loans, c.loan_id == d.loan_id))
            .where(c.line_id.in_(part), func.coalesce(d.outcome, "").in_(FAILED_DEBIT_OUTCOMES),
                   d.business_date > on - timedelta(days=FAILED_DEBIT_DAYS), d.business_date <= on,
                   ~collected_that_day(debit_attempts))
            .group_by(c.line_id)
        )  # fmt: skip
        found |= {line_id: int(days) for line_id, days in uow.connection.execute(query)}
    return found


def _incomes(uow: UnitOfWork, owners: dict[str, str]) -> dict[str, tuple[int | None, int]]:
    """Per line (`owners`: line id → borrower id): (annual income, online micro-loan balance at other
    lenders) as its approval recorded them.

    The decision that opened a line is the borrower's: the rows are found by index (borrower, or line since
    migration 0019), where a look by line alone used to read the whole table."""
    from creditline.store.batch_memory import kept
    from creditline.store.tables_origination import origination_decisions

    o = origination_decisions.c
    known = kept(uow.connection, LINE_INCOMES_KEPT)  # a long batch reads each line's record once
    found: dict[str, tuple[int | None, int]] = {}
    if known is not None:
        found = {line_id: known[line_id] for line_id in owners if line_id in known}
        owners = {line_id: borrower_id for line_id, borrower_id in owners.items() if line_id not in found}
    for part in _parts(list(owners)):
        borrowers = sorted({owners[line_id] for line_id in part})
        query = (select(o.line_id, o.record_json).where(o.borrower_id.in_(borrowers), o.line_id.in_(part))
                 .order_by(o.business_date))  # fmt: skip
        for line_id, text in uow.connection.execute(query):
            found[line_id] = _income(json.loads(text))  # the latest decision of a line wins
    if known is not None:
        known.update(found)
    return found


LINE_INCOMES_KEPT = "line-incomes"  # batch_memory: line id -> (annual income, balance elsewhere) at approval


def _income(record: dict[str, Any]) -> tuple[int | None, int]:
    inputs = record.get("limit_inputs") or {}
    if inputs.get("income_monthly_minor") is None:
        return None, 0
    annual = inputs.get("income_annual_average_minor")
    if annual is None:
        annual = int(inputs["income_monthly_minor"]) * MONTHS_IN_YEAR
    return int(annual), int(inputs.get("online_microloan_balance_minor") or 0)


def _parts(values: Sequence[str]) -> list[list[str]]:
    ordered = sorted(set(values))
    return [ordered[i : i + PAGE_MAX] for i in range(0, len(ordered), PAGE_MAX)]
