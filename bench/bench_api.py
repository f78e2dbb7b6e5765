"""HTTP benchmarks of the API as it runs: decisions (POST /v1/applications) and repayments
(POST /v1/loans/{id}/repayments) against `creditline serve` on loopback.

The load generator is wrk (Debian's package) with bench_api.lua when it is installed, else (or with
BENCH_API_GENERATOR=python) a small asyncio/httpx client. Both are closed-loop: a fixed number of connections, each sending its next
request when the last one answered, for a bounded time; throughput and latency percentiles come
from the generator. Every request is distinct: a decision is a new applicant from an account of its
own (an account's first application links it to its borrower and rotates its session), a
repayment pays 1.00 on one of many loans with a fresh Idempotency-Key. Accounts, lines and loans
are set up directly through the app layer before the server starts.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.bench_lending import postgres_url

BUSINESS_DATE = date(2025, 6, 30)
WARM_UP_S = 4
READY_S_MAX = 180  # two workers' warm-ups took 30-50 s at a load average of 11 (stop 22)
# The sessions count as signed in this far ahead of the set-up, so that none is a minute old (the
# session's TOUCH_INTERVAL_S) by the end of the measured run: an older one costs every request a
# write of its own (the touch) before the request's, and set-up, start and warm-up take 30-90 s
# with the machine's speed, so the figures changed with it (docs/benchmarks.md, stop 22).
SIGNED_IN_AHEAD_S = 120
LUA = Path(__file__).with_name("bench_api.lua")
CREDITLINE = Path(sys.executable).with_name("creditline")
# `creditline serve` with uvicorn told to load bench.api_trace's app instead (BENCH_API_TRACE=folder)
TRACED_SERVE = (
    "import sys, uvicorn; from creditline.cli.main import run; serve = uvicorn.run; "
    "uvicorn.run = lambda _app, **options: serve('bench.api_trace:build', **options); "
    "sys.argv[0] = 'creditline'; run()"
)
POSTGRES_URL = os.environ.get("CREDITLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main(smoke: bool) -> list[dict]:
    """Smoke: both scenarios on SQLite, a few seconds each. Full: decisions on SQLite and on
    PostgreSQL, repayments on PostgreSQL (SQLite when no PostgreSQL answers, and the row says so)."""
    with tempfile.TemporaryDirectory() as folder:
        rows = [decisions(smoke, f"sqlite:///{folder}/decisions.sqlite", "sqlite", workers=1)]
        if smoke:
            return [*rows, repayments(smoke, f"sqlite:///{folder}/repay.sqlite", "sqlite")]
        for scenario in (decisions, repayments):
            with postgres_url() as url:  # None: no PostgreSQL here, the figure runs on SQLite and says so
                if url is None:
                    rows.append(scenario(smoke, f"sqlite:///{folder}/{scenario.__name__}2.sqlite", "sqlite"))
                else:
                    rows.append(scenario(smoke, url, "postgresql"))
    return rows


def _shape(smoke: bool, workers: int | None) -> tuple[int, int, int]:
    """(seconds, connections, workers) of a run: tiny for smoke, else from BENCH_API_* or defaults."""
    if smoke:
        return 3, 2, 1
    env = os.environ.get
    return int(env("BENCH_API_SECONDS", 20)), int(env("BENCH_API_CONNECTIONS", 8)), workers or int(env("BENCH_API_WORKERS", 2))


# -- the two scenarios ----------------------------------------------------------------------------


def decisions(smoke: bool, url: str, database: str, workers: int | None = None) -> dict:
    duration_s, connections, workers = _shape(smoke, workers)
    accounts = 600 if smoke else 12_000
    with tempfile.TemporaryDirectory() as folder:
        engine = _initialised(url)
        tokens = _accounts(engine, accounts)
        engine.dispose()
        lines = [
            f"POST\t/v1/applications\t{token}\tapply-{n}\t{json.dumps(_application(10_000 + n), separators=(',', ':'))}"
            for n, token in enumerate(tokens)
        ]
        warm, lines = lines[: len(lines) // 8], lines[len(lines) // 8 :]
        with _server(url, workers) as (base, pid):
            # Every worker builds its deciders (PD model, fraud index) on first use: warm them all
            # (requests on fresh connections, answered in full), then a short run before measuring.
            _first_requests(base, warm[: 4 * workers])
            _load(base, warm[4 * workers :], WARM_UP_S if not smoke else 1, connections, folder)
            result = _measured(base, pid, url, lines, duration_s, connections, folder)
    return {"name": "decisions over HTTP", "database": database, "workers": workers, "connections": connections, **result}


def repayments(smoke: bool, url: str, database: str, workers: int | None = None) -> dict:
    duration_s, connections, workers = _shape(smoke, workers)
    borrowers = 20 if smoke else 1000
    repeats = 20 if smoke else 50  # each borrower's loan is repaid this many times (1.00 each)
    with tempfile.TemporaryDirectory() as folder:
        engine = _initialised(url)
        pairs = _loans(engine, borrowers)
        engine.dispose()
        body = '{"amount":"1.00","currency":"CNY"}'
        lines = [
            f"POST\t/v1/loans/{loan}/repayments\t{token}\trepay-{n}\t{body}"
            for n, (token, loan) in enumerate(pairs * repeats)
        ]
        warm, lines = lines[: len(lines) // 8], lines[len(lines) // 8 :]
        with _server(url, workers) as (base, pid):
            _first_requests(base, warm[: 4 * workers])
            _load(base, warm[4 * workers :], WARM_UP_S if not smoke else 1, connections, folder)
            result = _measured(base, pid, url, lines, duration_s, connections, folder)
    return {"name": "repayments over HTTP", "database": database, "workers": workers, "connections": connections, **result}


# -- set-up through the app layer -----------------------------------------------------------------


def _initialised(url: str):  # type: ignore[no-untyped-def]
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    engine = make_engine(url)
    initialise(engine, BUSINESS_DATE)
    return engine


def _access():  # type: ignore[no-untyped-def]
    from creditline.app.access import AccessConfig
    from creditline.identity.passkeys import RelyingParty

    return AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))


def _accounts(engine, count: int, borrower_ids: list[str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Borrower accounts with a session each, in one transaction (the dev bootstrap's rows, in bulk)."""
    from creditline.app.access import now_s, start_session
    from creditline.identity.passkeys import b64url, new_user_handle
    from creditline.store import UnitOfWork
    from creditline.store.identity_repository import IdentityRepository

    config, now, tokens = _access(), now_s(), []
    signed_in = now + SIGNED_IN_AHEAD_S
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        for n in range(count):
            account = {
                "account_id": f"BA{uuid.uuid4().hex[:20]}", "role": "borrower", "display_name": f"bench {n}",
                "user_handle": b64url(new_user_handle()), "status": "active", "privilege_epoch": 1, "created_at": now,
                "borrower_id": None if borrower_ids is None else borrower_ids[n],
            }  # fmt: skip
            repository.add_account(account)
            tokens.append(start_session(uow, account, config, signed_in).token)
        uow.commit()
    return tokens


def _loans(engine, count: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """`count` borrowers with a line and a 5,000.00 loan each: (session token, loan id)."""
    from creditline.app.lines import OpenLine, open_line
    from creditline.app.loans import Draw, draw

    borrowers, loans = [f"BB{n:08d}" for n in range(count)], []
    for borrower in borrowers:
        line = open_line(engine, OpenLine(borrower, "revolving-consumer", "20000.00", "0.05"))
        loans.append(draw(engine, Draw(line["line_id"], "5000.00", 12, f"bench-{borrower}"))["loan_id"])
    return list(zip(_accounts(engine, count, borrowers), loans, strict=True))


def _application(serial: int) -> dict:
    from creditline.identity import make_cn_resident_id
    from creditline.identity.checksums import luhn_check_digit

    card = f"622202{serial:012d}"
    born = date(1975 + serial % 25, 1 + serial % 12, 1 + serial % 28)
    return {
        "jurisdiction": "CN", "product_id": "revolving-consumer", "applied_at": "2025-06-30T10:15:00+08:00",
        "applicant": {
            "name": "王小明", "id_number": make_cn_resident_id("440305", born, f"{serial % 1000:03d}"),
            "phone": f"139{serial:08d}", "bank_card": card + luhn_check_digit(card), "income_monthly": "12000.00",
            "employment": "salaried",
        },
        "device": {"device_id": f"device-{serial}", "ip": f"10.{serial // 62500 % 250}.{serial // 250 % 250}.{serial % 250}",
                   "selfie_ref": f"s-{serial}"},
        "contacts": [f"137{serial:08d}"],
        "consents": [
            {"scope": scope, "text_version": "v3", "purpose": "credit_assessment", "granted_at": "2025-06-30T10:14:00+08:00"}
            for scope in ("credit_bureau_query", "transaction_data", "device_data")
        ],
    }  # fmt: skip


# -- the server and the load ----------------------------------------------------------------------


@contextmanager
def _server(url: str, workers: int):  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"CREDITLINE_RATE_PER_S": "1000000", "CREDITLINE_RATE_BURST": "1000000"}
    command = [str(CREDITLINE), "serve", "--db", _served_url(url), "--port", str(port), "--workers", str(workers),
               "--no-access-log", "--no-migrate", "--origins", "http://localhost"]  # fmt: skip
    if os.environ.get("BENCH_API_TRACE"):  # the same server, its app wrapped by bench.api_trace
        command = [sys.executable, "-c", TRACED_SERVE, *command[1:]]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, process)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(base: str, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + READY_S_MAX
    while time.monotonic() < deadline:
        assert process.poll() is None, f"creditline serve exited {process.returncode}"
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:  # migrated by the set-up, warmed up
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready in {READY_S_MAX} s")


def _first_requests(base: str, lines: list[str]) -> None:
    """Send these at once, each on a connection of its own (so every worker gets some), and wait."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    def send(line: str) -> None:
        method, path, token, key, body = line.split("\t", 4)
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{key}-first", "Content-Type": "application/json"}
        answer = httpx.request(method, base + path, content=body, headers=headers, timeout=120)
        assert answer.status_code < 300, answer.text

    with ThreadPoolExecutor(max_workers=len(lines) or 1) as pool:
        list(pool.map(send, lines))


def _measured(base: str, pid: int, url: str, lines: list[str], duration_s: int, connections: int, folder: str) -> dict:
    """The load's figures plus the CPU it cost: the server's processes, the database's backends
    (PostgreSQL; SQLite runs inside the server) and the generator, per request — figures that hold
    on a shared machine, where throughput and latency depend on what else runs."""
    backends = _backend_pids(url)
    server_before, db_before = _cpu_s(_tree(pid)), _cpu_s(backends)
    generator_before = _generator_cpu_s()
    trace = os.environ.get("BENCH_API_TRACE")
    syncs = _count_syncs(_tree(pid), Path(trace, "syncs.txt")) if trace and shutil.which("perf") else None
    window = [time.monotonic()]
    result = _load(base, lines, duration_s, connections, folder)
    window.append(time.monotonic())
    if syncs is not None:
        syncs.send_signal(signal.SIGINT)  # perf prints its counts and exits
        syncs.wait(timeout=10)
    if trace:  # which of the traced requests were measured
        Path(trace, "measured.json").write_text(json.dumps(window), encoding="utf-8")
    generator_after = _generator_cpu_s()
    opened = [b for b in _backend_pids(url) if b not in backends]  # pooled connections opened during the run
    server_s = _cpu_s(_tree(pid)) - server_before
    db_s = _cpu_s(backends) - db_before + _cpu_s(opened)
    generator_s = generator_after - generator_before
    per = max(result["requests"], 1)
    cpu_ms = {"server": 1000 * server_s / per, "database": 1000 * db_s / per, "generator": 1000 * generator_s / per}
    total = sum(cpu_ms.values())
    return result | {
        "cpu_ms_per_request": {k: round(v, 3) for k, v in cpu_ms.items()},
        "cpu_bound_capacity_2_cores_per_s": round(2000 / total, 1) if total else None,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _count_syncs(pids: list[int], out: Path) -> subprocess.Popen:
    """The server's fsync and fdatasync calls (kernel tracepoints: the processes run at full speed)."""
    events = "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync"
    command = ["perf", "stat", "-x", ",", "-e", events, "-p", ",".join(map(str, pids)), "-o", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _generator_cpu_s() -> float:
    """wrk's CPU (a finished child) plus this process's (the Python client runs here)."""
    import resource

    total = 0.0
    for who in (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in task.read_text().split())
    return found


def _cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended: its CPU is lost to the figure (a worker never ends mid-run)
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _backend_pids(url: str) -> list[int]:
    """PostgreSQL backends serving this benchmark (the server connects with its application_name)."""
    if not url.startswith("postgresql"):
        return []
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL)
    with admin.connect() as connection:
        query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
        pids = [row[0] for row in connection.execute(query, {"name": _application_name(url)})]
    admin.dispose()
    return pids


def _application_name(url: str) -> str:
    return "bench-" + url.rsplit("%3D", 1)[-1]


def _served_url(url: str) -> str:
    return f"{url}&application_name={_application_name(url)}" if url.startswith("postgresql") else url


def _load(base: str, lines: list[str], duration_s: int, connections: int, folder: str) -> dict:
    if shutil.which("wrk") and os.environ.get("BENCH_API_GENERATOR", "wrk") == "wrk":
        return _wrk(base, lines, duration_s, connections, folder)
    return asyncio.run(_python_load(base, lines, duration_s, connections))


def _wrk(base: str, lines: list[str], duration_s: int, connections: int, folder: str) -> dict:
    path = Path(folder) / "requests.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    threads = min(2, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s", "--timeout", "10s",
               "-s", str(LUA), base, "--", str(path), str(threads)]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=duration_s + 60, check=True)
    summary = json.loads(finished.stdout.strip().splitlines()[-1])
    seconds = summary["duration_us"] / 1e6
    return {
        "generator": "wrk", "seconds": round(seconds, 1), "requests": summary["requests"],
        "per_second": round(summary["requests"] / seconds, 1), "p50_ms": summary["p50_us"] / 1000,
        "p90_ms": summary["p90_us"] / 1000, "p99_ms": summary["p99_us"] / 1000, "max_ms": summary["max_us"] / 1000,
        "non_2xx": summary["non_2xx"], "socket_errors": summary["socket_errors"],
        **({"refusals": summary["refusals"]} if summary.get("refusals") else {}),
    }  # fmt: skip


async def _python_load(base: str, lines: list[str], duration_s: int, connections: int) -> dict:
    import httpx

    latencies: list[float] = []
    failures = [0]
    deadline = time.monotonic() + duration_s

    async def worker(offset: int, http: httpx.AsyncClient) -> None:
        n = offset
        while time.monotonic() < deadline and n < len(lines):
            method, path, token, key, body = lines[n].split("\t", 4)
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{key}-{n}", "Content-Type": "application/json"}
            started = time.perf_counter()
            answer = await http.request(method, path, content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            failures[0] += answer.status_code >= 300
            n += connections

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(worker(k, http) for k in range(connections)))
    seconds = time.monotonic() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else 0.0

    return {
        "generator": "python-httpx", "seconds": round(seconds, 1), "requests": len(latencies),
        "per_second": round(len(latencies) / seconds, 1), "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99),
        "max_ms": pct(1.0), "non_2xx": failures[0], "socket_errors": 0,
    }  # fmt: skip


if __name__ == "__main__":
    for row in main(smoke="--smoke" in sys.argv):
        print(json.dumps(row))
