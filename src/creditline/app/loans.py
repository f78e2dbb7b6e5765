"""Loan use cases: draw, repay, reverse, waive, prepay, re-age, write off, show.

Each runs in one unit of work that locks the loan first and its credit line second — the same
order everywhere (a drawdown locks only the line: its new loan is invisible to others), so two
commands can never deadlock — records the new event, posts the change of the loan's totals as one
balanced journal entry, rewrites the snapshot, moves the line's outstanding principal, and stores
the result under the client's idempotency key.

The fast path (docs/benchmarks.md, "Repayment fast path"): the reads a command needs (EOD lock,
loan and line locks, then business date, idempotency record and the loan's fold checkpoint) go to
PostgreSQL in one round trip (`store.driver_sql.pipelined`), the journal entry is one statement and
the rest of the writes another (`store.command_writes`); an event on the business date continues
the fold from the checkpoint (`lending.loan.fast_path.apply_event`) instead of replaying the
history, which only backdated events, reversals and a stale checkpoint do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.arrears import check_not_in_arrears
from creditline.app.catalogue import contract_of, product_of
from creditline.app.colending_posting import add_entry, fund_drawdown
from creditline.app.common import EOD_LOCK_KEY, business_date, new_id
from creditline.app.errors import LineNotFound, LoanNotFound
from creditline.app.idempotency import check_key, journal_key, remember, request_hash, stored_result
from creditline.app.loan_command import (
    EventBuilder,
    check_payer,
    event_builder,
    known_business_date,
    loan_contract,
    moved_line,
    normalised,
)
from creditline.app.loan_views import loan_view
from creditline.app.posting import entry_for_totals
from creditline.store import UnitOfWork
from creditline.store.command_reads import queue_reads
from creditline.store.command_writes import LoanCommandWrites
from creditline.store.command_writes import write as write_loan_command
from creditline.store.driver_sql import pipelined
from creditline.store.repositories import idempotency_row


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
    as_borrower: str | None = None  # a borrower repaying: the loan must be theirs (None: an operator posts it)
    currency: str | None = None  # the currency the payer named, if any: it must be the loan's


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
    with UnitOfWork(engine) as uow:
        result = draw_in(uow, command)
        uow.commit()
    return result


def draw_in(uow: UnitOfWork, command: Draw) -> dict[str, Any]:
    """`draw` in the caller's unit of work, which commits it (the simulator's draws of a day share one)."""
    from creditline.lending.loan.contract import LoanContract
    from creditline.lending.loan.fast_path import start
    from creditline.lending.loan.state import LoanTotals
    from creditline.money import Money

    key = check_key(command.key)
    with pipelined(uow.connection):  # one round trip: the EOD lock, the line's lock, then date and key
        uow.system.queue_shared_lock(EOD_LOCK_KEY)
        locked = uow.lines.queue_get(command.line_id, for_update=True)
        pending = queue_reads(uow.connection, "draw", key)
    reads, record = pending.reads(), locked.record()
    on = known_business_date(reads.business_date)
    if record is None:
        raise LineNotFound(f"no credit line {command.line_id!r}", field="line")
    line = record.line
    product = product_of(uow, line.product_id, record.product_version)
    amount = Money.parse(command.amount, line.limit.currency, field="amount")
    method = command.method or str(product.methods[0])
    request = {"line": line.line_id, "amount_minor": amount.minor, "term": command.term_months, "method": method}
    if (prior := stored_result(reads.prior, "draw", key, request)) is not None:
        return prior
    reserved = line.reserve(amount, on)
    check_not_in_arrears(uow.connection, line.line_id)
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
    state, checkpoint = start(contract, event)
    entry = entry_for_totals(
        before=LoanTotals.zero(amount.currency), after=state.totals, borrower_id=line.borrower_id,
        loan_id=contract.loan_id, key=journal_key("draw", key), reference=f"loan-event:{event.event_id}", on=on,
        entry_id=new_id("JE"), memo=f"drawdown of {amount} on line {line.line_id}",
    )  # fmt: skip
    assert entry is not None, "a disbursement always moves money"
    with pipelined(uow.connection):  # one round trip: the loan, its event and checkpoint, the line
        uow.loans.add(contract=contract, state=state)
        uow.loans.add_events(contract.loan_id, line.borrower_id, [event], on)
        uow.loans.save_checkpoint(checkpoint, line.borrower_id)
        saved_line = uow.lines.queue_save(reserved.book_drawdown(amount), line.version)
    saved_line.check()
    entry, funding = fund_drawdown(uow, contract=contract, state=state, entry=entry, on=on)  # co-lending
    result = loan_view(contract, state, (), brief=True) | {"event_id": event.event_id, "entry_id": entry.entry_id}
    result |= {"funding": funding} if funding else {}
    remember(uow, "draw", key, request, result, borrower_id=line.borrower_id)
    return result


def repay(engine: Engine, command: Repay) -> dict[str, Any]:
    return _money_event(
        engine, "repay", command.loan_id, command.amount, command.key, command.on, "repayment", (), payer=command
    )


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
    return _apply(engine, "reverse", command.loan_id, command.key, request, event_builder("reversal", command.on, reverses=command.event_id))


def reage(engine: Engine, command: Reage) -> dict[str, Any]:
    from creditline.lending.loan.restructure import reage_data

    data = () if command.installments is None else reage_data(command.installments)
    request = {"loan": command.loan_id, "installments": command.installments, "on": _iso(command.on)}
    return _apply(engine, "reage", command.loan_id, command.key, request, event_builder("reage", command.on, data=data))


def write_off(engine: Engine, command: WriteOff) -> dict[str, Any]:
    request = {"loan": command.loan_id, "on": _iso(command.on)}
    return _apply(engine, "write-off", command.loan_id, command.key, request, event_builder("write-off", command.on))


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

def _money_event(
    engine: Engine, scope: str, loan_id: str, amount_text: str, key: str, on: date | None, kind: str, data: tuple,
    payer: Repay | None = None,
) -> dict[str, Any]:  # fmt: skip
    request = {"loan": loan_id, "amount": amount_text, "on": _iso(on), "data": [list(d) for d in data]}
    build = event_builder(kind, on, amount_text=amount_text, data=data)
    return _apply(engine, scope, loan_id, key, request, build, payer)


def _apply(
    engine: Engine, scope: str, loan_id: str, key: str, request: dict[str, Any], build: EventBuilder,
    payer: Repay | None = None,
) -> dict[str, Any]:  # fmt: skip
    key = check_key(key)
    with UnitOfWork(engine) as uow:
        today, record, line_record, found, checkpoint = _lock_loan(uow, loan_id, scope, key)
        check_payer(record, loan_id, payer)
        assert line_record is not None, "a loan's line exists (foreign key)"
        request = normalised(request, record.currency)
        if (prior := stored_result(found, scope, key, request)) is not None:
            return prior
        contract = loan_contract(uow, record)
        event, applied = _record(uow, contract, checkpoint, build, record.currency, today)
        state = applied.headline
        entry = entry_for_totals(
            before=record.totals, after=state.totals, borrower_id=record.borrower_id, loan_id=loan_id,
            key=journal_key(scope, key), reference=f"loan-event:{event.event_id}", on=today, entry_id=new_id("JE"),
            memo=f"{event.kind} on loan {loan_id}",
        )  # fmt: skip
        result = loan_view(contract, state, (), brief=True) | {
            "event_id": event.event_id,
            "entry_id": None if entry is None else entry.entry_id,
        }
        line = moved_line(line_record.line, record.principal_outstanding, state.principal_outstanding)
        write_loan_command(uow.connection, LoanCommandWrites(
            loan_id=loan_id, borrower_id=record.borrower_id, event=event, on=today, state=state,
            loan_version=record.version, checkpoint=applied.checkpoint, line=line, line_version=line_record.line.version,
            idempotency=idempotency_row(scope, key, record.borrower_id, request_hash(request), result),
        ), uow)  # fmt: skip
        # The entry last: its running balances are rows shared by every borrower of a shard, so their
        # locks are held from here to the commit only.
        if entry is not None:  # with the co-lending partners' parts of what moved
            add_entry(uow, entry, loan_id=loan_id, totals=state.totals, version=record.version + 1, status=str(state.status))
        uow.commit()
    return result


def _lock_loan(uow: UnitOfWork, loan_id: str, scope: str, key: str) -> tuple[date, Any, Any, Any, Any]:
    """What a command on a loan reads, in one round trip: the EOD lock (shared), the loan's lock then its
    line's (the lock order), then — run once the locks are granted, so it sees what their holder
    committed — the business date, the idempotency record and the loan's current checkpoint."""
    with pipelined(uow.connection):
        uow.system.queue_shared_lock(EOD_LOCK_KEY)
        locked = uow.loans.queue_lock_with_line(loan_id)
        pending = queue_reads(uow.connection, scope, key, loan_id)
    reads = pending.reads()
    today = known_business_date(reads.business_date)
    loan, line = locked.records()
    return today, loan, line, reads.prior, reads.checkpoint


def _record(uow: UnitOfWork, contract: Any, checkpoint: Any, build: EventBuilder, cur: Any, today: date) -> tuple[Any, Any]:
    """The new event and the loan before and after it: continued from the checkpoint when the event is
    today's, else replayed from the loan's history."""
    from creditline.lending.loan.fast_path import apply_event, record_replayed

    if checkpoint is not None:
        event = build(cur, today, checkpoint.last_sequence + 1)
        if (applied := apply_event(checkpoint, contract, event, today)) is not None:
            return event, applied
    events = uow.loans.events(contract.loan_id)
    event = build(cur, today, max((e.sequence for e in events), default=0) + 1)
    return event, record_replayed(contract, events, event, today)


def _iso(on: date | None) -> str | None:
    return None if on is None else on.isoformat()
