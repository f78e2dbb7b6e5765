"""Batch writes on the driver's cursor for the end-of-day stages: one prepared statement over many
rows (COPY for inserts on PostgreSQL), without SQLAlchemy's per-row, per-value processing.

Values go in as the driver takes them; a date as `stored_date` gives it (ISO text on SQLite, as
SQLAlchemy's `Date` stores it there, so the ORM reads these rows back as dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection


def stored_date(connection: Connection, day: date | None) -> Any:
    """A date as the driver takes it: itself on PostgreSQL, ISO text on SQLite (None stays None)."""
    if day is None or connection.dialect.name == "postgresql":
        return day
    return day.isoformat()


def insert_rows(connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Rows (tuples in `columns` order) in one prepared statement; COPY on PostgreSQL."""
    if not rows:
        return
    names = ", ".join(columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
    finally:
        cursor.close()


def update_rows(connection: Connection, table: str, key: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:  # fmt: skip
    """`UPDATE table SET columns... WHERE key = ?` over rows of (*values in `columns` order, key)."""
    if not rows:
        return
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    sql = f"UPDATE {table} SET {', '.join(f'{c} = {mark}' for c in columns)} WHERE {key} = {mark}"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()
