"""Where a PostgreSQL end of day spends its time, statement by statement, on a kept million-loan book.

`seed N`: build the book once (bench_eod's templates, clones and warm-up day) in database
`eod_seed_N`, kept. `run N [stage ...]`: copy it (CREATE DATABASE ... TEMPLATE, a file copy), run
the next day (only the named stages, or all), and print each stage's wall/CPU and its slowest
statements by total server round-trip time; the copy is dropped afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine, event, text

ROOT = "postgresql+psycopg://postgres@127.0.0.1:5432/"


def _admin() -> Any:
    return create_engine(ROOT + "test", isolation_level="AUTOCOMMIT")


def seed(loans: int) -> None:
    from bench.bench_eod import clone_loans, make_templates
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.store import make_engine

    name = f"eod_seed_{loans}"
    with _admin().connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        c.execute(text(f"CREATE DATABASE {name}"))
    engine = make_engine(ROOT + name)
    today = make_templates(engine)
    started = time.perf_counter()
    clone_loans(engine, loans)
    print("cloned", round(time.perf_counter() - started, 1), flush=True)
    today += timedelta(days=1)
    started = time.perf_counter()
    run_pipeline(engine, today)
    print("warm-up", round(time.perf_counter() - started, 1), "next day", today + timedelta(days=1), flush=True)
    engine.dispose()


def _time_driver(totals: dict, stage: list, inside: list) -> None:
    """Time the statements stages send on the raw psycopg cursor (execute, executemany, COPY) too."""
    import contextlib

    import psycopg

    def timed(method: Any, label: str) -> Any:
        def wrapper(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
            if inside[0]:
                return method(self, query, *args, **kwargs)
            started = time.perf_counter()
            try:
                return method(self, query, *args, **kwargs)
            finally:
                entry = totals[(stage[0], label + " ".join(str(query).split())[:300])]
                entry[0] += time.perf_counter() - started
                entry[1] += 1

        return wrapper

    for cls in (psycopg.Cursor,):
        cls.execute = timed(cls.execute, "[drv] ")
        cls.executemany = timed(cls.executemany, "[drv many] ")
        copy = cls.copy

        @contextlib.contextmanager
        def copy_timed(self, statement, *args, _copy=copy, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            with _copy(self, statement, *args, **kwargs) as c:
                yield c
            entry = totals[(stage[0], "[copy] " + str(statement)[:200])]
            entry[0] += time.perf_counter() - started
            entry[1] += 1

        cls.copy = copy_timed


def run(loans: int, only: frozenset[str] | None) -> None:
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.store import make_engine

    seed_db, name = os.environ.get("EOD_SEED_DB", f"eod_seed_{loans}"), f"eod_run_{loans}"
    with _admin().connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        started = time.perf_counter()
        c.execute(text(f"CREATE DATABASE {name} TEMPLATE {seed_db}"))
        print("copied", round(time.perf_counter() - started, 1), flush=True)
    engine = make_engine(ROOT + name)
    stage = ["-"]
    inside = [False]
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t0"] = time.perf_counter()
        inside[0] = True

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        entry = totals[(stage[0], " ".join(statement.split())[:300])]
        entry[0] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        entry[1] += 1
        inside[0] = False

    def progress(name: str, done: int, total: int) -> None:
        stage[0] = name

    _time_driver(totals, stage, inside)

    with engine.connect() as c:
        today = c.execute(text("SELECT max(run_date) FROM eod_runs")).scalar_one()
    started, cpu = time.perf_counter(), time.process_time()
    result = run_pipeline(engine, today + timedelta(days=1), progress=progress, only=only)[0]
    print("total", round(time.perf_counter() - started, 1), "cpu", round(time.process_time() - cpu, 1))
    print("wall", result["seconds"])
    print("cpu ", result["cpu_seconds"])
    by_stage: dict[str, list] = defaultdict(list)
    for (st, sql), (seconds, count) in totals.items():
        by_stage[st].append((seconds, count, sql))
    for st, rows in by_stage.items():
        rows.sort(reverse=True)
        print(f"== {st}: {sum(r[0] for r in rows):.1f} s in statements, {sum(r[1] for r in rows)} executions")
        for seconds, count, sql in rows[:8]:
            print(f"  {seconds:7.2f} s {count:8d}x  {sql}")
    engine.dispose()
    if "--keep" not in sys.argv:
        with _admin().connect() as c:
            c.execute(text(f"DROP DATABASE {name}"))


if __name__ == "__main__":
    command, size = sys.argv[1], int(sys.argv[2])
    if command == "seed":
        seed(size)
    else:
        names = [a for a in sys.argv[3:] if not a.startswith("--")]
        run(size, frozenset(names) if names else None)
