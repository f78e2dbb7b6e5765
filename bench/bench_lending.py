"""Lending core speed: a drawdown on SQLite, repayments on PostgreSQL with 8 concurrent clients, and
EOD accrual and ageing of a million loans on SQLite and PostgreSQL.

`main(smoke)` returns one dict per measurement (see bench/run.py). PostgreSQL rows are skipped with a
note when the server at 127.0.0.1:5432 is down. Each run works in a database (SQLite file, or a
PostgreSQL schema) of its own and removes it afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path

POSTGRES_BASE = os.environ.get("CREDITLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
START = date(2025, 1, 1)
DRAW_TARGET_MS = 5.0
REPAY_TARGET_PER_S = 2_000
EOD_TARGET_S = 60.0
PGLEDGER_TRANSFERS_PER_S = 10_600  # pgledger's published figure, on a laptop
CLIENTS = 8


@contextmanager
def sqlite_url() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="bench-lending-")
    try:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_url() -> Iterator[str | None]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(POSTGRES_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # no server: the PostgreSQL rows are skipped
        yield None
        return
    try:
        yield f"{POSTGRES_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _books(url: str, borrowers: int, limit: str = "200000") -> tuple[object, list[str]]:
    from creditline.app import OpenLine, initialise, open_line
    from creditline.store import make_engine

    engine = make_engine(url)
    initialise(engine, START)
    lines = [open_line(engine, OpenLine(f"B{i:07d}", "revolving-consumer", limit, "0.05"))["line_id"] for i in range(borrowers)]
    return engine, lines


# -- 1. a drawdown on SQLite -----------------------------------------------------------------------------


def bench_draw(draws: int) -> dict:
    from creditline.app import Draw, draw

    with sqlite_url() as url:
        engine, lines = _books(url, draws)
        draw(engine, Draw(lines[0], "1000", 12, "warm"))  # the product parsed and statements compiled once
        timings, cpu = [], []
        for i, line_id in enumerate(lines[1:]):
            started, started_cpu = time.perf_counter(), time.process_time()
            draw(engine, Draw(line_id, "1000", 12, f"draw-{i}"))
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        engine.dispose()  # type: ignore[attr-defined]
    timings.sort()
    median = statistics.median(timings)
    return {
        "name": "drawdown (checks, schedule, loan + checkpoint, disbursement entry, commit), SQLite",
        "draws": len(timings),
        "median_ms": round(median, 3),
        "p95_ms": round(_quantile(timings, 0.95), 3),
        "p99_ms": round(_quantile(timings, 0.99), 3),
        "median_cpu_ms": round(statistics.median(cpu), 3),  # the machine is shared: CPU time shows our part
        "target_ms": DRAW_TARGET_MS,
        "meets_target": median < DRAW_TARGET_MS,
        "load_average": _load(),
    }


# -- 2. repayments on PostgreSQL, 8 concurrent clients (and 1) -------------------------------------------


def _repay_client(
    url: str, loans: list[str], rounds: int, client: int, start: object, finish: object, out: object
) -> None:
    from sqlalchemy import text

    from creditline.app import Repay, repay
    from creditline.store import make_engine

    engine = make_engine(url, pool_size=1)  # one client, one connection, one server process
    repay(engine, Repay(loans[0], "0.01", f"warm-{client}"))  # connect and load the product once
    with engine.connect() as connection:
        server_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    out.put(("ready", server_pid))  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    started_cpu = time.process_time()
    latencies = []
    for r in range(rounds):
        for loan_id in loans:
            started = time.perf_counter()
            repay(engine, Repay(loan_id, "1.00", f"c{client}-{r}-{loan_id}"))
            latencies.append(time.perf_counter() - started)
    out.put(("done", time.process_time() - started_cpu, latencies))  # type: ignore[attr-defined]
    finish.wait()  # type: ignore[attr-defined]  # keep the server processes alive until their CPU is read
    engine.dispose()


def bench_repay(loans_per_client: int, rounds: int, clients: int = CLIENTS) -> dict:
    name = f"repayments (incremental fold, allocation, journal entry, commit), PostgreSQL, {clients} concurrent clients"
    with postgres_url() as url:
        if url is None:
            return {"name": name, "skipped": "PostgreSQL is not reachable"}
        loans = _drawn_loans(url, clients * loans_per_client)
        run = _run_clients(_repay_client, [
            (url, loans[c * loans_per_client : (c + 1) * loans_per_client], rounds, c) for c in range(clients)
        ])  # fmt: skip
    return _repay_figures(name, run, clients * loans_per_client * rounds)


def _drawn_loans(url: str, count: int) -> list[str]:
    """`count` lines, each with one 5,000.00 loan over 12 months to repay."""
    from creditline.app import Draw, draw

    engine, lines = _books(url, count)
    loans = [draw(engine, Draw(line_id, "5000", 12, f"d-{line_id}"))["loan_id"] for line_id in lines]
    _book_history(engine, loans)
    engine.dispose()  # type: ignore[attr-defined]
    return loans


def _book_history(engine: object, loans: list[str]) -> None:
    """Give the fresh book some history (twenty repayments a loan, 4,000 at most: a smoke run stays
    quick), then planner statistics, as a live database has both.

    Without them the measured run starts on near-empty tables that grow twentyfold in seconds, faster than
    autovacuum analyses them, and PostgreSQL plans for the empty tables it last saw: the foreign-key
    checks of each posting and the check that a loan's checkpoint is current scanned their whole
    tables, and the idempotency lookup read every earlier key of its scope (fewer repayments a second,
    and fewer as the run went on)."""
    from sqlalchemy import text

    from creditline.app import Repay
    from creditline.app.repayment_batch import repay_many

    if engine.dialect.name != "postgresql":  # type: ignore[attr-defined]
        return
    for start in range(0, min(4_000, 20 * len(loans)), 8):
        batch = [Repay(loans[(start + i) % len(loans)], "0.01", f"history-{start + i}") for i in range(8)]
        repay_many(engine, batch)  # type: ignore[arg-type]
    with engine.connect() as connection:  # type: ignore[attr-defined]
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _run_clients(target: object, arguments: list[tuple]) -> dict:
    """One spawned process per argument tuple running `target(*arguments, start, finish, out)`: each
    says ("ready", its server pid or pids) once connected and warm, the clock starts when all are, and each
    answers ("done", its CPU seconds, its latencies, ...); the server processes' CPU is read before
    they may end."""
    context = multiprocessing.get_context("spawn")
    start, finish, out = context.Event(), context.Event(), context.Queue()
    workers = [context.Process(target=target, args=(*args, start, finish, out)) for args in arguments]  # type: ignore[arg-type]
    for worker in workers:
        worker.start()
    ready = [out.get(timeout=600)[1] for _ in workers]  # every client connected and warmed up first
    server_pids = [pid for pids in ready for pid in (pids if isinstance(pids, list) else [pids])]
    server_cpu = _cpu_s(server_pids)
    load = _load()
    started = time.perf_counter()
    start.set()
    done = [out.get(timeout=1800) for _ in workers]
    elapsed = time.perf_counter() - started
    server_cpu = _cpu_s(server_pids) - server_cpu
    finish.set()
    for worker in workers:
        worker.join()
    return {"done": done, "elapsed": elapsed, "server_cpu": server_cpu, "load": load}


def _repay_figures(name: str, run: dict, repayments: int, **extra: object) -> dict:
    done, elapsed, server_cpu = run["done"], run["elapsed"], run["server_cpu"]
    client_cpu = sum(d[1] for d in done)
    latencies = sorted(latency * 1000 for d in done for latency in d[2])
    per_s = repayments / elapsed
    cpu_ms = (client_cpu + server_cpu) / repayments * 1000
    return {
        "name": name,
        "repayments": repayments,
        "seconds": round(elapsed, 2),
        "per_s": round(per_s),
        "median_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(_quantile(latencies, 0.99), 2),
        **extra,
        "target_per_s": REPAY_TARGET_PER_S,
        "meets_target": per_s >= REPAY_TARGET_PER_S,
        "ratio_to_pgledger": round(per_s / PGLEDGER_TRANSFERS_PER_S, 3),
        # CPU spent per repayment by the clients and by their PostgreSQL server processes (WAL writer
        # and checkpointer left out), and what that allows on this machine's cores if nothing else ran
        "client_cpu_ms": round(client_cpu / repayments * 1000, 3),
        "server_cpu_ms": round(server_cpu / repayments * 1000, 3),
        "cpu_bound_per_s": round((os.cpu_count() or 1) * 1000 / cpu_ms) if cpu_ms else None,
        "load_average": run["load"],
    }


# -- 2b. the same through group commit: client threads share a batcher per process -------------------------


def _batched_client_process(
    url: str, loans: list[list[str]], rounds: int, process: int, pipeline: int | None,
    start: object, finish: object, out: object,
) -> None:  # fmt: skip
    """`len(loans)` client threads (one list of loans each) repaying through this process's batcher, whose
    `pipeline` batches in flight each hold a connection (None: the batcher's default)."""
    import threading

    from sqlalchemy import text

    from creditline.app import Repay, repay
    from creditline.app.repayment_batch import PIPELINE_DEFAULT, RepaymentBatcher
    from creditline.store import make_engine

    pipeline = PIPELINE_DEFAULT if pipeline is None else pipeline
    engine = make_engine(url, pool_size=pipeline)  # the batcher's connections, one server process each
    repay(engine, Repay(loans[0][0], "0.01", f"warm-{process}"))
    with ExitStack() as held:  # all of them at once, so that each is a different server process
        connections = [held.enter_context(engine.connect()) for _ in range(pipeline)]
        server_pid = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in connections]
    batcher = RepaymentBatcher(engine, pipeline=pipeline)
    latencies: list[float] = []

    def client(c: int) -> None:
        for r in range(rounds):
            for loan_id in loans[c]:
                started = time.perf_counter()
                batcher.repay(Repay(loan_id, "1.00", f"p{process}-{c}-{r}-{loan_id}"))
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(len(loans))]
    out.put(("ready", server_pid))  # type: ignore[attr-defined]
    start.wait()  # type: ignore[attr-defined]
    started_cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(("done", time.process_time() - started_cpu, latencies, batcher.batches, batcher.commands))  # type: ignore[attr-defined]
    batcher.close()
    finish.wait()  # type: ignore[attr-defined]
    engine.dispose()


def bench_repay_batched(
    loans_per_client: int, rounds: int, clients: int = CLIENTS, processes: int = 2, pipeline: int | None = None
) -> dict:
    """Repayments by `clients` concurrent clients (threads, spread over `processes` processes, each with
    one `RepaymentBatcher` with `pipeline` batches in flight, None: its default): the group commit's
    figure beside `bench_repay`'s one-by-one."""
    name = f"repayments through group commit, PostgreSQL, {clients} concurrent clients in {processes} processes"
    name += "" if pipeline is None else f", {pipeline} batches in flight"
    assert clients % processes == 0, (clients, processes)
    with postgres_url() as url:
        if url is None:
            return {"name": name, "skipped": "PostgreSQL is not reachable"}
        loans = _drawn_loans(url, clients * loans_per_client)
        per_client = [loans[c * loans_per_client : (c + 1) * loans_per_client] for c in range(clients)]
        each = clients // processes
        run = _run_clients(_batched_client_process, [
            (url, per_client[p * each : (p + 1) * each], rounds, p, pipeline) for p in range(processes)
        ])  # fmt: skip
    done = run["done"]
    mean_batch = round(sum(d[4] for d in done) / max(1, sum(d[3] for d in done)), 1)
    return _repay_figures(name, run, clients * loans_per_client * rounds, mean_batch=mean_batch)


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _load() -> str:
    """The 1, 5 and 15-minute load averages: the machine is shared, and says how much of it we had."""
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc; 0 elsewhere)."""
    total_ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total_ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue  # not Linux, or the process is gone
    return total_ticks / os.sysconf("SC_CLK_TCK")


# -- 3. EOD over a million loans ----------------------------------------------------------------------


def _templates(engine: object) -> date:
    """A handful of loans in different states, made through the app, all as of the returned date."""
    from creditline.app import Draw, Repay, draw, repay, run_eod, show_line

    day = START
    lines = show_line(engine, "T-LINE")["line_id"], show_line(engine, "T-LINE-2")["line_id"]  # type: ignore[arg-type]
    made = [
        draw(engine, Draw(lines[0], "1000", 3, "t1"))["loan_id"],  # type: ignore[arg-type]
        draw(engine, Draw(lines[0], "5000", 6, "t2"))["loan_id"],  # type: ignore[arg-type]
        draw(engine, Draw(lines[1], "20000", 12, "t3", "equal-principal"))["loan_id"],  # type: ignore[arg-type]
    ]
    run_eod(engine, day + timedelta(days=20), catch_up=True)  # type: ignore[arg-type]
    made.append(draw(engine, Draw(lines[1], "3000", 6, "t4"))["loan_id"])  # type: ignore[arg-type]
    run_eod(engine, day + timedelta(days=36), catch_up=True)  # type: ignore[arg-type]
    repay(engine, Repay(made[0], "400", "t1-r1"))  # type: ignore[arg-type]  # t2 stays overdue, with penalty
    run_eod(engine, day + timedelta(days=45), catch_up=True)  # type: ignore[arg-type]
    return day + timedelta(days=45)


def _clone_rows(engine: object, loans: int) -> None:
    """Bulk-insert `loans` copies of the template loans (and a line per 100 of them) without the app."""
    from sqlalchemy import select

    from creditline.store.tables import credit_lines
    from creditline.store.tables import loans as loans_table

    with engine.begin() as connection:  # type: ignore[attr-defined]
        templates = [dict(r) for r in connection.execute(select(loans_table).where(loans_table.c.status != "paid-off")).mappings()]
        line = dict(connection.execute(select(credit_lines).where(credit_lines.c.line_id == "T-LINE")).mappings().one())
        pg = connection.dialect.name == "postgresql"
        driver = connection.connection.driver_connection
        line_columns, loan_columns = list(line), list(templates[0])
        lines_needed = (loans + 99) // 100
        _bulk(driver, pg, "credit_lines", line_columns, (
            [{**line, "line_id": f"BL{n:07d}", "borrower_id": f"BB{n:07d}"}[c] for c in line_columns]
            for n in range(lines_needed)
        ))  # fmt: skip
        _bulk(driver, pg, "loans", loan_columns, (
            [{**templates[i % len(templates)], "loan_id": f"BN{i:08d}", "borrower_id": f"BB{i // 100:07d}",
              "line_id": f"BL{i // 100:07d}"}[c] for c in loan_columns]
            for i in range(loans)
        ))  # fmt: skip


def _bulk(driver: object, pg: bool, table: str, columns: list[str], rows: Iterator[list]) -> None:
    names = ", ".join(columns)
    cursor = driver.cursor()  # type: ignore[attr-defined]
    if pg:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        batch: list[list] = []
        for row in rows:
            batch.append([_sqlite_value(v) for v in row])
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch = []
        cursor.executemany(sql, batch)
    cursor.close()


def _analyse(engine: object) -> None:
    """What operations do after a bulk load: fresh planner statistics (and, on PostgreSQL, a vacuum
    that sets the visibility map, so the first day is not also the day every row gets its hint bits)."""
    from sqlalchemy import text

    with engine.connect() as connection:  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE loans"))
        else:
            connection.execute(text("ANALYZE"))
            connection.commit()


def _sqlite_value(value: object) -> object:
    from decimal import Decimal

    if isinstance(value, date):
        return value.isoformat()
    return format(value, "f") if isinstance(value, Decimal) else value


def bench_eod(url: str | None, database: str, loans: int) -> dict:
    from creditline.app import OpenLine, initialise, open_line, run_eod
    from creditline.store import make_engine

    name = f"EOD accrual and ageing, {database}"
    if url is None:
        return {"name": name, "skipped": "PostgreSQL is not reachable"}
    engine = make_engine(url)
    initialise(engine, START)
    open_line(engine, OpenLine("T-BORROWER", "revolving-consumer", "100000", "0.05", line_id="T-LINE"))
    open_line(engine, OpenLine("T-BORROWER-2", "revolving-consumer", "100000", "0.04", line_id="T-LINE-2"))
    today = _templates(engine)
    started = time.perf_counter()
    _clone_rows(engine, loans)
    _analyse(engine)
    seeded_s = time.perf_counter() - started
    started, started_cpu = time.perf_counter(), time.process_time()
    result = run_eod(engine, today + timedelta(days=1))[0]
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    started = time.perf_counter()
    run_eod(engine, today + timedelta(days=2))
    second_s = time.perf_counter() - started
    engine.dispose()
    return {
        "name": name,
        "loans": result["loans_accrued"],
        "overdue": result["loans_overdue"],
        "seed_s": round(seeded_s, 1),
        "seconds": round(elapsed, 2),
        "second_day_s": round(second_s, 2),
        "process_cpu_s": round(cpu_s, 2),  # this process only: on PostgreSQL the server's work is not in it
        "loans_per_s": round(result["loans_accrued"] / elapsed),
        "target_s": EOD_TARGET_S if loans >= 1_000_000 else None,
        "meets_target": elapsed < EOD_TARGET_S if loans >= 1_000_000 else None,
    }


def main(smoke: bool) -> list[dict]:
    rows = [bench_draw(50 if smoke else 2_000)]
    rows.append(bench_repay(2, 3) if smoke else bench_repay(25, 20))
    rows.append(bench_repay(2, 3, clients=1) if smoke else bench_repay(50, 20, clients=1))
    rows.append(bench_repay_batched(2, 3) if smoke else bench_repay_batched(25, 20))
    # one batcher for all 8 clients, two batches in flight: the pipeline's case
    rows.append(bench_repay_batched(2, 3, processes=1, pipeline=2) if smoke else bench_repay_batched(25, 20, processes=1, pipeline=2))
    eod_loans = 2_000 if smoke else 1_000_000
    with sqlite_url() as url:
        rows.append(bench_eod(url, "SQLite", eod_loans))
    with postgres_url() as url:
        rows.append(bench_eod(url, "PostgreSQL", eod_loans))
    return rows


if __name__ == "__main__":
    for row in main(smoke=True):
        print(row)
