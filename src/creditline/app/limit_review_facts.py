"""The facts a limit review needs about one line, from the store: its loans replayed for their payment
history, failed auto-debits, live early-warning signals, the last raise, and the income the line was
approved on (the origination record), all as of the business date.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from creditline.app.catalogue import contract_of
from creditline.lending.loan import CLOSED_STATUSES, replay
from creditline.servicing.behaviour import BehaviourInputs, Scorecard, percent_floor, score
from creditline.servicing.behaviour_history import NO_HISTORY, PaymentRecord, payment_record
from creditline.servicing.limit_review import LineFacts
from creditline.store import UnitOfWork
from creditline.store.collections_repository import ReviewRepository
from creditline.store.line_repository import LineRecord
from creditline.store.servicing_repository import ServicingRepository

FAILED_DEBIT_OUTCOMES = ("insufficient_funds", "declined")
FAILED_DEBIT_DAYS = 90
MONTHS_IN_YEAR = 12


def whole_months(start: date, end: date) -> int:
    """Complete months from `start` to `end` (a month is complete on the same day of the month)."""
    months = (end.year - start.year) * MONTHS_IN_YEAR + end.month - start.month
    return max(0, months - (end.day < start.day))


def line_facts(uow: UnitOfWork, record: LineRecord, on: date, card: Scorecard) -> tuple[LineFacts, BehaviourInputs]:
    line = record.line
    history, days_past_due_now = _loan_history(uow, line.line_id, on)
    failed = _failed_debit_days(uow, line.line_id, on)
    repository = ReviewRepository(uow.connection)
    inputs = BehaviourInputs(
        tenure_months=whole_months(record.opened_on, on),
        utilisation_pct=percent_floor(line.outstanding_principal.minor, line.limit.minor) if line.limit.is_positive() else 100,
        on_time_pct=None if history.installments_due == 0 else percent_floor(history.installments_on_time,
                                                                              history.installments_due),
        days_past_due_max_12m=history.days_past_due_max,
        days_past_due_now=days_past_due_now,
        failed_debits_90d=failed,
    )  # fmt: skip
    last_raise = repository.last_raises([line.line_id]).get(line.line_id)
    income_annual, other_balance = _income(uow, line.line_id)
    facts = LineFacts(
        line_id=line.line_id,
        borrower_id=line.borrower_id,
        status=line.status,
        limit=line.limit,
        outstanding=line.outstanding_principal,
        tenure_months=inputs.tenure_months,
        record=history,
        days_past_due_now=days_past_due_now,
        score=score(inputs, card),
        open_signals=frozenset(repository.live_signals_by_borrower([line.borrower_id]).get(line.borrower_id, set())),
        days_since_last_raise=None if last_raise is None else (on - last_raise).days,
        income_annual_minor=income_annual,
        other_lenders_balance_minor=other_balance,
    )
    return facts, inputs


def _loan_history(uow: UnitOfWork, line_id: str, on: date) -> tuple[PaymentRecord, int]:
    history = NO_HISTORY
    days_past_due_now = 0
    for loan_id in uow.loans.ids_of_line(line_id):
        record = uow.loans.get(loan_id)
        assert record is not None, "a line's loan exists"
        contract = contract_of(uow, record)
        events = uow.loans.events(loan_id)
        state = replay(contract, events, on)
        history = history.combine(payment_record(contract, state, events, on))
        if state.status not in CLOSED_STATUSES:
            days_past_due_now = max(days_past_due_now, state.days_past_due)
    return history, days_past_due_now


def _failed_debit_days(uow: UnitOfWork, line_id: str, on: date) -> int:
    """Days in the last 90 on which an auto-debit of one of the line's loans collected nothing."""
    from creditline.store.tables import loans
    from creditline.store.tables_servicing import debit_attempts

    d = debit_attempts.c
    query = (
        select(func.count(func.distinct(d.business_date)))
        .select_from(debit_attempts.join(loans, loans.c.loan_id == d.loan_id))
        .where(loans.c.line_id == line_id, d.outcome.in_(FAILED_DEBIT_OUTCOMES),
               d.business_date > on - timedelta(days=FAILED_DEBIT_DAYS), d.business_date <= on)
    )  # fmt: skip
    return int(uow.connection.execute(query).scalar_one() or 0)


def _income(uow: UnitOfWork, line_id: str) -> tuple[int | None, int]:
    """(annual income, online micro-loan balance at other lenders) as the line's approval recorded them."""
    record: dict[str, Any] = ServicingRepository(uow.connection).origination_record_of_line(line_id) or {}
    inputs = record.get("limit_inputs") or {}
    if not inputs or inputs.get("income_monthly_minor") is None:
        return None, 0
    annual = inputs.get("income_annual_average_minor")
    if annual is None:
        annual = int(inputs["income_monthly_minor"]) * MONTHS_IN_YEAR
    return int(annual), int(inputs.get("online_microloan_balance_minor") or 0)
