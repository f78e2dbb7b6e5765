"""INSERT ... ON CONFLICT DO UPDATE for the two dialects we run on (both support it natively)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def add_to_counters(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    counters: Sequence[str],
    rows: list[dict[str, Any]],
) -> None:
    """Insert rows, or add their counter columns to the existing row with the same key.

    Callers pass rows sorted by key: concurrent transactions then lock rows in the same order and
    cannot deadlock each other on PostgreSQL.
    """
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for row in rows:
        stmt = dialect.insert(table).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + stmt.excluded[name] for name in counters},
        )
        connection.execute(stmt)
