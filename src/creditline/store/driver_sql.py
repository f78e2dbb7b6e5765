"""Core statements run on the driver's own cursor: the per-command hot path (repayments, drawdowns).

A repayment is a dozen one-row statements. Through `Connection.execute` each costs more client CPU
(cache-key lookup, execution context, result set-up) than PostgreSQL spends running it, so the
command path compiles its Core statements once per dialect and hands the SQL to the DBAPI cursor of
the unit of work's connection — inside the same transaction, with the bind and result processing
SQLAlchemy would apply, taken from the column types. On PostgreSQL `pipelined()` sends several
statements in one round trip (psycopg's pipeline mode: each still runs in order, with a snapshot
of its own, so a read queued after a `FOR UPDATE` sees what the lock holder committed); SQLite runs
them one by one, in process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ClauseElement

from creditline.store.driver_arrays import binary_array

# SQLite's dialect compiles to qmark by default; named parameters let both drivers take one dict.
_SQLITE_NAMED = sqlite.dialect(paramstyle="named")


@dataclass(frozen=True, slots=True)
class DriverStatement:
    sql: str
    fixed: dict[str, Any]  # parameters the statement itself gives values (`calendar_id == 1`)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # parameters the driver cannot take as they are
    results: tuple[Callable[[Any], Any] | None, ...]  # per returned column; () when the statement returns no rows


_COMPILED: dict[tuple[str, int], tuple[ClauseElement, DriverStatement]] = {}


def compiled(connection: Connection, statement: ClauseElement) -> DriverStatement:
    """`statement` as the driver's SQL, compiled once per dialect (statements are module constants whose
    parameters are all named `bindparam`s)."""
    dialect = connection.dialect
    key = (dialect.name, id(statement))
    found = _COMPILED.get(key)
    if found is not None and found[0] is statement:
        return found[1]
    made = _compile(dialect, statement)
    _COMPILED[key] = (statement, made)  # the statement kept alive, so its id is never reused
    return made


def _compile(dialect: Any, statement: Any) -> DriverStatement:
    target = _SQLITE_NAMED if dialect.name == "sqlite" else dialect
    done = statement.compile(dialect=target)
    fixed = {name: bind.value for name, bind in done.binds.items() if bind.value is not None and not bind.required}
    binds = []
    for name, bind in done.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds.append((name, processor))
    results: list[Callable[[Any], Any] | None] = []
    for column in getattr(statement, "selected_columns", ()):
        results.append(column.type.dialect_impl(dialect).result_processor(dialect, None))
    for column in getattr(statement, "_returning", ()) or ():
        results.append(column.type.dialect_impl(dialect).result_processor(dialect, None))
    return DriverStatement(str(done), fixed, tuple(binds), tuple(results))


class Rows:
    """A statement's outcome: rows (processed like SQLAlchemy's) and the row count.

    On PostgreSQL inside `pipelined()` they arrive when the pipeline syncs, so read them after it.
    """

    __slots__ = ("_cursor", "_rows", "_statement")

    def __init__(self, cursor: Any, statement: DriverStatement, eager: bool) -> None:
        self._cursor, self._statement = cursor, statement
        self._rows: list[tuple] | None = None
        if eager:
            self._fetch()

    def all(self) -> list[tuple]:
        if self._rows is None:
            self._fetch()
        assert self._rows is not None
        return self._rows

    def first(self) -> tuple | None:
        rows = self.all()
        return rows[0] if rows else None

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def _fetch(self) -> None:
        cursor, processors = self._cursor, self._statement.results
        # Only statements that return rows are fetched (known when compiled: psycopg's `description`
        # builds a column object per field, which costs more than the fetch of one row).
        raw = cursor.fetchall() if processors else []
        if any(processors):
            raw = [tuple(v if p is None or v is None else p(v) for p, v in zip(processors, row, strict=True)) for row in raw]
        self._rows = [tuple(row) for row in raw]


def execute(
    connection: Connection, statement: ClauseElement, params: dict[str, Any] | None = None, *, binary: bool = False
) -> Rows:
    """Run one statement on the unit of work's driver connection (queued when pipelined). `binary`
    (PostgreSQL): its parameters go in binary form — for arrays, whose text form psycopg builds in
    Python, quoting each element with a regular expression; a flat list of one simple kind of value
    is written by `driver_arrays` rather than psycopg's generic list dumper."""
    made = compiled(connection, statement)
    bound = _bound(made, params or {})
    if binary and not _is_sqlite(connection):
        made = _binary(made)
        bound = {name: binary_array(value) if type(value) is list else value for name, value in bound.items()}
    cursor = _driver(connection).cursor()
    with _translated(connection, made.sql):
        cursor.execute(made.sql, bound)
        return Rows(cursor, made, eager=_is_sqlite(connection))


_BINARY: dict[str, DriverStatement] = {}


def _binary(made: DriverStatement) -> DriverStatement:
    """`made` with binary placeholders (`%(name)b`), made once per statement."""
    found = _BINARY.get(made.sql)
    if found is None:
        found = _BINARY[made.sql] = replace(made, sql=re.sub(r"%\((\w+)\)s", r"%(\1)b", made.sql))
    return found


def execute_many(connection: Connection, statement: ClauseElement, rows: Sequence[dict[str, Any]]) -> Rows:
    """Run one statement once per parameter set (PostgreSQL: one round trip, pipelined by psycopg)."""
    assert rows, "at least one row"
    made = compiled(connection, statement)
    cursor = _driver(connection).cursor()
    with _translated(connection, made.sql):
        cursor.executemany(made.sql, [_bound(made, row) for row in rows])
        return Rows(cursor, made, eager=_is_sqlite(connection))


@contextmanager
def pipelined(connection: Connection) -> Iterator[None]:
    """Statements run inside are sent together and their results read at the end (PostgreSQL).

    An error in one aborts the rest and is raised when the block ends; the caller's unit of work
    then rolls back, as for any failed statement.
    """
    # Inside a pipeline already (a repository's own, within a command's): psycopg would sync on the inner
    # block's exit, costing the round trip the outer block is saving.
    driver = None if _is_sqlite(connection) else _driver(connection)
    context = nullcontext() if driver is None or driver.pgconn.pipeline_status else driver.pipeline()
    with _translated(connection, "(pipeline)"), context:
        yield


@contextmanager
def _translated(connection: Connection, sql: str) -> Iterator[None]:
    """Driver errors raised as SQLAlchemy's (IntegrityError, OperationalError...), as `execute` would."""
    base = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except base as error:
        raise DBAPIError.instance(sql, None, error, base, dialect=connection.dialect) from error


def _bound(made: DriverStatement, params: dict[str, Any]) -> dict[str, Any]:
    if made.fixed:
        params = made.fixed | params
    if not made.binds:
        return params
    params = dict(params)
    for name, processor in made.binds:
        value = params.get(name)
        if value is not None:
            params[name] = processor(value)
    return params


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


def _is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"
