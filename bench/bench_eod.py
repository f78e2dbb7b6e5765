"""End of day at scale: the full pipeline (auto-debit, accrual, classification, provisions, snapshots)
over a million active loans on SQLite and PostgreSQL, and the simulator's 100,000 borrowers over
12 months.

The million loans are clones of template loans made through the app on 30 consecutive days (so
about a thirtieth of them fall due on any day, and some are late), bulk-inserted with their events
and facts; a warm-up day runs first, then one day is timed stage by stage. `main(smoke)` returns
one dict per measurement (bench/run.py); PostgreSQL rows are skipped when the server is down.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from bench.bench_lending import postgres_url, sqlite_url

START = date(2025, 1, 1)
EOD_TARGET_S = 60.0
SIMULATION_TARGET_S = 600.0
TEMPLATE_DAYS = 30
LOANS_PER_LINE = 3




def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- a million loans ------------------------------------------------------------------------------------


def make_templates(engine: Any) -> date:
    """Two loans drawn on each of 30 days through the app, aged to day 45 by the pipeline itself."""
    from creditline.app import Draw, OpenLine, draw, initialise, open_line
    from creditline.app.eod_pipeline import run_pipeline

    initialise(engine, START)
    lines = [open_line(engine, OpenLine(f"T{i:03d}", "revolving-consumer", "200000", "0.05"))["line_id"]
             for i in range(8)]  # fmt: skip
    day = START
    accrual = frozenset({"auto-debit", "accrue"})  # enough for the templates' days; the last runs every stage
    for n in range(TEMPLATE_DAYS):
        for k in range(2):
            term, method = (3, 6, 12)[(n + k) % 3], ("equal-installment", "equal-principal")[k]
            draw(engine, Draw(lines[(2 * n + k) % 8], str(1000 + 137 * n + 500 * k), term, f"t{n}-{k}", method))
        day += timedelta(days=1)
        run_pipeline(engine, day, only=accrual)
    run_pipeline(engine, day + timedelta(days=14), catch_up=True, only=accrual)
    day += timedelta(days=15)
    run_pipeline(engine, day)
    return day


def clone_loans(engine: Any, loans: int) -> None:
    """`loans` copies of the open template loans with their events and facts, a line per three."""
    from sqlalchemy import select

    from creditline.ledger import shard_of
    from creditline.store.tables import credit_lines, loan_events
    from creditline.store.tables import loans as loans_table
    from creditline.store.tables_servicing import loan_facts

    with engine.begin() as connection:
        open_status = loans_table.c.status.in_(("active", "overdue"))
        templates = [dict(r) for r in connection.execute(select(loans_table).where(open_status)).mappings()]
        ids = [t["loan_id"] for t in templates]
        events = [dict(r) for r in connection.execute(select(loan_events).where(loan_events.c.loan_id.in_(ids)))
                  .mappings()]  # fmt: skip
        facts = {r["loan_id"]: dict(r) for r in connection.execute(select(loan_facts).where(
            loan_facts.c.loan_id.in_(ids))).mappings()}  # fmt: skip
        line = dict(connection.execute(select(credit_lines).limit(1)).mappings().one())
        by_loan: dict[str, list[dict]] = {}
        for event in events:
            by_loan.setdefault(event["loan_id"], []).append(event)
        driver, pg = connection.connection.driver_connection, connection.dialect.name == "postgresql"
        lines = (loans + LOANS_PER_LINE - 1) // LOANS_PER_LINE
        owed = [0] * lines
        for i in range(loans):
            owed[i // LOANS_PER_LINE] += templates[i % len(templates)]["principal_outstanding_minor"]
        _bulk(driver, pg, "credit_lines", list(line), (
            {**line, "line_id": f"CL{n:07d}", "borrower_id": f"CB{n:07d}", "limit_minor": 50_000_000,
             "outstanding_principal_minor": owed[n]}
            for n in range(lines)))  # fmt: skip
        _bulk(driver, pg, "loans", list(templates[0]), (
            {**templates[i % len(templates)], "loan_id": f"CN{i:08d}", "borrower_id": f"CB{i // LOANS_PER_LINE:07d}",
             "line_id": f"CL{i // LOANS_PER_LINE:07d}"} for i in range(loans)))  # fmt: skip
        _bulk(driver, pg, "loan_events", list(events[0]), (
            {**e, "event_id": f"CE{i:08d}{e['sequence']:03d}", "loan_id": f"CN{i:08d}",
             "borrower_id": f"CB{i // LOANS_PER_LINE:07d}"}
            for i in range(loans) for e in by_loan[templates[i % len(templates)]["loan_id"]]))  # fmt: skip
        _bulk(driver, pg, "loan_facts", list(next(iter(facts.values()))), (
            {**facts[templates[i % len(templates)]["loan_id"]], "loan_id": f"CN{i:08d}",
             "borrower_id": f"CB{i // LOANS_PER_LINE:07d}", "line_id": f"CL{i // LOANS_PER_LINE:07d}",
             "shard": shard_of(f"CB{i // LOANS_PER_LINE:07d}")} for i in range(loans)))  # fmt: skip


def _bulk(driver: Any, pg: bool, table: str, columns: list[str], rows: Iterator[dict]) -> None:
    from decimal import Decimal

    names = ", ".join(columns)
    cursor = driver.cursor()
    if pg:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    else:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            return format(value, "f") if isinstance(value, Decimal) else value

        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
        batch: list[list] = []
        for row in rows:
            batch.append([plain(row[c]) for c in columns])
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch = []
        cursor.executemany(sql, batch)
    cursor.close()


def bench_eod(url: str | None, database: str, loans: int) -> dict:
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.store import make_engine

    name = f"EOD full pipeline, {database}"
    if url is None:
        return {"name": name, "skipped": "PostgreSQL is not reachable"}
    engine = make_engine(url)
    today = make_templates(engine)
    started = time.perf_counter()
    clone_loans(engine, loans)
    seeded_s = time.perf_counter() - started
    today += timedelta(days=1)
    run_pipeline(engine, today)  # warm-up: the first sight of every clone (class changes, snapshot month)
    started, cpu = time.perf_counter(), _cpu_s()
    result = run_pipeline(engine, today + timedelta(days=1))[0]
    elapsed, cpu = time.perf_counter() - started, _cpu_s() - cpu
    engine.dispose()
    debits = result["stages"]["auto-debit"]
    return {
        "name": name,
        "loans": result["loans_accrued"],
        "overdue": result["loans_overdue"],
        "debit_attempts": debits["attempts"],
        "debit_paths": debits["applied_paths"],
        "snapshot_rows": result["stages"]["snapshot"]["rows"],
        "seed_s": round(seeded_s, 1),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "stage_seconds": result["seconds"],
        "stage_cpu_seconds": result["cpu_seconds"],
        "load_average": round(os.getloadavg()[0], 1),
        "target_s": EOD_TARGET_S if loans >= 1_000_000 else None,
        "meets_target": elapsed < EOD_TARGET_S if loans >= 1_000_000 else None,
    }


# -- the simulator ----------------------------------------------------------------------------------------


def bench_simulation(url: str, borrowers: int, months: int, *, core: bool = False) -> dict:
    from creditline.app.eod_stages import CORE_STAGES
    from creditline.simulation import SimulationConfig, simulate
    from creditline.store import make_engine

    engine = make_engine(url)
    started, cpu = time.perf_counter(), _cpu_s()
    config = SimulationConfig(borrowers=borrowers, months=months, seed=7, stages=CORE_STAGES if core else None)
    report = simulate(engine, config)
    elapsed, cpu = time.perf_counter() - started, _cpu_s() - cpu
    engine.dispose()
    return {
        "name": f"simulate {borrowers} borrowers over {months} months, SQLite" + (", core EOD" if core else ""),
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(cpu, 1),
        "phase_seconds": report["seconds"],
        "phase_cpu_seconds": report["cpu_seconds"],
        "applications": report["applications"],
        "loans": report["loans"],
        "eod_days": report["eod_days"],
        "load_average": round(os.getloadavg()[0], 1),
        "target_s": SIMULATION_TARGET_S if borrowers >= 100_000 and months >= 12 else None,
        "meets_target": elapsed < SIMULATION_TARGET_S if borrowers >= 100_000 and months >= 12 else None,
    }


def main(smoke: bool) -> list[dict]:
    loans = 2_000 if smoke else 1_000_000
    rows = []
    with sqlite_url() as url:
        rows.append(bench_eod(url, "SQLite", loans))
    with postgres_url() as url:
        rows.append(bench_eod(url, "PostgreSQL", loans))
    with sqlite_url() as url:
        rows.append(bench_simulation(url, 40 if smoke else 100_000, 1 if smoke else 12, core=smoke))
    return rows


if __name__ == "__main__":
    import json
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000
    with sqlite_url() as url:
        print(json.dumps(bench_eod(url, "SQLite", size)), flush=True)
    with postgres_url() as url:
        print(json.dumps(bench_eod(url, "PostgreSQL", size)), flush=True)
