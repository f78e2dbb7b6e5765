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

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc

from creditline.errors import DomainError

ENV_VAR = "CREDITLINE_DB"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_LOCK_POLL_S = 0.0005  # how often a writer waiting for SQLite's write lock asks for it again
POSTGRES_POOL_SIZE = 16
PING_IDLE_S = 2.0
# A long batch writer lets SQLite's write-ahead log grow to this many pages (400 MiB of 4 KiB pages) before
# a commit copies it into the database, instead of SQLite's default 1,000.
SQLITE_BATCH_WAL_PAGES = 100_000
# A served SQLite database: a thread checkpoints the log this often; commits only past this many pages.
CHECKPOINT_EVERY_S = 1.0
SQLITE_SERVED_WAL_PAGES = 10_000


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


def checkpoint_in_background(engine: Engine) -> threading.Event:
    """SQLite, served: copy the write-ahead log into the database from a thread of its own, every
    CHECKPOINT_EVERY_S, instead of in whichever request's commit finds it over 1,000 pages.

    The commit that crosses the threshold copies the log and syncs it and the database (two fsyncs,
    6-15 ms each on a virtual disk) before its request goes on; and while another process keeps
    writing, a checkpoint rarely gets to the log's end, so the log stays over the threshold and
    every commit after it does the same — a served worker runs its decisions on the event loop, so
    its other requests wait too (docs/benchmarks.md, stop 22). The thread's checkpoint is passive
    (it waits for no one, writers go on) and releases the GIL while it writes. The automatic one
    stays as a backstop, at SQLITE_SERVED_WAL_PAGES, should the thread fall behind. PostgreSQL:
    nothing changes. Returns the event that stops the thread once set."""
    stop = threading.Event()
    if not is_sqlite(engine):
        return stop

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={SQLITE_SERVED_WAL_PAGES}")

    engine.dispose()  # every connection from now on has the higher threshold
    threading.Thread(target=_checkpoint_every, args=(engine, stop), name="sqlite-checkpoint", daemon=True).start()
    return stop


def _checkpoint_every(engine: Engine, stop: threading.Event) -> None:
    while not stop.wait(CHECKPOINT_EVERY_S):
        try:
            connection = engine.raw_connection()  # not engine.connect(): it would begin a writing transaction
            try:
                connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                connection.close()
        except Exception:  # the next round tries again; the automatic checkpoint is still there
            logging.getLogger(__name__).exception("the background checkpoint of the SQLite log failed")


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
        if connection.get_execution_options().get("read_only", False):
            connection.exec_driver_sql("BEGIN")
            return
        try:
            begin_immediate(connection.connection.dbapi_connection)
        except sqlite3.Error as error:  # as SQLAlchemy raises a driver's error from a statement it ran
            raise exc.DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error, dialect=connection.dialect) from error


def begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """`BEGIN IMMEDIATE`, asking again for the write lock every WRITE_LOCK_POLL_S while another
    connection holds it, for up to the busy timeout (then SQLite's "database is locked").

    SQLite's own busy handler waits 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between
    tries: a writer that found the lock taken twice sleeps through every moment it was free for the
    next 25 ms, and a writer in another process that takes it again in the meantime sends it into
    the longer sleeps. Two served workers on one file so made a few decisions wait 100–600 ms for
    a lock held ~2 ms at a time (docs/benchmarks.md, stop 22); asked for every half millisecond,
    the lock goes to the waiter about as soon as it is free."""
    dbapi_connection.execute("PRAGMA busy_timeout=0")  # a taken lock answers SQLITE_BUSY at once
    try:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(WRITE_LOCK_POLL_S)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # for every other wait
