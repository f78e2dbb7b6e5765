"""INSERT ... ON CONFLICT DO UPDATE for the two dialects we run on (both support it natively)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(connection: Connection, table: Table) -> Any:
    """`INSERT` with the dialect's ON CONFLICT clauses (`on_conflict_do_nothing`, `..._do_update`)."""
    return (postgresql if connection.dialect.name == "postgresql" else sqlite).insert(table)


@cache
def _statement(dialect_name: str, table: Table, keys: tuple[str, ...], counters: tuple[str, ...]) -> Any:
    # Built once per table: statements with their values inlined would be recompiled on every call.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + stmt.excluded[name] for name in counters}
    )


def add_to_counters(
    connection: Connection, table: Table, keys: Sequence[str], counters: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert rows, or add their counter columns to the existing row with the same key.

    Callers pass rows sorted by key: concurrent transactions then lock rows in the same order and
    cannot deadlock each other on PostgreSQL.
    """
    if not rows:
        return
    stmt = _statement(connection.dialect.name, table, tuple(keys), tuple(counters))
    # The one cached statement over the rows (executemany), in the order given, so the row locks are taken
    # in key order. A multi-row VALUES with the rows inlined was compiled afresh on every call (~3 ms
    # for a page of settlements' balances, more than its writes).
    connection.execute(stmt, rows[0] if len(rows) == 1 else rows)
