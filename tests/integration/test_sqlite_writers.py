"""SQLite's writers as served: the wait for the write lock, and the log's checkpoint off the request path."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc, text

import creditline.store.engine as engines
from creditline.store import UnitOfWork, make_engine

HOLD_S = 0.035  # SQLite's own busy handler, asked at 0 ms, next tries at 33 and 53 ms: 18 ms after this


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite'}")
    with UnitOfWork(engine) as uow:
        uow.connection.execute(text("CREATE TABLE t (n INTEGER, blob BLOB)"))
        uow.commit()
    return engine


def _holder(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_waiting_writer_takes_the_lock_within_a_few_ms_of_its_release(tmp_path: Path) -> None:
    """Another connection holds the write lock 35 ms: the waiting unit of work begins ~0.5 ms after
    it is released, where SQLite's busy handler would sleep until 53 ms (18 ms late). Best of three,
    so a busy machine's scheduling does not decide it."""
    engine = _engine(tmp_path)
    late_ms = []
    for _ in range(3):
        holder, released = _holder(tmp_path / "writers.sqlite"), []

        def release(holder: sqlite3.Connection = holder, released: list[float] = released) -> None:
            time.sleep(HOLD_S)
            holder.execute("COMMIT")
            released.append(time.monotonic())

        threading.Thread(target=release).start()
        with UnitOfWork(engine) as uow:
            began = time.monotonic()
            uow.connection.execute(text("INSERT INTO t (n) VALUES (1)"))
            uow.commit()
        holder.close()
        late_ms.append((began - released[0]) * 1000)
    assert min(late_ms) < 5, late_ms
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 3
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == engines.SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_a_writer_that_never_gets_the_lock_fails_after_the_busy_timeout_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(tmp_path)
    monkeypatch.setattr(engines, "SQLITE_BUSY_TIMEOUT_MS", 60)
    holder = _holder(tmp_path / "writers.sqlite")
    started = time.monotonic()
    with pytest.raises(exc.OperationalError, match="database is locked"), UnitOfWork(engine) as uow:
        uow.connection.execute(text("INSERT INTO t (n) VALUES (1)"))
    assert time.monotonic() - started >= 0.06
    holder.execute("ROLLBACK")
    holder.close()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 60, "restored after the tries"
    engine.dispose()


def test_a_served_database_is_checkpointed_by_a_thread_not_by_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1 MiB written stays in the log at commit (the commits' threshold is 10,000 pages now) and
    reaches the database file through the thread's checkpoint; setting the returned event stops it."""
    monkeypatch.setattr(engines, "CHECKPOINT_EVERY_S", 0.05)
    engine = _engine(tmp_path)
    database = tmp_path / "writers.sqlite"
    stop = engines.checkpoint_in_background(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == engines.SQLITE_SERVED_WAL_PAGES
    stop.set()  # the write below must stay in the log until the thread runs again
    time.sleep(0.2)
    size_before = database.stat().st_size
    with UnitOfWork(engine) as uow:
        uow.connection.execute(text("INSERT INTO t (n, blob) VALUES (1, zeroblob(1048576))"))
        uow.commit()
    time.sleep(0.2)
    assert database.stat().st_size == size_before, "no checkpoint at the commit, nor from a stopped thread"
    stop = engines.checkpoint_in_background(engine)
    deadline = time.monotonic() + 10
    while database.stat().st_size < size_before + 1_048_576 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert database.stat().st_size >= size_before + 1_048_576
    engine.dispose()


def test_a_postgresql_engine_gets_no_checkpoint_thread() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")  # never connected
    threads = threading.active_count()
    stop = engines.checkpoint_in_background(engine)
    assert threading.active_count() == threads and not stop.is_set()
