"""Group commit of repayments: many callers' repayments in one transaction (docs/ledger.md, "Group commit").

A repayment alone spends most of its time on what surrounds the domain step — taking a connection,
a round trip for its locks and reads, one for its writes, a commit. `repay_many` does those once for
a batch: one round trip locks every loan then every line (the single command's lock order) and reads
the business date, the commands' idempotency records and the loans' checkpoints (three statements);
each command then takes the same domain step as `app.loans.repay` (the incremental fold, the same
allocation and validation, its own typed error); one round trip writes every command's event, snapshot, checkpoint,
line, idempotency record and journal entry — one balanced entry per repayment, with its key — and
the running balances they move, summed and in key order (on PostgreSQL two or more commands' writes
are one statement of arrays, `store.batch_writes`); then one commit.

A command that would fail alone fails alone: its error is its own outcome and nothing of it is
written, the others go on. Commands on one loan are applied in arrival order, each from the state
the one before left. What the batch cannot do the way `repay` would — a dated repayment, a loan
without a current checkpoint (it replays), a co-lent loan, a key already used earlier in the batch —
runs through `repay` itself after the batch commits, and so does every later command on that loan;
if the batch's transaction fails as a whole, every command runs through `repay`.

`RepaymentBatcher` collects commands from many threads (HTTP workers' request threads, a bench's
clients) and hands each caller its own result or error; asked to (`pipeline=2`), it keeps two batches
in flight, one committing while the next is collected and run, never with one loan or key in both.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import EOD_LOCK_KEY, new_id
from creditline.app.errors import LoanNotFound
from creditline.app.idempotency import check_key, journal_key, request_hash, stored_result
from creditline.app.loan_command import (
    check_payer,
    event_builder,
    known_business_date,
    loan_contract,
    moved_line,
    normalised,
)
from creditline.app.loan_views import loan_view
from creditline.app.loans import Repay, repay
from creditline.app.posting import entry_for_totals
from creditline.errors import DomainError
from creditline.store import UnitOfWork
from creditline.store.batch_writes import queue_batch_write
from creditline.store.command_writes import LoanCommandWrites, queue_write
from creditline.store.driver_sql import pipelined
from creditline.store.loan_repository import checkpoint_storable
from creditline.store.repayment_batch_reads import queue_batch_locks, queue_batch_reads
from creditline.store.repositories import idempotency_row

SCOPE = "repay"
BATCH_MAX = 64  # commands in one transaction: bounds its locks, its statements and a caller's wait
WINDOW_S = 0.002  # the longest a batch waits for more callers once concurrency has been seen (`_take`)
IDLE_S = 30.0  # a batcher's thread ends after this long without a command

Outcome = dict[str, Any] | DomainError
_log = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class _LoanNow:
    """A loan as the batch has moved it so far: the next command on it continues from here."""

    record: Any  # LoanRecord
    contract: Any
    checkpoint: Any  # Checkpoint, or None once it could not be stored (the next command replays)


@dataclasses.dataclass(frozen=True, slots=True)
class _Applied:
    result: dict[str, Any]
    writes: LoanCommandWrites
    entry: Any  # JournalEntry or None


def repay_many(engine: Engine, commands: Sequence[Repay]) -> list[Outcome]:
    """Each command's outcome, in order: its result, or the typed error `repay` would have raised."""
    assert len(commands) <= BATCH_MAX * 4, f"{len(commands)} commands in one batch"
    outcomes: list[Outcome | None] = [None] * len(commands)
    later: list[int] = []
    try:
        with UnitOfWork(engine) as uow:
            _in_one_transaction(uow, commands, outcomes, later)
            uow.commit()
    except Exception:  # the batch as a whole failed (no business date, a lost connection): one by one
        _log.warning("a batch of %d repayments failed as a whole; each runs alone", len(commands), exc_info=True)
        outcomes, later = [None] * len(commands), list(range(len(commands)))
    for i in sorted(later):
        outcomes[i] = _alone(engine, commands[i])
    assert all(o is not None for o in outcomes), "every command has its outcome"
    return outcomes  # type: ignore[return-value]


def _alone(engine: Engine, command: Repay) -> Outcome:
    try:
        return repay(engine, command)
    except DomainError as error:
        return error


def _in_one_transaction(uow: UnitOfWork, commands: Sequence[Repay], outcomes: list, later: list[int]) -> None:
    batched = _batchable(commands, outcomes, later)
    if not batched:
        return
    with pipelined(uow.connection):  # one round trip: the EOD lock, loans then lines, then each one's reads
        uow.system.queue_shared_lock(EOD_LOCK_KEY)
        loan_ids = [commands[i].loan_id for i in batched]
        locks = queue_batch_locks(uow.connection, loan_ids)
        pending = queue_batch_reads(uow, SCOPE, loan_ids, [commands[i].key for i in batched])
    records, lines, co_lent = locks.loans(), {k: r.line for k, r in locks.lines().items()}, locks.co_lent()
    today = known_business_date(pending.business_date())
    checkpoints, priors = pending.checkpoints(), pending.priors()
    loans: dict[str, _LoanNow] = {}
    sent_later: set[str] = set()  # loans with a command left to `repay`: their later commands follow it
    applied: list[_Applied] = []
    for i in batched:
        command = commands[i]
        loan = loans.get(command.loan_id)
        if loan is None and command.loan_id not in sent_later:
            record = records.get(command.loan_id)
            if record is None:
                outcomes[i] = LoanNotFound(f"no loan {command.loan_id!r}", field="loan")
                continue
            checkpoint = checkpoints.get(command.loan_id)
            if command.loan_id not in co_lent and checkpoint is not None:
                loan = loans[command.loan_id] = _LoanNow(record, loan_contract(uow, record), checkpoint)
        if loan is None or loan.checkpoint is None:
            sent_later.add(command.loan_id)
            later.append(i)
            continue
        try:
            outcome = _step(command, loan, lines, priors.get(command.key), today)
        except DomainError as error:
            outcomes[i] = error
            continue
        if outcome is None:  # the fold cannot continue: `repay` replays
            sent_later.add(command.loan_id)
            later.append(i)
        elif isinstance(outcome, _Applied):
            outcomes[i] = outcome.result
            applied.append(outcome)
        else:
            outcomes[i] = outcome  # an earlier identical request's result
    _write(uow, applied)


def _batchable(commands: Sequence[Repay], outcomes: list, later: list[int]) -> list[int]:
    """The commands the batch takes; a bad key is its command's error, the rest go to `repay`.

    A command sent to `repay` takes with it every later command on its loan and every later command
    with its key, so each loan's commands and each key's commands keep their arrival order (the first
    use of a key is the one that counts)."""
    batched, keys, sent_later, later_keys = [], set(), set(), set()
    for i, command in enumerate(commands):
        try:
            key = check_key(command.key)
        except DomainError as error:
            outcomes[i] = error
            continue
        if command.on is not None or key in keys or command.loan_id in sent_later or key in later_keys:
            sent_later.add(command.loan_id)
            later_keys.add(key)
            later.append(i)
            continue
        keys.add(key)
        batched.append(i)
    return batched


def _step(command: Repay, loan: _LoanNow, lines: dict[str, Any], prior: Any, today: date) -> _Applied | dict | None:
    """`app.loans._apply` for one repayment from the batch's state of its loan and line, which it moves on."""
    from creditline.lending.loan.fast_path import apply_event

    record = loan.record
    check_payer(record, command.loan_id, command)
    request = {"loan": command.loan_id, "amount": command.amount, "on": None, "data": []}
    request = normalised(request, record.currency)
    if (found := stored_result(prior, SCOPE, command.key, request)) is not None:
        return found
    build = event_builder("repayment", None, amount_text=command.amount)
    event = build(record.currency, today, loan.checkpoint.last_sequence + 1)
    done = apply_event(loan.checkpoint, loan.contract, event, today)
    if done is None:
        return None
    state = done.headline
    entry = entry_for_totals(
        before=record.totals, after=state.totals, borrower_id=record.borrower_id, loan_id=record.loan_id,
        key=journal_key(SCOPE, command.key), reference=f"loan-event:{event.event_id}", on=today, entry_id=new_id("JE"),
        memo=f"{event.kind} on loan {record.loan_id}",
    )  # fmt: skip
    result = loan_view(loan.contract, state, (), brief=True) | {
        "event_id": event.event_id,
        "entry_id": None if entry is None else entry.entry_id,
    }
    line = lines[record.line_id]
    moved = moved_line(line, record.principal_outstanding, state.principal_outstanding)
    writes = LoanCommandWrites(
        loan_id=record.loan_id, borrower_id=record.borrower_id, event=event, on=today, state=state,
        loan_version=record.version, checkpoint=done.checkpoint, line=moved, line_version=line.version,
        idempotency=idempotency_row(SCOPE, command.key, record.borrower_id, request_hash(request), result),
    )  # fmt: skip
    if moved is not None:
        lines[record.line_id] = moved
    loan.record = dataclasses.replace(
        record, totals=state.totals, principal_outstanding=state.principal_outstanding, version=record.version + 1,
        status=str(state.status), as_of=today,
    )  # fmt: skip
    # A checkpoint too large to store leaves the stored one stale: alone, the next command would replay.
    loan.checkpoint = done.checkpoint if checkpoint_storable(done.checkpoint) else None
    return _Applied(result, writes, entry)


def _write(uow: UnitOfWork, applied: list[_Applied]) -> None:
    """One round trip: every command's writes in order (a loan's versions follow each other; on
    PostgreSQL, two or more commands' in one statement, `store.batch_writes`), then the journal entries
    and, last, the running balances (their locks held only until the commit)."""
    if not applied:
        return
    with pipelined(uow.connection):
        if len(applied) >= 2 and uow.connection.dialect.name == "postgresql":  # each table's rows as arrays
            checks = [queue_batch_write(uow.connection, [a.writes for a in applied])]
        else:
            checks = [queue_write(uow.connection, a.writes, uow) for a in applied]
        uow.journal.add_entries([a.entry for a in applied if a.entry is not None])
    for check in checks:
        check()


# -- the batcher: many callers, a pipeline of worker threads ---------------------------------------------


PIPELINE_MAX = 4  # batches in flight at once: each holds a connection
# One batch in flight unless asked for more. Two paid on PostgreSQL when one batcher had 8 concurrent
# callers (batches of 8: the next one runs while the last commits), not with 4 callers per batcher in
# two processes (the callers were all in the batch in flight, and the server spent ~11% more CPU per
# repayment); docs/benchmarks.md, 2026-11-27. SQLite has one writer: more gains nothing there.
PIPELINE_DEFAULT = 1


class RepaymentBatcher:
    """`batcher.repay(command)` from any thread: the command joins the next batch; returns its result or
    raises its typed error.

    Up to `pipeline` worker threads run batches, each in its own transaction: while one waits for its
    commit, the next collects and runs its own. One worker collects at a time, in arrival order. A
    command whose loan or key is in a batch not yet settled (committed, with its commands left to
    `repay` run) waits for it, and so does every later command on its loan or with its key: each loan's
    commands still apply in arrival order and a key's first use still counts."""

    def __init__(
        self, engine: Engine, *, batch_max: int = BATCH_MAX, window_s: float = WINDOW_S, idle_s: float = IDLE_S,
        run: Callable[[Engine, Sequence[Repay]], list[Outcome]] = repay_many, pipeline: int = PIPELINE_DEFAULT,
    ) -> None:  # fmt: skip
        assert 1 <= batch_max <= BATCH_MAX * 4, batch_max
        assert 0 <= window_s <= 0.1, window_s
        self.engine, self.batch_max, self.window_s, self.idle_s, self._run = engine, batch_max, window_s, idle_s, run
        assert 1 <= pipeline <= PIPELINE_MAX, pipeline
        self.pipeline = pipeline  # each batch in flight holds a connection of the engine's pool
        # guards what follows; notified when a command arrives or a batch settles
        self._changed = threading.Condition()
        self._waiting: list[tuple[Repay, Future]] = []  # in arrival order
        self._busy_loans: set[str] = set()  # loans and keys of the batches in flight
        self._busy_keys: set[str] = set()
        self._collecting = False
        self._closing = False
        self._workers: set[threading.Thread] = set()
        self.batches = 0  # how many batches ran, and how many commands: the mean batch size in a bench
        self.commands = 0

    @property
    def workers(self) -> int:
        with self._changed:
            return len(self._workers)

    def repay(self, command: Repay, *, timeout_s: float = 60.0) -> dict[str, Any]:
        return self.submit(command).result(timeout=timeout_s)

    def submit(self, command: Repay) -> Future:
        """The command's future: its result, or its typed error (an event loop awaits it without a thread)."""
        future: Future = Future()
        with self._changed:
            self._waiting.append((command, future))
            # a worker that leaves for idleness holds this lock when it does: it saw the command, or is gone
            if len(self._workers) < self.pipeline:
                worker = threading.Thread(target=self._loop, name="repayment-batcher", daemon=True)
                self._workers.add(worker)
                worker.start()
            self._changed.notify_all()
        return future

    def close(self) -> None:
        """Run what is waiting, then end the workers (a later command starts new ones)."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            workers = list(self._workers)
        for worker in workers:
            worker.join()
        with self._changed:
            self._closing = False

    def _loop(self) -> None:
        callers = 1  # those of the last batch and those waiting as it settled: the next waits (a window at most) for them
        while True:
            with self._changed:
                batch = self._take(self.window_s if callers > 1 else 0.0, callers)
                if not batch:
                    self._workers.discard(threading.current_thread())
                    return
                loans, keys = {c.loan_id for c, _ in batch}, {c.key for c, _ in batch}
                self._busy_loans |= loans
                self._busy_keys |= keys
                self.batches, self.commands = self.batches + 1, self.commands + len(batch)
            callers = len(batch)
            try:
                callers += self._settle(batch)
            finally:
                with self._changed:
                    self._busy_loans -= loans
                    self._busy_keys -= keys
                    self._changed.notify_all()

    def _take(self, window_s: float, expected: int) -> list[tuple[Repay, Future]]:
        """The next batch (empty: this worker ends), the caller holding `_changed`: one worker at a time
        waits for a first free command, then up to `window_s` for more, but no longer once it has
        `expected`: the callers seen when the last batch settled, its own and those already waiting. Each
        caller waits on its own result, so those are all there are, and waiting out the window for more
        would only add its length to every repayment; a batch with fewer waits it out (one caller gone
        costs the window once, never a batch split in two for good)."""
        idle_until = time.monotonic() + self.idle_s
        while self._collecting:
            self._changed.wait()
        self._collecting = True
        try:
            batch: list[tuple[Repay, Future]] = []
            while not batch:
                self._free(batch)
                if batch:
                    break
                if not self._waiting and (self._closing or time.monotonic() >= idle_until):
                    return batch
                self._changed.wait(timeout=max(0.0, idle_until - time.monotonic()) or self.idle_s)
            deadline, enough = time.monotonic() + window_s, min(self.batch_max, max(1, expected))
            while len(batch) < enough and (left_s := deadline - time.monotonic()) > 0:
                self._changed.wait(timeout=left_s)
                self._free(batch)
            return batch
        finally:
            self._collecting = False
            self._changed.notify_all()

    def _free(self, batch: list[tuple[Repay, Future]]) -> None:
        """Move the waiting commands that may join `batch` into it, in arrival order: not one whose loan
        or key is in a batch in flight, nor one after such a command on the same loan or key."""
        held_loans, held_keys = set(self._busy_loans), set(self._busy_keys)
        kept: list[tuple[Repay, Future]] = []
        for item in self._waiting:
            command = item[0]
            if len(batch) >= self.batch_max or command.loan_id in held_loans or command.key in held_keys:
                held_loans.add(command.loan_id)
                held_keys.add(command.key)
                kept.append(item)
            else:
                batch.append(item)
        self._waiting = kept

    def _settle(self, batch: list[tuple[Repay, Future]]) -> int:
        """Run the batch and hand each caller its outcome; returns how many other commands were waiting
        then (before the batch's own callers could send their next)."""
        try:
            outcomes = self._run(self.engine, [command for command, _ in batch])
        except BaseException as error:  # a bug or a lost database: every caller hears of it
            for _, future in batch:
                future.set_exception(error)
            return 0
        with self._changed:
            waiting = len(self._waiting)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        return waiting
