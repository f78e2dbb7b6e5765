"""Recording a promise to pay, and reading a loan's promises.

The overdue amount and what is owed come from a replay of the loan on the business date; the loan's
cumulative cash paid is stored with the promise, so end of day can tell how much arrived since.
One pending promise per loan: a second one while the first runs would make "kept" ambiguous; and none
after the strategy's number of broken promises in its window (`promise_limit_reached`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of
from creditline.app.collections import lock_borrower
from creditline.app.collections_stage import item_of_row, item_values, promise_of
from creditline.app.common import business_date, new_id
from creditline.app.errors import LoanNotFound
from creditline.servicing.collections_errors import PromiseInvalid, WorkItemNotFound
from creditline.servicing.collections_promises import PromiseStatus, check_promise, check_promises_broken
from creditline.servicing.collections_queue import Outcome, record_outcome
from creditline.servicing.collections_strategy import Strategy, builtin_strategy
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository


@dataclass(frozen=True, slots=True)
class MakePromise:
    loan_id: str
    amount: str  # major units as text
    due_on: date
    operator: str
    item_id: str | None = None


def make_promise(engine: Engine, command: MakePromise, strategy: Strategy | None = None) -> dict[str, Any]:
    from creditline.lending.loan import CLOSED_STATUSES, InstallmentStatus, replay
    from creditline.money import Money

    strategy = strategy or builtin_strategy()
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repository = CollectionsRepository(uow.connection)
        record = uow.loans.get(command.loan_id)
        if record is None:
            raise LoanNotFound(f"no loan {command.loan_id!r}", field="loan")
        lock_borrower(uow, record.borrower_id)
        state = replay(contract_of(uow, record), uow.loans.events(record.loan_id), on)
        if state.status in CLOSED_STATUSES:
            raise PromiseInvalid(f"the loan is {state.status}: nothing to promise", field="loan")
        if repository.pending_promises([record.loan_id]):
            raise PromiseInvalid("the loan has a pending promise already", field="loan", code="promise_pending")
        earlier = [promise_of(row) for row in repository.promises(record.loan_id)]
        broken_on = [p.settled_on for p in earlier if p.status is PromiseStatus.BROKEN and p.settled_on is not None]
        check_promises_broken(broken_on, on, strategy.promises)
        amount = Money.parse(command.amount, record.currency, field="amount")
        overdue_rows = [row.outstanding for row in state.installments if row.status is InstallmentStatus.OVERDUE]
        overdue = sum(overdue_rows, Money.zero(record.currency)) + state.penalty_receivable
        check_promise(amount, command.due_on, on, overdue, state.total_receivable, strategy.promises)
        promise_id = new_id("PR")
        repository.add_promise({
            "promise_id": promise_id, "loan_id": record.loan_id, "borrower_id": record.borrower_id,
            "amount_minor": amount.minor, "currency": record.currency.code, "made_on": on, "due_on": command.due_on,
            "cash_in_at_promise_minor": state.totals.cash_in.minor, "status": "pending", "paid_minor": 0,
            "settled_on": None, "item_id": command.item_id, "operator": command.operator[:64],
            "strategy": strategy.label,
        })  # fmt: skip
        if command.item_id is not None:
            row = repository.item(command.item_id, for_update=True)
            if row is None or row["loan_id"] != record.loan_id:
                raise WorkItemNotFound(f"no work item {command.item_id!r} for loan {record.loan_id}", field="item")
            item = record_outcome(item_of_row(row), Outcome.PROMISE, on)
            repository.save_item(item.item_id, item_values(item))
        uow.commit()
    return {"promise_id": promise_id, "loan_id": record.loan_id, "amount": amount.amount_str(),
            "currency": record.currency.code, "due_on": command.due_on.isoformat(), "status": "pending",
            "overdue": overdue.amount_str(), "owed": state.total_receivable.amount_str()}  # fmt: skip


def loan_promises(engine: Engine, loan_id: str) -> dict[str, Any]:
    from creditline.money import Money

    with UnitOfWork(engine, read_only=True) as uow:
        rows = CollectionsRepository(uow.connection).promises(loan_id)
    promises = [promise_of(row) for row in rows]
    return {
        "loan_id": loan_id,
        "promises": [
            {"promise_id": p.promise_id, "amount": p.amount.amount_str(), "currency": p.amount.currency.code,
             "made_on": p.made_on.isoformat(), "due_on": p.due_on.isoformat(), "status": p.status.value,
             "paid": Money(p.paid_minor, p.amount.currency).amount_str(),
             "settled_on": None if p.settled_on is None else p.settled_on.isoformat()}
            for p in promises
        ],
    }  # fmt: skip
