"""What a command on a loan writes, besides its journal entry: one statement on PostgreSQL.

The new event and its record in the tamper-evident log, the loan's snapshot (version-checked), its
fold checkpoint, the line's new balance (version-checked, when principal moved) and the idempotency
record. On PostgreSQL they are one data-modifying `WITH` statement — one bind and one execution
instead of six, the row counts of the two version-checked updates returned so they are asserted
before the commit. The rows it touches are the loan's and its line's, already locked by the command,
its checkpoint (only ever written under the loan's lock) and new rows, so running the parts in any
order takes no lock out of order.
SQLite, in process, runs the repositories' statements one after the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql

from creditline.lending.credit_line import CreditLine
from creditline.lending.loan.events import LoanEvent
from creditline.lending.loan.fast_path import Checkpoint
from creditline.lending.loan.state import LoanHeadline
from creditline.store import tables as t
from creditline.store.audit_log import loan_event_rows, logged_with
from creditline.store.driver_sql import execute
from creditline.store.line_repository import LINE_STATE, line_values
from creditline.store.loan_repository import checkpoint_row, event_row, snapshot_values
from creditline.store.tables_checkpoints import loan_checkpoints


@dataclass(frozen=True, slots=True)
class LoanCommandWrites:
    loan_id: str
    borrower_id: str
    event: LoanEvent
    on: date
    state: LoanHeadline  # what a command stores (a LoanState is one)
    loan_version: int  # as read under the loan's lock
    checkpoint: Checkpoint
    line: CreditLine | None  # the line's new state when the command moved its principal
    line_version: int
    idempotency: dict[str, Any]  # the `idempotency_keys` row (`repositories.idempotency_row`)


def write(connection: Connection, writes: LoanCommandWrites, repositories: Any) -> None:
    """Write it all; `repositories` is the unit of work (its repositories run SQLite's statements)."""
    queue_write(connection, writes, repositories)()


def queue_write(connection: Connection, writes: LoanCommandWrites, repositories: Any) -> Callable[[], None]:
    """`write`, queued when the connection is pipelined: returns the check of its version-checked
    updates, to call once the statement has run (a group commit queues many before the first runs)."""
    if connection.dialect.name != "postgresql":
        _write_each(writes, repositories)
        return _checked
    snapshot = {k: v for k, v in snapshot_values(writes.state).items() if k not in PRICING_COLUMNS}
    checkpoint = checkpoint_row(writes.checkpoint, writes.borrower_id)
    event = event_row(writes.loan_id, writes.borrower_id, writes.event, writes.on)
    record = loan_event_rows([event])[0]
    params = _prefixed("ev_", event) | {"au_leaf": record["leaf"]}
    params |= _prefixed("lo_", snapshot) | {"lo_version": writes.loan_version + 1}
    params |= {"lo_k_loan_id": writes.loan_id, "lo_k_version": writes.loan_version}
    params |= _prefixed("ik_", writes.idempotency)
    if checkpoint is not None:
        params |= _prefixed("cp_", checkpoint)
    if writes.line is not None:
        params |= _prefixed("li_", line_values(writes.line)) | {"li_version": writes.line.version}
        params |= {"li_k_line_id": writes.line.line_id, "li_k_version": writes.line_version}
    statement = _statement(tuple(snapshot), checkpoint is not None, writes.line is not None)
    rows = execute(connection, statement, params)

    def check() -> None:
        loans_updated, lines_updated = rows.first() or (0, 0)
        assert loans_updated == 1, f"loan {writes.loan_id} changed under us (version {writes.loan_version})"
        assert lines_updated == (writes.line is not None), f"the line of loan {writes.loan_id} changed under us"

    return check


def _checked() -> None:
    """SQLite's statements ran one by one and checked their own row counts."""


# The loan's accrual pricing, written at drawdown from its contract, never changes: a command leaves it
# out (which also keeps the statement under psycopg's 50 parameters for caching its parsed form).
PRICING_COLUMNS = frozenset({
    "interest_denominator", "interest_common_day", "interest_leap_day", "penalty_denominator",
    "penalty_common_day", "penalty_leap_day", "grace_days", "charge_off_days", "rounding_code",
})  # fmt: skip


def _write_each(writes: LoanCommandWrites, uow: Any) -> None:
    uow.loans.add_events(writes.loan_id, writes.borrower_id, [writes.event], writes.on)
    uow.loans.save_state(writes.loan_id, writes.state, writes.loan_version)
    uow.loans.save_checkpoint(writes.checkpoint, writes.borrower_id)
    if writes.line is not None:
        uow.lines.save(writes.line, writes.line_version)
    uow.idempotency.put_row(writes.idempotency)


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{name}": value for name, value in values.items()}


def _binds(prefix: str, names: Any) -> dict[str, Any]:
    return {name: bindparam(f"{prefix}{name}") for name in names}


@cache
def _statement(snapshot_columns: tuple[str, ...], with_checkpoint: bool, with_line: bool) -> Any:
    lo, li = t.loans.c, t.credit_lines.c
    event_columns = tuple(t.loan_events.c.keys())
    e = t.loan_events.c
    events = (
        insert(t.loan_events).values(_binds("ev_", event_columns))
        .returning(e.event_id, e.borrower_id, e.effective_date).cte("new_event")
    )
    logged = logged_with("loan_event", events.c.event_id, events.c.borrower_id, events.c.effective_date)
    loan = (
        update(t.loans)
        .where(lo.loan_id == bindparam("lo_k_loan_id"), lo.version == bindparam("lo_k_version"))
        .values(_binds("lo_", (*snapshot_columns, "version")))
        .returning(lo.loan_id)
        .cte("loan_saved")
    )
    key = insert(t.idempotency_keys).values(_binds("ik_", ("scope", "client_key", "borrower_id", "request_hash",
                                                           "result_json"))).cte("key_kept")  # fmt: skip
    ctes = [events, logged, key]
    counts = [select(func.count()).select_from(loan).scalar_subquery()]
    if with_checkpoint:
        upsert = postgresql.insert(loan_checkpoints)
        upsert = upsert.values(_binds("cp_", tuple(loan_checkpoints.c.keys())))
        ctes.append(
            upsert.on_conflict_do_update(
                index_elements=["loan_id"], set_={n: upsert.excluded[n] for n in ("borrower_id", "last_sequence", "checkpoint")}
            ).cte("checkpoint_saved")
        )
    if with_line:
        line = (
            update(t.credit_lines)
            .where(li.line_id == bindparam("li_k_line_id"), li.version == bindparam("li_k_version"))
            .values(_binds("li_", LINE_STATE))
            .returning(li.line_id)
            .cte("line_saved")
        )
        counts.append(select(func.count()).select_from(line).scalar_subquery())
    else:
        counts.append(select(0).scalar_subquery())
    return select(*counts).add_cte(*ctes)
