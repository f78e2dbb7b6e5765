"""What a group commit's repayments write besides their journal entries: one statement per batch on PostgreSQL.

`command_writes.queue_write` sends one statement per command (six writes, ~50 parameters). For a batch
of two or more commands this module sends one statement for all of them, each table's rows as arrays
(`unnest`, one parameter per column): every command's event and its record in the tamper-evident log
(the same leaf, hashed by the server the same way, in the same order), every idempotency record, and
for each loan and line only its last state — a loan repaid twice in the batch goes from the version
read under its lock to the last command's, as the per-command updates would leave it, checked by the
same version (their row counts are returned and asserted before the commit) — and each loan's last
storable checkpoint. The rows it touches are those `queue_write` would touch, already locked by the
batch, so it takes no lock out of order. A single command keeps `queue_write`'s statement (an array
statement costs the server more for one row).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Integer, Table, text
from sqlalchemy.dialects import postgresql

from creditline.store import tables as t
from creditline.store.audit_log import loan_event_rows
from creditline.store.command_writes import PRICING_COLUMNS, LoanCommandWrites
from creditline.store.driver_sql import execute
from creditline.store.line_repository import LINE_STATE, line_values
from creditline.store.loan_repository import checkpoint_row, event_row, snapshot_values
from creditline.store.tables_checkpoints import loan_checkpoints

BATCH_ROWS_MAX = 1024  # commands in one statement: bounds its arrays


def queue_batch_write(connection: Connection, batch: Sequence[LoanCommandWrites]) -> Callable[[], None]:
    """The writes of `batch` (PostgreSQL, in command order), queued when the connection is pipelined;
    returns the check of the version-checked updates, to call once the statement has run."""
    assert connection.dialect.name == "postgresql", connection.dialect.name
    assert 1 <= len(batch) <= BATCH_ROWS_MAX, len(batch)
    events = [event_row(w.loan_id, w.borrower_id, w.event, w.on) for w in batch]
    leaves = [record["leaf"] for record in loan_event_rows(events)]
    loans: dict[str, dict[str, Any]] = {}  # per loan: the first version read, the last state
    lines: dict[str, dict[str, Any]] = {}
    checkpoints: dict[str, dict[str, Any]] = {}
    for w in batch:
        snapshot = {k: v for k, v in snapshot_values(w.state).items() if k not in PRICING_COLUMNS}
        if (before := loans.get(w.loan_id)) is not None:  # the loan's commands follow each other's versions
            assert w.loan_version == before["version"], (w.loan_id, w.loan_version, before["version"])
        read = w.loan_version if before is None else before["k_version"]
        loans[w.loan_id] = {**snapshot, "version": w.loan_version + 1, "loan_id": w.loan_id, "k_version": read}
        if w.line is not None:
            if (moved := lines.get(w.line.line_id)) is not None:
                assert w.line_version == moved["version"], (w.line.line_id, w.line_version, moved["version"])
            read = w.line_version if moved is None else moved["k_version"]
            lines[w.line.line_id] = {**line_values(w.line), "version": w.line.version, "line_id": w.line.line_id,
                                     "k_version": read}  # fmt: skip
        if (checkpoint := checkpoint_row(w.checkpoint, w.borrower_id)) is not None:
            checkpoints[w.loan_id] = checkpoint
    snapshot_columns = tuple(k for k in next(iter(loans.values())) if k not in ("loan_id", "k_version"))
    params = _columns("ev_", events) | {"au_leaf": leaves} | _columns("lo_", list(loans.values()))
    params |= _columns("ik_", [w.idempotency for w in batch]) | _columns("cp_", list(checkpoints.values()))
    params |= _columns("li_", list(lines.values()))
    statement, short = _statement(snapshot_columns, bool(checkpoints), bool(lines))
    rows = execute(connection, statement, {short[name]: value for name, value in params.items()}, binary=True)

    def check() -> None:
        loans_updated, lines_updated = rows.first() or (0, 0)
        assert loans_updated == len(loans), f"{len(loans) - loans_updated} of the batch's loans changed under us"
        assert lines_updated == len(lines), f"{len(lines) - lines_updated} of the batch's lines changed under us"

    return check


def _columns(prefix: str, rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {f"{prefix}{name}": [row[name] for row in rows] for name in (rows[0] if rows else ())}


_DIALECT = postgresql.dialect()


class _Names:
    """Short parameter names (`p0`, `p1`...) for the statement's long ones: psycopg caches the parse of
    a statement up to 4,096 characters and 50 parameters, and this one is parsed once a batch."""

    def __init__(self) -> None:
        self.short: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        return self.short.setdefault(name, f"p{len(self.short)}")


def _unnest(
    names: _Names, table: Table, prefix: str, columns: Sequence[str], alias: str, extra: dict[str, str] | None = None
) -> str:
    """`unnest` of one array parameter per column (`prefix` + column), typed as the table's column (a
    string as text: the column checks its length) or as `extra` says."""
    types = {c.name: re.sub(r"VARCHAR\(\d+\)", "TEXT", c.type.compile(dialect=_DIALECT)) for c in table.c}
    types |= extra or {}
    arrays = ", ".join(f":{names(prefix + name)}\\:\\:{types[name]}[]" for name in columns)  # `\:` is text()'s `:`
    return f"unnest({arrays}) AS {alias}({', '.join(columns)})"


@cache
def _statement(snapshot_columns: tuple[str, ...], with_checkpoints: bool, with_lines: bool) -> tuple[Any, dict[str, str]]:
    """The statement, and the short name of each long parameter name."""
    names = _Names()
    event_columns, key_columns = tuple(t.loan_events.c.keys()), tuple(t.idempotency_keys.c.keys())
    # each event's record as `audit_log.logged_with` writes it: its id, borrower and date, the leaf, its hash
    logged_columns = ("event_id", "borrower_id", "effective_date")
    logged = _unnest(names, t.loan_events, "ev_", logged_columns, "a")
    logged = logged.replace(") AS a(", f", :{names('au_leaf')}\\:\\:BYTEA[]) WITH ORDINALITY AS a(")
    logged = logged.replace("effective_date)", "effective_date, leaf)")
    sql = [
        f"WITH new_events AS (INSERT INTO loan_events ({', '.join(event_columns)}) "
        f"SELECT * FROM {_unnest(names, t.loan_events, 'ev_', event_columns, 'e')}), "
        "logged AS (INSERT INTO audit_log (record_type, record_id, borrower_id, business_date, leaf, leaf_hash) "
        f"SELECT 'loan_event', event_id, borrower_id, effective_date, leaf, sha256('\\x00'::bytea || leaf) "
        f"FROM {logged.replace('leaf)', 'leaf, n)')} ORDER BY n), "  # the commands' order: the log's
        f"keys_kept AS (INSERT INTO idempotency_keys ({', '.join(key_columns)}) "
        f"SELECT * FROM {_unnest(names, t.idempotency_keys, 'ik_', key_columns, 'k')}), ",
    ]
    sets = ", ".join(f"{name} = u.{name}" for name in snapshot_columns)
    loans = _unnest(names, t.loans, "lo_", (*snapshot_columns, "loan_id", "k_version"), "u", {"k_version": "INTEGER"})
    sql.append(
        f"loans_saved AS (UPDATE loans SET {sets} FROM {loans} "
        "WHERE loans.loan_id = u.loan_id AND loans.version = u.k_version RETURNING 1)"
    )
    if with_checkpoints:
        columns = tuple(loan_checkpoints.c.keys())
        sql.append(
            f", checkpoints_saved AS (INSERT INTO loan_checkpoints ({', '.join(columns)}) "
            f"SELECT * FROM {_unnest(names, loan_checkpoints, 'cp_', columns, 'c')} "
            "ON CONFLICT (loan_id) DO UPDATE SET borrower_id = excluded.borrower_id, "
            "last_sequence = excluded.last_sequence, checkpoint = excluded.checkpoint)"
        )
    lines_count = "0"
    if with_lines:
        sets = ", ".join(f"{name} = u.{name}" for name in LINE_STATE)
        lines = _unnest(names, t.credit_lines, "li_", (*LINE_STATE, "line_id", "k_version"), "u", {"k_version": "INTEGER"})
        sql.append(
            f", lines_saved AS (UPDATE credit_lines SET {sets} FROM {lines} "
            "WHERE credit_lines.line_id = u.line_id AND credit_lines.version = u.k_version RETURNING 1)"
        )
        lines_count = "(SELECT count(*) FROM lines_saved)"
    sql.append(f" SELECT (SELECT count(*) FROM loans_saved) AS loans_updated, {lines_count} AS lines_updated")
    # typed columns: `driver_sql` fetches the rows of statements it knows return some
    return text("".join(sql)).columns(loans_updated=Integer, lines_updated=Integer), names.short
