"""Which database, and how to connect to it: SQLite (embedded default) or PostgreSQL (production).

SQLite: WAL so readers never block the writer, a busy timeout so a second writer waits instead of
failing, foreign keys on (SQLite leaves them off by default), and `BEGIN IMMEDIATE` for writing
units of work. SQLite has no row locks: IMMEDIATE takes the database write lock when the transaction
starts, so two racing commands serialise at their first statement instead of both reading, then one
failing with "database is locked" when it tries to write.

PostgreSQL: a pool per process; a connection that sat idle in it for more than PING_IDLE_S is pinged
before it is handed out (a dead one is replaced), one used moments ago is not — a ping per checkout
(`pool_pre_ping`) is a round trip on every unit of work, and a request takes two or three. Should
the server restart under load, the first statement on a dead connection fails, SQLAlchemy sees the
disconnect and drops the whole pool, and the next unit of work connects afresh.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc

from creditline.errors import DomainError

ENV_VAR = "CREDITLINE_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POSTGRES_POOL_SIZE = 16
PING_IDLE_S = 2.0
# A long batch writer lets SQLite's write-ahead log grow to this many pages (400 MiB of 4 KiB pages) before
# a commit copies it into the database, instead of SQLite's default 1,000.
SQLITE_BATCH_WAL_PAGES = 100_000


def default_url() -> str:
    """A SQLite file under the user's data directory (platformdirs), created on first use."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("creditline", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'creditline.sqlite'}"


def resolve_url(url: str | None = None) -> str:
    """`--db URL`, else `$CREDITLINE_DB`, else the default file. `postgresql://` means psycopg 3."""
    chosen = url or os.environ.get(ENV_VAR) or default_url()
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None, *, pool_size: int = POSTGRES_POOL_SIZE) -> Engine:
    resolved = resolve_url(url)
    try:
        return _engine(resolved, pool_size)
    except (exc.ArgumentError, ImportError, ValueError) as error:  # unparseable, a bad port, a driver not installed
        raise DomainError(
            f"not a database URL this platform opens (sqlite:///path or postgresql://user@host/db): {error}",
            field="db", code="database_url_invalid",
        ) from None  # fmt: skip


def _engine(resolved: str, pool_size: int) -> Engine:
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    engine = create_engine(resolved, pool_size=pool_size, max_overflow=pool_size)
    _ping_when_idle(engine)
    return engine


def for_long_batch(engine: Engine) -> Engine:
    """SQLite: checkpoint the write-ahead log every SQLITE_BATCH_WAL_PAGES pages, not every 1,000.

    For a process that writes for a long time and nothing else waits on (the simulator). A day of its
    end of day rewrites the same loan, snapshot and ledger pages in many transactions; each checkpoint
    copies every page changed since the last one into the database, so a page rewritten ten times
    between two checkpoints is copied once instead of up to ten times. Same data, same durability
    (`synchronous=NORMAL`); the cost is disk for the log, which the last connection's close folds back.
    Connections already in the pool are dropped so that every one the engine hands out has it.
    PostgreSQL: nothing changes."""
    if not is_sqlite(engine):
        return engine

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_BATCH_WAL_PAGES}")
        cursor.close()

    engine.dispose()
    return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= PING_IDLE_S:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)  # what pool_pre_ping runs: no transaction left open
        except Exception as error:  # the pool replaces it and tries again (up to three times)
            raise exc.DisconnectionError(f"a pooled connection idle for over {PING_IDLE_S} s is gone") from error


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event, not the driver, decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across app crashes in WAL mode
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
