"""Loan use cases: draw, repay, reverse, waive, prepay, re-age, write off, show.

Each runs in one unit of work that locks the loan first and its credit line second — the same
order everywhere (a drawdown locks only the line: its new loan is invisible to others), so two
commands can never deadlock — replays the loan with the new
event, posts the change of its totals as one balanced journal entry, rewrites the snapshot, moves
the line's outstanding principal, and stores the result under the client's idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of, product_of
from creditline.app.colending_posting import add_entry, fund_drawdown
from creditline.app.common import business_date, new_id
from creditline.app.errors import LineNotFound, LoanNotFound
from creditline.app.idempotency import check_key, first_result, remember
from creditline.app.loan_views import loan_view
from creditline.app.posting import entry_for_totals
from creditline.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Draw:
    line_id: str
    amount: str  # major units as text
    term_months: int
    key: str
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Repay:
    loan_id: str
    amount: str
    key: str
    on: date | None = None  # default: the business date; earlier is a backdated repayment


@dataclass(frozen=True, slots=True)
class Reverse:
    loan_id: str
    event_id: str
    key: str
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Waive:
    loan_id: str
    amount: str
    component: str  # interest | penalty | fee(s)
    key: str
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Prepay:
    loan_id: str
    amount: str
    mode: str  # keep-term | keep-installment
    key: str
    on: date | None = None


@dataclass(frozen=True, slots=True)
class Reage:
    loan_id: str
    installments: int | None
    key: str
    on: date | None = None


@dataclass(frozen=True, slots=True)
class WriteOff:
    loan_id: str
    key: str
    on: date | None = None


def draw(engine: Engine, command: Draw) -> dict[str, Any]:
    from creditline.lending.loan import replay
    from creditline.lending.loan.contract import LoanContract
    from creditline.lending.loan.state import LoanTotals
    from creditline.money import Money

    key = check_key(command.key)
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        record = uow.lines.get(command.line_id, for_update=True)
        if record is None:
            raise LineNotFound(f"no credit line {command.line_id!r}", field="line")
        line = record.line
        product = product_of(uow, line.product_id, record.product_version)
        amount = Money.parse(command.amount, line.limit.currency, field="amount")
        method = command.method or str(product.methods[0])
        request = {"line": line.line_id, "amount_minor": amount.minor, "term": command.term_months, "method": method}
        if (prior := first_result(uow, "draw", key, request)) is not None:
            return prior
        reserved = line.reserve(amount, on)
        contract = LoanContract.draw(
            loan_id=new_id("LO"),
            borrower_id=line.borrower_id,
            line_id=line.line_id,
            product=product,
            amount=amount,
            term_months=command.term_months,
            method=method,
            rate_daily=line.rate_daily,
            disbursed=on,
        )
        event = contract.disbursement(new_id("EV"))
        state = replay(contract, [event], on)
        entry = entry_for_totals(
            before=LoanTotals.zero(amount.currency), after=state.totals, borrower_id=line.borrower_id,
            loan_id=contract.loan_id, key=f"draw:{key}", reference=f"loan-event:{event.event_id}", on=on,
            entry_id=new_id("JE"), memo=f"drawdown of {amount} on line {line.line_id}",
        )  # fmt: skip
        assert entry is not None, "a disbursement always moves money"
        uow.loans.add(contract=contract, state=state)
        uow.loans.add_events(contract.loan_id, line.borrower_id, [event], on)
        entry, funding = fund_drawdown(uow, contract=contract, state=state, entry=entry, on=on)  # co-lending
        uow.lines.save(reserved.book_drawdown(amount), line.version)
        result = loan_view(contract, state, [event], brief=True) | {"event_id": event.event_id, "entry_id": entry.entry_id}
        result |= {"funding": funding} if funding else {}
        remember(uow, "draw", key, request, result, borrower_id=line.borrower_id)
        uow.commit()
    return result


def repay(engine: Engine, command: Repay) -> dict[str, Any]:
    return _money_event(engine, "repay", command.loan_id, command.amount, command.key, command.on, "repayment", ())


def waive(engine: Engine, command: Waive) -> dict[str, Any]:
    component = {"fees": "fee"}.get(command.component, command.component)
    data = (("component", component),)
    return _money_event(engine, "waive", command.loan_id, command.amount, command.key, command.on, "waiver", data)


def prepay(engine: Engine, command: Prepay) -> dict[str, Any]:
    data = (("mode", command.mode),)
    return _money_event(
        engine, "prepay", command.loan_id, command.amount, command.key, command.on, "prepayment-reamortise", data
    )


def reverse(engine: Engine, command: Reverse) -> dict[str, Any]:
    request = {"loan": command.loan_id, "reverses": command.event_id, "on": _iso(command.on)}
    return _apply(engine, "reverse", command.loan_id, command.key, request, _event_builder("reversal", command.on, reverses=command.event_id))


def reage(engine: Engine, command: Reage) -> dict[str, Any]:
    data = () if command.installments is None else (("installments", str(command.installments)),)
    request = {"loan": command.loan_id, "installments": command.installments, "on": _iso(command.on)}
    return _apply(engine, "reage", command.loan_id, command.key, request, _event_builder("reage", command.on, data=data))


def write_off(engine: Engine, command: WriteOff) -> dict[str, Any]:
    request = {"loan": command.loan_id, "on": _iso(command.on)}
    return _apply(engine, "write-off", command.loan_id, command.key, request, _event_builder("write-off", command.on))


def show_loan(engine: Engine, loan_id: str) -> dict[str, Any]:
    from creditline.lending.loan import replay

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        record = uow.loans.get(loan_id)
        if record is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        contract = contract_of(uow, record)
        events = uow.loans.events(loan_id)
    return loan_view(contract, replay(contract, events, on), events, brief=False)


# -- the shared path of every command on an existing loan -------------------------------------------

EventBuilder = Callable[[Any, date, int], Any]  # (currency, business date, sequence) -> LoanEvent


def _money_event(
    engine: Engine, scope: str, loan_id: str, amount_text: str, key: str, on: date | None, kind: str, data: tuple
) -> dict[str, Any]:
    request = {"loan": loan_id, "amount": amount_text, "on": _iso(on), "data": [list(d) for d in data]}
    return _apply(engine, scope, loan_id, key, request, _event_builder(kind, on, amount_text=amount_text, data=data))


def _event_builder(
    kind: str, on: date | None, *, amount_text: str | None = None, reverses: str | None = None, data: tuple = ()
) -> EventBuilder:
    def build(cur: Any, today: date, sequence: int) -> Any:
        from creditline.lending.loan.events import LoanEvent
        from creditline.money import Money

        amount = None if amount_text is None else Money.parse(amount_text, cur, field="amount")
        return LoanEvent(new_id("EV"), kind, on or today, sequence, amount, reverses, data)

    return build


def _apply(engine: Engine, scope: str, loan_id: str, key: str, request: dict[str, Any], build: EventBuilder) -> dict[str, Any]:
    from creditline.lending.loan import replay, validate_event

    key = check_key(key)
    with UnitOfWork(engine) as uow:
        today = business_date(uow)
        record = uow.loans.get(loan_id, for_update=True)  # lock order: the loan, then its line
        if record is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        line_record = uow.lines.get(record.line_id, for_update=True)
        assert line_record is not None, "a loan's line exists (foreign key)"
        request = _normalised(request, record.currency)
        if (prior := first_result(uow, scope, key, request)) is not None:
            return prior
        contract = contract_of(uow, record)
        events = uow.loans.events(loan_id)
        event = build(record.currency, today, max((e.sequence for e in events), default=0) + 1)
        validate_event(contract, events, event, today)
        history = [*events, event]
        state = replay(contract, history, today)
        entry = entry_for_totals(
            before=record.totals, after=state.totals, borrower_id=record.borrower_id, loan_id=loan_id,
            key=f"{scope}:{key}", reference=f"loan-event:{event.event_id}", on=today, entry_id=new_id("JE"),
            memo=f"{event.kind} on loan {loan_id}",
        )  # fmt: skip
        uow.loans.add_events(loan_id, record.borrower_id, [event], today)
        uow.loans.save_state(loan_id, state, record.version)
        if entry is not None:  # with the co-lending partners' parts of what moved
            add_entry(uow, entry, loan_id=loan_id, totals=state.totals, version=record.version + 1, status=str(state.status))
        _move_line_principal(uow, line_record, record.principal_outstanding, state.principal_outstanding)
        result = loan_view(contract, state, history, brief=True) | {
            "event_id": event.event_id,
            "entry_id": None if entry is None else entry.entry_id,
        }
        remember(uow, scope, key, request, result, borrower_id=record.borrower_id)
        uow.commit()
    return result


def _move_line_principal(uow: UnitOfWork, line_record: Any, before: Any, after: Any) -> None:
    """Repaid or written-off principal frees the limit; a reversal takes it back."""
    line = line_record.line
    if after < before:
        uow.lines.save(line.restore(before - after), line.version)
    elif after > before:
        uow.lines.save(line.reclaim(after - before), line.version)


def _normalised(request: dict[str, Any], cur: Any) -> dict[str, Any]:
    """The request as the key's hash sees it: "100" and "100.00" are the same repayment."""
    if request.get("amount") is None:
        return request
    from creditline.money import Money

    amount_minor = Money.parse(request["amount"], cur, field="amount").minor
    return {k: v for k, v in request.items() if k != "amount"} | {"amount_minor": amount_minor}


def _iso(on: date | None) -> str | None:
    return None if on is None else on.isoformat()
