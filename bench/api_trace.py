"""What a served request waited on: the API under uvicorn with a timeline of every request, garbage
collection and database call, for finding where the slow requests of bench_api's scenarios go.

`BENCH_API_TRACE=folder python -m bench.bench_api` (or `bench_api.decisions(...)` with it set)
serves `bench.api_trace:build` instead of `creditline.api.server:build`: the same app, wrapped so
that each worker writes one JSON line per request (start and end on the monotonic clock, status),
per collection (generation, pause, objects collected) and per database call over TRACE_SQL_MS
(the statement's head, its duration; `BEGIN IMMEDIATE` waits for SQLite's write lock, `COMMIT`
may copy the write-ahead log into the database). `python -m bench.api_trace folder` then lists the
requests over SLOW_MS with what overlapped them in the same worker, and sums the causes.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

TRACE_SQL_MS = 5.0
SLOW_MS = 30.0
LINES_BUFFERED_MAX = 2_000


class Timeline:
    """One worker's events, buffered and appended to its own file (no lock: one writer per file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []
        self.gc_started = 0.0

    def add(self, kind: str, started: float, ended: float, **details: Any) -> None:
        self.lines.append(json.dumps({"kind": kind, "start": started, "end": ended, **details}))
        if len(self.lines) >= LINES_BUFFERED_MAX:
            self.flush()

    def flush(self) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in self.lines))
        self.lines.clear()

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.gc_started = time.monotonic()
            return
        self.add("gc", self.gc_started, time.monotonic(), generation=info["generation"], collected=info["collected"])


def build() -> Any:
    from creditline.api.server import build as build_app

    app = build_app()
    timeline = Timeline(Path(os.environ["BENCH_API_TRACE"]) / f"worker-{os.getpid()}.jsonl")
    gc.callbacks.append(timeline.on_gc)
    _watch_engine(app.state.runtime.engine, timeline)

    async def traced(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(app, scope, receive, send, timeline)
            return
        started, status = time.monotonic(), [0]

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            timeline.add("request", started, time.monotonic(), path=scope.get("path"), status=status[0])

    return traced


async def _lifespan(app: Any, scope: dict[str, Any], receive: Any, send: Any, timeline: Timeline) -> None:
    async def sending(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.shutdown"):
            timeline.flush()
        await send(message)

    await app(scope, receive, sending)


def _watch_engine(engine: Any, timeline: Timeline) -> None:
    """Database calls over TRACE_SQL_MS, the pool's checkouts that waited, and every commit's time."""
    from sqlalchemy import event

    from creditline.store import engine as engines

    if hasattr(engines, "begin_immediate"):  # run on the driver's connection: no cursor event sees it
        begin_immediate = engines.begin_immediate

        def timed_begin(dbapi_connection: Any) -> None:
            started = time.monotonic()
            try:
                begin_immediate(dbapi_connection)
            finally:
                timeline.add("sql", started, time.monotonic(), statement="BEGIN IMMEDIATE")

        engines.begin_immediate = timed_begin

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        conn.info["trace_started"] = time.monotonic()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        started, ended = conn.info.pop("trace_started", None), time.monotonic()
        if started is not None and ((ended - started) * 1000 >= TRACE_SQL_MS or statement.startswith("BEGIN")):
            timeline.add("sql", started, ended, statement=" ".join(statement.split())[:60])

    dialect = engine.dialect
    commit = dialect.do_commit
    # SQLite: the write-ahead log's size after each commit (it starts again from the top once a
    # checkpoint has copied all of it into the database and a writer finds no reader still in it)
    wal = Path(f"{engine.url.database}-wal") if engine.dialect.name == "sqlite" else None

    def timed_commit(dbapi_connection: Any) -> None:
        started = time.monotonic()
        try:
            commit(dbapi_connection)
        finally:
            ended = time.monotonic()
            sizes = {"wal_kib": wal.stat().st_size // 1024} if wal is not None and wal.exists() else {}
            timeline.add("sql", started, ended, statement="COMMIT", **sizes)

    dialect.do_commit = timed_commit
    pool = engine.pool
    get = pool._do_get

    def timed_get() -> Any:
        started = time.monotonic()
        try:
            return get()
        finally:
            ended = time.monotonic()
            if (ended - started) * 1000 >= 1.0:
                timeline.add("checkout", started, ended)

    pool._do_get = timed_get


# -- reading the timelines --------------------------------------------------------------------------


def report(folder: Path, slow_ms: float = SLOW_MS, shown_max: int = 40) -> dict[str, Any]:
    """Requests over `slow_ms`, each with the worker's events that overlapped it; and per cause the
    count of slow requests it touched (a request may have several)."""
    requests, causes, shown, durations, kinds = 0, Counter(), [], [], {}
    window = folder / "measured.json"
    begin, end = json.loads(window.read_text()) if window.exists() else (0.0, float("inf"))
    for path in sorted(folder.glob("worker-*.jsonl")):
        events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        events = [e for e in events if e["start"] >= begin and e["end"] <= end]
        for event in events:
            kinds.setdefault(_overlap(event, event)["what"], []).append((event["end"] - event["start"]) * 1000)
        others = sorted((e for e in events if e["kind"] != "request"), key=lambda e: e["start"])
        for request in (e for e in events if e["kind"] == "request" and e["path"] == "/v1/applications"):
            requests += 1
            wall_ms = (request["end"] - request["start"]) * 1000
            durations.append(wall_ms)
            if wall_ms < slow_ms:
                continue
            inside = [_overlap(e, request) for e in others if e["start"] < request["end"] and e["end"] > request["start"]]
            for kind in {e["what"] for e in inside} or {"nothing traced"}:
                causes[kind] += 1
            if len(shown) < shown_max:
                shown.append({"worker": path.stem, "ms": round(wall_ms, 1), "inside": inside})
    durations.sort()
    slow = sum(d >= slow_ms for d in durations)
    syncs = _syncs(folder / "syncs.txt")
    return {
        "requests": requests, "slow": slow, "p50_ms": _pct(durations, 0.5), "p99_ms": _pct(durations, 0.99),
        "max_ms": round(durations[-1], 1) if durations else None, "causes": dict(causes.most_common()),
        "syncs": syncs, "events": {kind: _summary(sorted(ms)) for kind, ms in sorted(kinds.items())}, "shown": shown,
    }  # fmt: skip


def _overlap(event: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    what = event["kind"]
    if what == "request":
        what = "request " + event["path"]
    elif what == "gc":
        what = f"gc gen{event['generation']}"
    elif what == "sql":
        what = "sql " + " ".join(event["statement"].split()[:2] if event["statement"].startswith("BEGIN") else event["statement"].split()[:1])
    return {"what": what, "ms": round((event["end"] - event["start"]) * 1000, 1), **({"statement": event["statement"]} if "statement" in event else {})}


def _syncs(path: Path) -> dict[str, int]:
    """perf stat's counts (CSV: count,unit,event,...) of the measured run, by system call."""
    if not path.exists():
        return {}
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines() if "sys_enter" in line]
    return {row[2].rsplit("_", 1)[-1]: int(row[0]) for row in rows if row[0].isdigit()}


def _summary(ordered: list[float]) -> dict[str, Any]:
    return {"n": len(ordered), "sum_ms": round(sum(ordered)), "p50_ms": _pct(ordered, 0.5), "p90_ms": _pct(ordered, 0.9),
            "p99_ms": _pct(ordered, 0.99), "max_ms": round(ordered[-1], 1)}  # fmt: skip


def _pct(ordered: list[float], q: float) -> float | None:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None


if __name__ == "__main__":
    print(json.dumps(report(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else SLOW_MS), indent=1))
