"""The repayment fast path through the app, on SQLite and PostgreSQL.

- a command on the business date continues the fold from the loan's checkpoint without reading its
  events, before and after end of day, and the books, snapshots and checkpoints stay equal to the
  replay of the events;
- a backdated repayment and a reversal replay, and leave a checkpoint the next command continues;
- an event written by a path that does not keep the checkpoint (auto-debit's batch, a coupon saving)
  leaves it stale, and the next command replays;
- on PostgreSQL the command's one locking statement takes the loan before the line (the lock order).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from lending_fixtures import START, assert_books_clean, eod_to, open_line, setup_books

from creditline.app import Repay, Reverse, repay, reverse, show_loan
from creditline.app.loans import Draw, draw
from creditline.store import UnitOfWork
from creditline.store.loan_repository import (
    LoanRepository,
    checkpoint_blob,
    checkpoint_of_blob,
    checkpoint_storable,
)


@pytest.fixture
def books(engine):  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B1", limit="50000")
    loan_id = draw(engine, Draw(line_id, "12000", 12, "d1"))["loan_id"]
    return engine, line_id, loan_id


@pytest.fixture
def no_history_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every read of a loan's events (the replay path); the fast path reads none."""
    reads: list[str] = []
    events = LoanRepository.events

    def counted(self: LoanRepository, loan_id: str) -> list:
        reads.append(loan_id)
        return events(self, loan_id)

    monkeypatch.setattr(LoanRepository, "events", counted)
    return reads


def checkpoint_differences(engine) -> list[str]:  # type: ignore[no-untyped-def]
    """Loans whose current checkpoint is not the fold of their events up to its day."""
    from creditline.app.catalogue import contract_of
    from creditline.lending.loan.fast_path import checkpoint_at
    from creditline.store.command_reads import queue_reads

    wrong = []
    with UnitOfWork(engine) as uow:
        for loan_id in uow.loans.all_ids(1000):
            checkpoint = queue_reads(uow.connection, "none", "none", loan_id).reads().checkpoint
            if checkpoint is None:
                continue
            record = uow.loans.get(loan_id)
            events = uow.loans.events(loan_id)
            if checkpoint != checkpoint_at(contract_of(uow, record), events, checkpoint.day):
                wrong.append(loan_id)
    return wrong


def test_commands_on_the_business_date_continue_from_the_checkpoint(books, no_history_reads) -> None:  # type: ignore[no-untyped-def]
    engine, _, loan_id = books
    first = repay(engine, Repay(loan_id, "100", "r1"))
    second = repay(engine, Repay(loan_id, "250.50", "r2"))
    eod_to(engine, START + timedelta(days=45))  # past the first due date: interest and penalty accrue
    late = repay(engine, Repay(loan_id, "1500", "r3"))
    assert no_history_reads == []
    loan = show_loan(engine, loan_id)  # a replay of the events
    assert [e["kind"] for e in loan["events"]] == ["disbursement", "repayment", "repayment", "repayment"]
    for brief in (first, second, late):
        assert brief["loan_id"] == loan_id and brief["entry_id"]
    for name in ("status", "principal_outstanding", "interest_receivable", "penalty_receivable", "days_past_due"):
        assert late[name] == loan[name], name
    totals = {name: Decimal(amount) for name, amount in loan["totals"].items()}
    paid = totals["principal_repaid"] + totals["interest_repaid"] + totals["penalty_repaid"] + totals["fees_repaid"]
    assert paid == Decimal("1850.50") and totals["overpaid"] == 0
    assert repay(engine, Repay(loan_id, "1500", "r3")) == late  # a retry is the first result
    assert_books_clean(engine)
    assert checkpoint_differences(engine) == []


def test_backdated_and_reversed_events_replay_then_the_next_command_is_fast(books, no_history_reads) -> None:  # type: ignore[no-untyped-def]
    engine, _, loan_id = books
    eod_to(engine, START + timedelta(days=40))
    paid = repay(engine, Repay(loan_id, "1100", "r1"))
    backdated = repay(engine, Repay(loan_id, "300", "r2", on=START + timedelta(days=20)))
    assert no_history_reads == [loan_id]
    reverse(engine, Reverse(loan_id, paid["event_id"], "x1"))
    assert no_history_reads == [loan_id, loan_id]
    after = repay(engine, Repay(loan_id, "50", "r3"))
    assert no_history_reads == [loan_id, loan_id]  # continued from the checkpoint the reversal left
    loan = show_loan(engine, loan_id)
    assert after["interest_receivable"] == loan["interest_receivable"]
    assert after["principal_outstanding"] == loan["principal_outstanding"]
    assert backdated["event_id"] in [e["event_id"] for e in loan["events"]]
    assert_books_clean(engine)
    assert checkpoint_differences(engine) == []


def test_an_event_written_around_the_checkpoint_makes_the_next_command_replay(books, no_history_reads) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.catalogue import contract_of
    from creditline.lending.loan import EventKind, LoanEvent, replay
    from creditline.money import Money

    engine, _, loan_id = books
    eod_to(engine, START + timedelta(days=10))
    repay(engine, Repay(loan_id, "10", "r1"))
    with UnitOfWork(engine) as uow:  # the way a batch path records an event: events and snapshot only
        today = uow.system.business_date()
        record = uow.loans.get(loan_id, for_update=True)
        events = uow.loans.events(loan_id)
        event = LoanEvent("EV-batch", EventKind.REPAYMENT, today, len(events) + 1, Money.parse("20", "CNY"))
        uow.loans.add_events(loan_id, record.borrower_id, [event], today)
        uow.loans.save_state(loan_id, replay(contract_of(uow, record), [*events, event], today), record.version)
        uow.commit()
    no_history_reads.clear()
    result = repay(engine, Repay(loan_id, "30", "r2"))
    assert no_history_reads == [loan_id]  # the checkpoint missed "EV-batch": replayed
    loan = show_loan(engine, loan_id)
    assert len(loan["events"]) == 4
    assert result["principal_outstanding"] == loan["principal_outstanding"]
    assert checkpoint_differences(engine) == []


def test_a_drawdown_leaves_the_checkpoint_its_first_repayment_continues(engine, no_history_reads) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B2", limit="9000")
    loan_id = draw(engine, Draw(line_id, "3000", 3, "d"))["loan_id"]
    assert checkpoint_differences(engine) == []
    no_history_reads.clear()  # the check itself read the events
    repay(engine, Repay(loan_id, "3000", "all"))  # paid off the day it was drawn: no interest
    assert no_history_reads == []
    assert show_loan(engine, loan_id)["status"] == "paid-off"
    assert_books_clean(engine)


def test_a_checkpoint_survives_its_blob_exactly() -> None:
    from datetime import date

    from creditline.lending.loan.fast_path import Checkpoint

    checkpoint = Checkpoint("L1", 7, (1, date(2025, 3, 1).toordinal(), -1, 0, 2**62, *range(200)))
    blob = checkpoint_blob(checkpoint)
    assert blob is not None and len(blob) < 8 * len(checkpoint.values)
    assert checkpoint_of_blob("L1", 7, blob) == checkpoint
    assert checkpoint_blob(Checkpoint("L1", 7, (1, 2**63))) is None  # beyond int64: not stored, so replayed


def test_whether_a_checkpoint_is_stored_is_known_without_compressing_it() -> None:
    """A batch keeps a checkpoint for its loan's next command only if the store can hold it: what
    `checkpoint_storable` says (from `_freeze`'s own check, or by looking) is what `checkpoint_blob` does."""
    from creditline.lending.loan.book import Book
    from creditline.lending.loan.fast_path import Checkpoint, _freeze
    for exact in (0, 2**62, 2**63, -(2**63) - 1):
        book = Book("L1", None, START)  # type: ignore[arg-type]  # a checkpoint holds no pricing (the contract does)
        book.interest_exact = exact
        frozen = _freeze(book, 1)
        stored = checkpoint_blob(frozen) is not None
        assert checkpoint_storable(frozen) is stored is (abs(exact) < 2**63)
        assert checkpoint_storable(Checkpoint("L1", 1, frozen.values)) is stored  # not frozen here: looked at


@pytest.mark.postgres
def test_a_command_locks_the_loan_before_its_line(pg_url: str) -> None:
    """While another transaction holds the line, a command waits on it already holding the loan."""
    from sqlalchemy import text

    from creditline.store import make_engine, upgrade

    engine = make_engine(pg_url)
    upgrade(engine)
    setup_books(engine)
    line_id = open_line(engine, "B3")
    loan_id = draw(engine, Draw(line_id, "5000", 6, "d"))["loan_id"]
    holder = engine.connect()
    holder.execute(text("SELECT 1 FROM credit_lines WHERE line_id = :l FOR UPDATE"), {"l": line_id})
    done: list[object] = []
    waiting = threading.Thread(target=lambda: done.append(repay(engine, Repay(loan_id, "10", "r"))))
    waiting.start()
    try:
        with engine.connect() as probe:
            for _ in range(600):  # until the command is queued on the line (a loaded machine is slow)
                probe.execute(text("SELECT pg_stat_clear_snapshot()"))  # else the first sample is read for good
                blocked = probe.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         "AND query LIKE '%FROM loans JOIN credit_lines%'")
                ).scalar_one()  # fmt: skip
                if blocked or not waiting.is_alive():
                    break
                threading.Event().wait(0.1)
            assert blocked, "the command never waited on the line"
            free = probe.execute(
                text("SELECT 1 FROM loans WHERE loan_id = :l FOR UPDATE SKIP LOCKED"), {"l": loan_id}
            ).first()
            probe.rollback()
        assert free is None, "the loan was not locked while the command waited for the line"
    finally:
        holder.rollback()
        holder.close()
        waiting.join(timeout=30)
        engine.dispose()
    assert done and done[0]["loan_id"] == loan_id  # type: ignore[index]
