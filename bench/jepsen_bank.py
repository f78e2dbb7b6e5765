"""The long runs of the proofs in creditline.reliability, with the figures docs/reliability.md reports.

    python -m bench.jepsen_bank [--seconds 120] [--clients 32] [--borrowers 12]
                                [--server-kills 20] [--eod-kills 30] [--databases sqlite,postgresql]
                                [--seed 1] [--only bank|server|eod]

1. The bank test on PostgreSQL: `--clients` threads against `creditline serve` (2 workers) for
   `--seconds`, end of day every few seconds, the checker throughout (creditline.reliability.bank).
2. The server SIGKILLed `--server-kills` times while clients draw and repay, on each database.
3. `creditline eod` SIGKILLed `--eod-kills` times at random points while clients repay, on each database.

Each prints the Jepsen-style table (operations by type and outcome) and the anomalies (target:
none), and the whole run is written to bench/results/jepsen_bank.json with the machine's load.
It is not a `bench_*` module: `bench.run` (CI's smoke run) leaves it alone; the test suite runs the
same code briefly (tests/reliability).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration" / "api"))  # the software phone

POSTGRES_URL = os.environ.get("CREDITLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RESULTS = Path(__file__).resolve().parent / "results" / "jepsen_bank.json"


def phone():  # type: ignore[no-untyped-def]
    from authenticator import SoftAuthenticator

    return SoftAuthenticator(origin="http://localhost")


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'books.sqlite'}"
        return
    from sqlalchemy import create_engine, text

    schema = f"jepsen_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def platform(kind: str, config):  # type: ignore[no-untyped-def]
    from creditline.reliability.bank import bank_platform

    with tempfile.TemporaryDirectory(prefix=f"jepsen-{kind}-") as folder, database(kind, Path(folder)) as url, \
            bank_platform(url, Path(folder), config, phone) as run:  # fmt: skip
        yield run


def bank(args: argparse.Namespace) -> dict:
    from creditline.reliability.bank import BankConfig, run_bank
    from creditline.reliability.history import counts_table

    config = BankConfig(clients=args.clients, borrowers=args.borrowers, seconds=args.seconds, eod_every_s=args.eod_every,
                        check_every_s=args.check_every, seed=args.seed, workers=2, first_serial=50_000)  # fmt: skip
    with platform("postgresql", config) as run:
        result = run_bank(run)
    print(f"\n== bank test, postgresql: {config.clients} clients, {config.borrowers} borrowers, {config.seconds} s")
    print(counts_table(result.counts))
    print(f"anomalies: {result.anomalies or 'none'}; {result.checks} checks while loaded (slowest {result.check_s_max} s); "
          f"{result.eod_runs} end-of-day runs, {result.business_dates[0]} -> {result.business_dates[1]}")  # fmt: skip
    for example in result.examples:
        print("  ", example)
    return {"kind": "bank"} | result.summary()


def crashes(args: argparse.Namespace, target: str, kind: str) -> dict:
    from creditline.reliability.bank import BankConfig
    from creditline.reliability.crash import (
        STREAM,
        CrashConfig,
        kill_eod_repeatedly,
        kill_server_repeatedly,
        summary,
    )

    config = dataclasses.replace(STREAM, borrowers=6, first_serial=60_000, seed=args.seed)
    kills = args.server_kills if target == "server" else args.eod_kills
    assert isinstance(config, BankConfig)
    started = time.monotonic()
    with platform(kind, config) as run:
        loop = kill_server_repeatedly if target == "server" else kill_eod_repeatedly
        report = loop(run, CrashConfig(kills=kills, seed=args.seed))
    row = summary(report) | {"seconds": round(time.monotonic() - started, 1)}
    print(f"\n== SIGKILL {target}, {kind}: {report.kills} kills, {report.acknowledged} acknowledged, "
          f"{report.lost} lost, {report.indeterminate} indeterminate (retried), landed {report.landed or '-'}; "
          f"anomalies: {report.anomalies or 'none'}")  # fmt: skip
    for example in report.examples:
        print("  ", example)
    return {"kind": f"crash-{target}"} | row


def machine() -> dict:
    import platform as host

    return {"cpus": os.cpu_count(), "load_average_1m_at_end": round(os.getloadavg()[0], 2), "python": sys.version.split()[0],
            "platform": host.platform()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--borrowers", type=int, default=12)
    parser.add_argument("--eod-every", type=float, default=10.0)
    parser.add_argument("--check-every", type=float, default=5.0)
    parser.add_argument("--server-kills", type=int, default=20)
    parser.add_argument("--eod-kills", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("bank", "server", "eod"), default=None)
    args = parser.parse_args(argv)
    rows = []
    if args.only in (None, "bank"):
        rows.append(bank(args))
    for target in ("server", "eod"):
        if args.only in (None, target):
            rows += [crashes(args, target, kind) for kind in args.databases.split(",")]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine(), "args": vars(args), "runs": rows}, indent=2, default=str))
    anomalies = sum(sum(row.get("anomalies", {}).values()) for row in rows)
    print(f"\n{len(rows)} runs, {anomalies} anomalies; written to {RESULTS}")
    return 1 if anomalies else 0


if __name__ == "__main__":
    raise SystemExit(main())
