"""Post-loan stages at book scale: what the collections and early-warning stages add to a day's end of
day over N open loans (SQLite and PostgreSQL), and the limit review's cost per line.

The book: thirty template loans made through the app, one drawn each day for a month, repaid on
their due dates except three (two never pay, one pays ten days late), then cloned N times with bulk
inserts (a borrower and a line per 10 loans). On the day measured the book looks like a real one: a
few percent of loans at a reminder day, a tenth past due. `main(smoke)` returns one dict per
measurement with wall and process CPU seconds; on PostgreSQL the server's CPU is not in it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.bench_lending import postgres_url, sqlite_url

START = date(2025, 1, 1)
TEMPLATE_DAYS = 30
MEASURED_AFTER_DAYS = 75  # the day measured: every template has had two or three due dates
NEVER_PAY = (7, 21)
PAYS_LATE = 13
LINES_REVIEWED = 100
LOANS_PER_LINE = 10
INSERT_BATCH = 20_000


def _book(url: str, loans: int) -> tuple[Any, date]:
    from creditline.app import OpenLine, initialise, open_line
    from creditline.store import make_engine

    engine = make_engine(url)
    initialise(engine, START)
    open_line(engine, OpenLine("T-BORROWER", "revolving-consumer", "200000", "0.05", line_id="T-LINE"))
    on = _templates(engine)
    _clone(engine, loans)
    return engine, on


def _templates(engine: Any) -> date:
    from creditline.app import Draw, Repay, draw, repay, run_eod, show_loan

    due: dict[date, list[str]] = {}
    late = {}
    day = START
    for n in range(TEMPLATE_DAYS + MEASURED_AFTER_DAYS):
        if n < TEMPLATE_DAYS:
            loan_id = draw(engine, Draw("T-LINE", "3000", 6, f"t{n}"))["loan_id"]
            if n not in NEVER_PAY:
                for row in show_loan(engine, loan_id)["schedule"]:
                    paid_on = date.fromisoformat(row["due_date"]) + timedelta(days=10 if n == PAYS_LATE else 0)
                    due.setdefault(paid_on, []).append(loan_id)
                    late[loan_id] = n == PAYS_LATE
        day += timedelta(days=1)
        run_eod(engine, day)
        for loan_id in due.get(day, []):
            view = show_loan(engine, loan_id)
            owed = sum(Decimal(i["outstanding"]) for i in view["installments"] if i["status"] in ("due", "overdue"))
            if owed:
                repay(engine, Repay(loan_id, str(owed + Decimal(view["penalty_receivable"])), f"r-{loan_id}-{day}"))
    return day


def _clone(engine: Any, loans: int) -> None:
    """Bulk copies of the template loans (and their lines), written with the driver directly."""
    from sqlalchemy import select

    from creditline.store.tables import credit_lines, loan_events
    from creditline.store.tables import loans as loan_table

    with engine.begin() as connection:
        templates = [dict(r) for r in connection.execute(select(loan_table).order_by(loan_table.c.loan_id)).mappings()]
        events = [dict(r) for r in connection.execute(select(loan_events)).mappings()]
        by_loan = [[e for e in events if e["loan_id"] == t["loan_id"]] for t in templates]
        line = dict(connection.execute(select(credit_lines)).mappings().one())
        _insert(connection, "credit_lines", list(line), (
            {**line, "line_id": f"CL{n:07d}", "borrower_id": f"CB{n:07d}"} for n in range(-(-loans // LOANS_PER_LINE))
        ))  # fmt: skip
        _insert(connection, "loans", list(templates[0]), (
            {**templates[i % len(templates)], "loan_id": f"CN{i:08d}", "borrower_id": f"CB{i // LOANS_PER_LINE:07d}",
             "line_id": f"CL{i // LOANS_PER_LINE:07d}"} for i in range(loans)
        ))  # fmt: skip
        _insert(connection, "loan_events", list(events[0]), (
            {**e, "event_id": f"CE{i:08d}-{e['sequence']}", "loan_id": f"CN{i:08d}",
             "borrower_id": f"CB{i // LOANS_PER_LINE:07d}"} for i in range(loans) for e in by_loan[i % len(templates)]
        ))  # fmt: skip


def _insert(connection: Any, table: str, columns: list[str], rows: Iterator[dict]) -> None:
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    batch: list[list] = []
    for row in rows:
        batch.append([_sqlite(row[c]) for c in columns])
        if len(batch) == INSERT_BATCH:
            cursor.executemany(sql, batch)
            batch = []
    cursor.executemany(sql, batch)


def _sqlite(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return format(value, "f") if isinstance(value, Decimal) else value


def _timed(function: Any) -> tuple[Any, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - started, time.process_time() - cpu


def bench_stages(url: str | None, database: str, loans: int) -> list[dict]:
    from creditline.app.alerts_stage import raise_alerts
    from creditline.app.collections_stage import run_collections
    from creditline.app.eod_memory import collector_paused
    from creditline.store import UnitOfWork

    if url is None:
        return [{"name": f"post-loan stages, {database}", "skipped": "PostgreSQL is not reachable"}]
    engine, on = _book(url, loans)
    rows = []
    for name, stage in (("early warning", raise_alerts), ("collections", run_collections)):
        with UnitOfWork(engine) as uow, collector_paused():  # as the pipeline runs its stages (app.eod_memory)
            summary, wall_s, cpu_s = _timed(lambda stage=stage: stage(uow, on))
            uow.commit()
        rows.append({"name": f"{name} stage, {database}", "loans": loans, "seconds": round(wall_s, 2),
                     "process_cpu_s": round(cpu_s, 2), "loans_per_s": round(loans / wall_s),
                     "acted_on": summary.get("loans_planned", summary.get("signals_found")),
                     "load_average": round(os.getloadavg()[0], 1)})  # fmt: skip
    rows.append(_review(engine, on, database))
    engine.dispose()
    return rows


def _review(engine: Any, on: Any, database: str) -> dict:
    """Dry-run reviews of the template line (thirty loans, each replayed for its payment history)."""
    from creditline.app.limit_review import ReviewSetup, review_batch
    from creditline.store import UnitOfWork

    setup = ReviewSetup.builtin()
    with UnitOfWork(engine, read_only=True) as uow:
        _, wall_s, cpu_s = _timed(lambda: [review_batch(uow, ["T-LINE"], on, setup, True) for _ in range(LINES_REVIEWED)])
    return {"name": f"limit review per line (30 loans replayed, dry run), {database}", "lines": LINES_REVIEWED,
            "ms_per_line": round(1000 * wall_s / LINES_REVIEWED, 2),
            "cpu_ms_per_line": round(1000 * cpu_s / LINES_REVIEWED, 2)}  # fmt: skip


def main(smoke: bool) -> list[dict]:
    loans = 2_000 if smoke else 1_000_000
    rows = []
    with sqlite_url() as url:
        rows += bench_stages(url, "SQLite", loans)
    with postgres_url() as url:
        rows += bench_stages(url, "PostgreSQL", loans)
    return rows


if __name__ == "__main__":
    import sys

    # `python -m bench.bench_collections [LOANS]`: SQLite only at that size (the smoke size by default);
    # 100,000-200,000 loans show the per-loan costs without a full million-loan run.
    if len(sys.argv) > 1:
        with sqlite_url() as url:
            for row in bench_stages(url, "SQLite", int(sys.argv[1])):
                print(row, flush=True)
    else:
        for row in main(smoke=True):
            print(row)
