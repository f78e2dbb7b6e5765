"""Loans (contract + snapshot), their events and their fold checkpoints.

A loan row holds what it was agreed as (product version, schedule terms) and a snapshot of its
state: the replay of its events as of `as_of`, which commands rewrite and which EOD advances without
replaying (the domain's `AccrualState`, as integer columns and a blob of installment rows). Beside
it, `loan_checkpoints` keeps the fold's working state after the last command, which the next command
continues from (see `lending.loan.fast_path`). The per-command statements run on the driver's cursor
(`driver_sql`): they are the hot path of every repayment.
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from creditline.lending.loan.events import LoanEvent
from creditline.lending.loan.fast_path import Checkpoint
from creditline.lending.loan.state import LoanHeadline, LoanState, LoanTotals
from creditline.money import Currency, Money, currency
from creditline.store import tables as t
from creditline.store.accrual_columns import ACCRUAL_COLUMNS, accrual_values
from creditline.store.audit_log import append_rows, loan_event_rows
from creditline.store.driver_sql import Rows, execute, execute_many
from creditline.store.line_repository import LineRecord, line_record_of
from creditline.store.tables_checkpoints import loan_checkpoints
from creditline.store.terms_codec import terms_to_json

BALANCE_COLUMNS = (
    "principal_outstanding_minor",
    "interest_receivable_minor",
    "penalty_receivable_minor",
    "fee_receivable_minor",
    "credit_balance_minor",
)


@dataclass(frozen=True, slots=True)
class LoanRecord:
    loan_id: str
    borrower_id: str
    line_id: str
    product_id: str
    product_version: int
    currency: Currency
    terms_json: str
    status: str
    as_of: date
    principal_outstanding: Money
    totals: LoanTotals
    version: int


_c = t.loans.c
_SELECT_LOAN = select(
    _c.loan_id, _c.borrower_id, _c.line_id, _c.product_id, _c.product_version, _c.currency, _c.terms_json,
    _c.status, _c.as_of, _c.principal_outstanding_minor, _c.totals_json, _c.version,
    _c.interest_accrued_minor, _c.penalty_accrued_minor,
).where(_c.loan_id == bindparam("k_loan_id"))  # fmt: skip
_SELECT_LOAN_FOR_UPDATE = _SELECT_LOAN.with_for_update()
# A command locks the loan and its line in one statement: PostgreSQL locks a joined row's tables in
# FROM order, so the loan first, then the line (the lock order; tests/integration hold it so).
_LOAN_WIDTH = len(_SELECT_LOAN.selected_columns)
_SELECT_LOAN_AND_LINE_FOR_UPDATE = (
    select(*_SELECT_LOAN.selected_columns, *t.credit_lines.c)
    .select_from(t.loans.join(t.credit_lines, t.credit_lines.c.line_id == _c.line_id))
    .where(_c.loan_id == bindparam("k_loan_id"))
    .with_for_update()
)
_EVENT_COLUMNS = (
    "event_id", "loan_id", "borrower_id", "sequence", "kind", "effective_date", "amount_minor", "currency",
    "reverses", "data_json", "recorded_on",
)  # fmt: skip
_INSERT_EVENT = insert(t.loan_events).values({name: bindparam(name) for name in _EVENT_COLUMNS})
_SELECT_EVENTS = (
    select(*(t.loan_events.c[name] for name in _EVENT_COLUMNS))
    .where(t.loan_events.c.loan_id == bindparam("k_loan_id"))
    .order_by(t.loan_events.c.sequence)
)
CHECKPOINT_COLUMNS = ("loan_id", "borrower_id", "last_sequence", "checkpoint")


@cache
def _update_snapshot(columns: tuple[str, ...]) -> Any:
    return (
        update(t.loans)
        .where(_c.loan_id == bindparam("k_loan_id"), _c.version == bindparam("k_version"))
        .values({name: bindparam(name) for name in (*columns, "version")})
    )


@cache
def _insert_loan(columns: tuple[str, ...]) -> Any:
    return insert(t.loans).values({name: bindparam(name) for name in columns})


@cache
def _upsert_checkpoint(dialect_name: str) -> Any:
    stmt = (postgresql if dialect_name == "postgresql" else sqlite).insert(loan_checkpoints)
    stmt = stmt.values({name: bindparam(name) for name in CHECKPOINT_COLUMNS})
    return stmt.on_conflict_do_update(
        index_elements=["loan_id"],
        set_={name: stmt.excluded[name] for name in CHECKPOINT_COLUMNS[1:]},
    )


@dataclass(frozen=True, slots=True)
class SavedState:
    """A snapshot write whose version check is read once its statement has run (after a pipeline)."""

    rows: Rows
    loan_id: str
    version: int

    def check(self) -> None:
        assert self.rows.rowcount == 1, f"loan {self.loan_id} changed under us (version {self.version})"


class LoanRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, loan_id: str, *, for_update: bool = False) -> LoanRecord | None:
        return self.queue_get(loan_id, for_update=for_update).record()

    def queue_get(self, loan_id: str, *, for_update: bool = False) -> PendingLoan:
        """`get`, whose record is read once the statement has run (after a pipeline)."""
        query = _SELECT_LOAN_FOR_UPDATE if for_update else _SELECT_LOAN
        return PendingLoan(execute(self.connection, query, {"k_loan_id": loan_id}))

    def queue_lock_with_line(self, loan_id: str) -> PendingLoanAndLine:
        """Lock the loan, then its line (FOR UPDATE); both records once the statement has run."""
        return PendingLoanAndLine(execute(self.connection, _SELECT_LOAN_AND_LINE_FOR_UPDATE, {"k_loan_id": loan_id}))

    def add(self, *, contract: Any, state: LoanState) -> None:
        values = {
            **contract.identity(),
            "terms_json": terms_to_json(contract.terms),
            "disbursed_on": contract.terms.disbursed,
            "eod_interest_posted_minor": 0,
            "eod_penalty_posted_minor": 0,
            "version": 0,
            **snapshot_values(state),
        }
        execute(self.connection, _insert_loan(tuple(values)), values)

    def save_state(self, loan_id: str, state: LoanHeadline, version: int) -> None:
        """Rewrite the snapshot; the version check asserts the caller holds the loan's lock."""
        self.queue_state(loan_id, state, version).check()

    def queue_state(self, loan_id: str, state: LoanHeadline, version: int) -> SavedState:
        """`save_state` for a pipeline: call `check()` on the result once the pipeline has run."""
        values = snapshot_values(state)
        rows = execute(
            self.connection,
            _update_snapshot(tuple(values)),
            {"k_loan_id": loan_id, "k_version": version, "version": version + 1, **values},
        )
        return SavedState(rows, loan_id, version)

    # -- events ---------------------------------------------------------------------------------------
    def events(self, loan_id: str) -> list[LoanEvent]:
        return [_event_of(row) for row in execute(self.connection, _SELECT_EVENTS, {"k_loan_id": loan_id}).all()]

    def add_events(self, loan_id: str, borrower_id: str, events: Sequence[LoanEvent], recorded_on: date) -> None:
        """The events and their records in the tamper-evident log (built from the same rows)."""
        rows = [event_row(loan_id, borrower_id, ev, recorded_on) for ev in events]
        if len(rows) == 1:
            execute(self.connection, _INSERT_EVENT, rows[0])
        else:
            execute_many(self.connection, _INSERT_EVENT, rows)
        append_rows(self.connection, loan_event_rows(rows))

    # -- the fold's checkpoint ----------------------------------------------------------------------
    def save_checkpoint(self, checkpoint: Checkpoint, borrower_id: str) -> None:
        values = checkpoint_row(checkpoint, borrower_id)
        if values is not None:
            execute(self.connection, _upsert_checkpoint(self.connection.dialect.name), values)

    # -- views for the books ------------------------------------------------------------------------
    def balance_rows(self) -> list[dict[str, Any]]:
        c = t.loans.c
        query = select(
            c.loan_id, c.currency, *(c[name] for name in BALANCE_COLUMNS),
            c.eod_interest_posted_minor, c.eod_penalty_posted_minor,
        )  # fmt: skip
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def all_ids(self, limit: int) -> list[str]:
        query = select(t.loans.c.loan_id).order_by(t.loans.c.loan_id).limit(limit)
        return list(self.connection.execute(query).scalars())

    def snapshot_row(self, loan_id: str) -> dict[str, Any]:
        c = t.loans.c
        names = ("status", "as_of", *BALANCE_COLUMNS, "totals_json", *ACCRUAL_COLUMNS[1:])
        query = select(*(c[name] for name in names)).where(c.loan_id == loan_id)
        return dict(self.connection.execute(query).mappings().one())

    def ids_of_line(self, line_id: str) -> list[str]:
        query = select(t.loans.c.loan_id).where(t.loans.c.line_id == line_id).order_by(t.loans.c.disbursed_on)
        return list(self.connection.execute(query).scalars())

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(t.loans)).scalar_one())


class PendingLoan:
    """A loan read queued in a pipeline: `record()` once it has run."""

    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def record(self) -> LoanRecord | None:
        row = self.rows.first()
        return None if row is None else _record(row)


class PendingLoanAndLine:
    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def records(self) -> tuple[LoanRecord | None, LineRecord | None]:
        row = self.rows.first()
        if row is None:
            return None, None
        return _record(row[:_LOAN_WIDTH]), line_record_of(row[_LOAN_WIDTH:])


def event_row(loan_id: str, borrower_id: str, event: LoanEvent, recorded_on: date) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "loan_id": loan_id,
        "borrower_id": borrower_id,
        "sequence": event.sequence,
        "kind": str(event.kind),
        "effective_date": event.effective_date,
        "amount_minor": None if event.amount is None else event.amount.minor,
        "currency": None if event.amount is None else event.amount.currency.code,
        "reverses": event.reverses,
        "data_json": json.dumps(dict(event.data), sort_keys=True),
        "recorded_on": recorded_on,
    }


def checkpoint_row(checkpoint: Checkpoint, borrower_id: str) -> dict[str, Any] | None:
    """The `loan_checkpoints` row; None beyond int64 (never for a real loan): the old row is then stale,
    so the next command replays."""
    blob = checkpoint_blob(checkpoint)
    if blob is None:
        return None
    return {"loan_id": checkpoint.loan_id, "borrower_id": borrower_id, "last_sequence": checkpoint.last_sequence, "checkpoint": blob}


# A checkpoint is stored as int64 little-endian values, zlib-compressed (mostly zeros and small
# numbers: a 12-installment loan's 1.7 kB become a few hundred bytes).
_LITTLE_ENDIAN = sys.byteorder == "little"


def checkpoint_storable(checkpoint: Checkpoint) -> bool:
    """Whether `checkpoint_blob` stores the checkpoint (every value an int64), without compressing it."""
    if checkpoint.fits_int64 is not None:  # `fast_path._freeze` checked it
        return checkpoint.fits_int64
    try:
        array("q", checkpoint.values)
    except OverflowError:
        return False
    return True


def checkpoint_blob(checkpoint: Checkpoint) -> bytes | None:
    try:
        values = array("q", checkpoint.values)
    except OverflowError:
        return None
    if not _LITTLE_ENDIAN:
        values.byteswap()
    return zlib.compress(values.tobytes(), 1)


def checkpoint_of_blob(loan_id: str, last_sequence: int, blob: bytes) -> Checkpoint:
    values = array("q")
    values.frombytes(zlib.decompress(bytes(blob)))
    if not _LITTLE_ENDIAN:
        values.byteswap()
    return Checkpoint(loan_id, last_sequence, tuple(values), fits_int64=True)


def _record(row: tuple) -> LoanRecord:
    (loan_id, borrower_id, line_id, product_id, product_version, code, terms_json, status, as_of,
     principal_minor, totals_json, version, interest_accrued_minor, penalty_accrued_minor) = row  # fmt: skip
    cur = currency(code)
    totals = json.loads(totals_json)
    totals["interest_accrued"], totals["penalty_accrued"] = interest_accrued_minor, penalty_accrued_minor
    return LoanRecord(
        loan_id=loan_id,
        borrower_id=borrower_id,
        line_id=line_id,
        product_id=product_id,
        product_version=product_version,
        currency=cur,
        terms_json=terms_json,
        status=status,
        as_of=as_of,
        principal_outstanding=Money(principal_minor, cur),
        totals=LoanTotals.of_minor(cur, totals),
        version=version,
    )


# Totals kept as columns (EOD advances them) rather than inside totals_json.
ACCRUED_TOTALS = {"interest_accrued": "interest_accrued_minor", "penalty_accrued": "penalty_accrued_minor"}


def snapshot_values(state: LoanHeadline) -> dict[str, Any]:
    """The snapshot row's values: a state's headline figures (its installments are not stored)."""
    totals = state.totals.as_minor()
    assert totals["interest_accrued"] == state.accrual.interest_accrued_minor, "one figure, two places"
    assert totals["penalty_accrued"] == state.accrual.penalty_accrued_minor, "one figure, two places"
    return {
        **accrual_values(state.accrual),
        "status": str(state.status),
        "as_of": state.as_of,
        "principal_outstanding_minor": state.principal_outstanding.minor,
        "interest_receivable_minor": state.interest_receivable.minor,
        "penalty_receivable_minor": state.penalty_receivable.minor,
        "fee_receivable_minor": state.fee_receivable.minor,
        "credit_balance_minor": state.credit_balance.minor,
        "days_past_due": state.days_past_due,
        "totals_json": json.dumps({k: v for k, v in totals.items() if k not in ACCRUED_TOTALS}, sort_keys=True),
    }


def _event(row: Any) -> LoanEvent:
    """The event of a `loan_events` row mapping (other modules read events in bulk with this)."""
    return _event_of(tuple(row[name] for name in _EVENT_COLUMNS))


def _event_of(row: tuple) -> LoanEvent:
    event_id, _, _, sequence, kind, effective_date, amount_minor, code, reverses, data_json, _ = row
    amount = None if amount_minor is None else Money(amount_minor, currency(code))
    return LoanEvent(
        event_id=event_id,
        kind=kind,
        effective_date=effective_date,
        sequence=sequence,
        amount=amount,
        reverses=reverses,
        data=tuple(json.loads(data_json).items()),
    )
