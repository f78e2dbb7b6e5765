"""Console and borrower pages over a 100,000-borrower book: every console page under 300 ms (issue 8).

The book is seeded in SQLite the way bench_lending seeds EOD: a handful of lines, loans (current,
overdue, paid) and decisions (approved, referred, declined) made through the app and closed by the EOD
pipeline with a bank that never holds the money (so work items and alerts open), then cloned by bulk
insert to one line, one loan, one decision and, for the late ones, one work item per borrower, plus
open reviews and alerts; the snapshot history is synthetic month-end snapshots for as many loans over
13 months (`portfolio.synthetic`). Pages are requested in-process through the full ASGI stack (edge
middleware, session check, read model, template or chart), after one request to /health starts the
test client; each is requested once cold (its first request, which starts any background figure) and
then `REPEATS` times warm. Background figures (the snapshot report, the PSI) are timed on their own.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

BORROWERS_FULL, BORROWERS_SMOKE = 100_000, 2_000
REPEATS_FULL, REPEATS_SMOKE = 20, 3
TARGET_MS = 300.0
START = date(2025, 1, 1)
CONSOLE_PAGES = (
    ("risk_analyst", "/console/"),
    ("risk_analyst", "/console/charts/balances.svg"),
    ("risk_analyst", "/console/charts/vintage.svg"),
    ("risk_analyst", "/console/charts/roll-rates.svg"),
    ("risk_analyst", "/console/charts/ecl.svg"),
    ("risk_analyst", "/console/reviews"),
    ("collections_agent", "/console/collections"),
    ("risk_analyst", "/console/alerts"),
    ("risk_analyst", "/console/models"),
    ("risk_analyst", "/console/charts/psi.svg"),
    ("finance", "/console/funding"),
    ("risk_analyst", "/console/audit"),
)


def _templates(engine: Any) -> date:
    """Lines, loans and decisions in their different states, made through the app."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
    from test_origination_forms import application

    from creditline.app import Draw, OpenLine, Repay, draw, open_line, repay
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.eod_pipeline import run_pipeline

    for serial in range(1, 13):  # approvals, referrals and declines of the simulated population
        form = application(serial, applied_at=f"{START.isoformat()}T10:15:00+08:00")  # on the business date
        for consent in form["consents"]:
            consent["granted_at"] = f"{START.isoformat()}T10:14:00+08:00"
        apply(engine, ApplyForCredit(f"tpl-{serial}", form))
    lines = [open_line(engine, OpenLine(f"T-B{i}", "revolving-consumer", "50000", "0.05"))["line_id"] for i in range(3)]
    made = [draw(engine, Draw(lines[0], "1000", 3, "t1"))["loan_id"], draw(engine, Draw(lines[1], "5000", 6, "t2"))["loan_id"],
            draw(engine, Draw(lines[2], "20000", 12, "t3", "equal-principal"))["loan_id"]]  # fmt: skip
    bank = _unfunded_bank(engine)  # every debit finds no money: loans fall due, work items and alerts open
    run_pipeline(engine, START + timedelta(days=36), catch_up=True, gateway=bank)
    repay(engine, Repay(made[0], "400", "t1-r1"))  # t2 stays overdue
    run_pipeline(engine, START + timedelta(days=45), catch_up=True, gateway=bank)
    return START + timedelta(days=45)


def _unfunded_bank(engine: Any) -> Any:
    from decimal import Decimal

    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing import SqlBankBook

    never = BankBehaviour(short_rate=Decimal(1), partial_share=Decimal(0), timeout_rate=Decimal(0), declined_rate=Decimal(0))
    return SimulatedBank(SqlBankBook(engine), never)


def _clone(engine: Any, borrowers: int) -> None:
    """One line, loan and decision per borrower, copied from the templates by bulk insert."""
    from sqlalchemy import select

    from bench.bench_lending import _bulk
    from creditline.store.tables import credit_lines, loan_events, loans
    from creditline.store.tables_origination import origination_decisions, origination_reviews

    with engine.begin() as connection:
        line = dict(connection.execute(select(credit_lines).limit(1)).mappings().one())
        book = [dict(r) for r in connection.execute(select(loans)).mappings()]
        decided = [dict(r) for r in connection.execute(select(origination_decisions)).mappings()]
        events = {loan["loan_id"]: [dict(r) for r in connection.execute(
            select(loan_events).where(loan_events.c.loan_id == loan["loan_id"])).mappings()] for loan in book}
        event_columns = list(events[book[0]["loan_id"]][0])
        driver = connection.connection.driver_connection
        copies = (
            ("credit_lines", list(line), lambda n: line | {"line_id": f"BL{n:07d}", "borrower_id": f"BB{n:07d}"}),
            ("loans", list(book[0]), lambda n: book[n % len(book)] | {
                "loan_id": f"BN{n:08d}", "borrower_id": f"BB{n:07d}", "line_id": f"BL{n:07d}"}),
            ("origination_decisions", list(decided[0]), lambda n: decided[n % len(decided)] | {
                "decision_id": f"BD{n:08d}", "client_key": f"bench-{n}", "borrower_id": f"BB{n:07d}", "line_id": None}),
        )  # fmt: skip
        for table, columns, row in copies:
            _bulk(driver, False, table, columns, ([row(n)[c] for c in columns] for n in range(borrowers)))
        _bulk(driver, False, "loan_events", event_columns, (
            [(event | {"event_id": f"BE{n:08d}-{event['sequence']}", "loan_id": f"BN{n:08d}", "borrower_id": f"BB{n:07d}"})[c]
             for c in event_columns]
            for n in range(borrowers) for event in events[book[n % len(book)]["loan_id"]]
        ))  # fmt: skip
        _clone_post_loan(connection, driver, borrowers, book)
        for n in range(min(borrowers, 300)):
            connection.execute(origination_reviews.insert().values(
                decision_id=f"BD{n:08d}", borrower_id=f"BB{n:07d}", kind="borrower_request",
                reason="bench: please review", status="open", opened_on=START))  # fmt: skip


def _clone_post_loan(connection: Any, driver: Any, borrowers: int, book: list[dict[str, Any]]) -> None:
    """A work item for every cloned loan whose template has one, and a thousand open alerts."""
    from sqlalchemy import select

    from bench.bench_lending import _bulk
    from creditline.store.tables_collections import collection_work_items, ew_alerts

    items = {r["loan_id"]: dict(r) for r in connection.execute(select(collection_work_items)).mappings()}
    alerts = [dict(r) for r in connection.execute(select(ew_alerts)).mappings()]
    if items:
        columns = list(next(iter(items.values())))
        _bulk(driver, False, "collection_work_items", columns, (
            [(items[book[n % len(book)]["loan_id"]] | {"item_id": f"BW{n:08d}", "loan_id": f"BN{n:08d}",
                                                      "borrower_id": f"BB{n:07d}"})[c] for c in columns]
            for n in range(borrowers) if book[n % len(book)]["loan_id"] in items
        ))  # fmt: skip
    if alerts:
        columns = [c for c in alerts[0] if c != "alert_id"]
        _bulk(driver, False, "ew_alerts", columns, (
            [(alerts[n % len(alerts)] | {"subject": f"bench-{n}", "status": "open"})[c] for c in columns]
            for n in range(min(borrowers, 1000))
        ))  # fmt: skip


def _sessions(engine: Any, app: Any, borrower_id: str = "BB0000001") -> dict[str, dict[str, str]]:
    from creditline.app.dev_access import dev_session

    cookies = {}
    for role in ("risk_analyst", "collections_agent", "finance"):
        _, issued = dev_session(engine, app.state.runtime.access, role, f"bench {role}")
        cookies[role] = {"creditline_session": issued.token, "creditline_csrf": issued.csrf_token}
    _, issued = dev_session(engine, app.state.runtime.access, "borrower", "bench borrower", borrower_id=borrower_id)
    cookies["borrower"] = {"creditline_session": issued.token, "creditline_csrf": issued.csrf_token}
    return cookies


def _time(client: Any, cookies: dict[str, str], path: str, repeats: int) -> dict[str, Any]:
    client.cookies.clear()
    client.cookies.update(cookies)
    started = time.perf_counter()
    first = client.get(path)
    cold_ms = (time.perf_counter() - started) * 1000
    assert first.status_code in (200, 204), (path, first.status_code, first.text[:300])
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 204), (path, response.status_code)
    timings.sort()
    median = statistics.median(timings)
    return {"page": path, "cold_ms": round(cold_ms, 1), "median_ms": round(median, 1),
            "max_ms": round(timings[-1], 1), "bytes": len(response.content), "target_ms": TARGET_MS,
            "meets_target": timings[-1] < TARGET_MS}  # fmt: skip


def main(smoke: bool) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.app.setup import initialise
    from creditline.portfolio.synthetic import synthetic_snapshots
    from creditline.store import make_engine

    borrowers = BORROWERS_SMOKE if smoke else BORROWERS_FULL
    repeats = REPEATS_SMOKE if smoke else REPEATS_FULL
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    results: list[dict[str, Any]] = []
    try:
        url = f"sqlite:///{folder / 'web.sqlite'}"
        engine = make_engine(url)
        initialise(engine, START)
        _templates(engine)
        started = time.perf_counter()
        _clone(engine, borrowers)
        synthetic_snapshots(loans=borrowers, months=13, seed=3).write_parquet(folder / "snapshots.parquet")
        seed_s = time.perf_counter() - started
        os.environ.update({"CREDITLINE_SNAPSHOTS": str(folder / "snapshots.parquet"), "CREDITLINE_REPORT_LGD": "0.45"})
        app = create_app(ApiSettings(db_url=url, rate_per_s=1e6, rate_burst=1_000_000, access_log=False), engine=engine)
        figures = _figures(app)
        report = figures.report_now(wait_s=600)
        monitoring = figures.monitoring_now(wait_s=600)
        results.append({"name": "seed (clone rows + synthetic snapshots)", "borrowers": borrowers, "seconds": round(seed_s, 1)})
        results.append({"name": "background: portfolio report over the snapshots", "rows": report.value["loans"],
                        "seconds": round(report.seconds, 2), "error": report.error})  # fmt: skip
        results.append({"name": "background: PSI/CSI over the latest decisions", "decisions": monitoring.value["n"],
                        "seconds": round(monitoring.seconds, 2), "error": monitoring.error})  # fmt: skip
        client = TestClient(app, base_url="http://testserver")
        client.get("/health")  # the test client's own start (its event-loop thread) is not a page's cost
        warm_s = _until_ready(client)
        results.append({"name": "start-up warm-up until /ready (charts drawn, templates compiled)",
                        "seconds": round(warm_s, 2)})  # fmt: skip
        cookies = _sessions(engine, app)
        for role, path in CONSOLE_PAGES:
            results.append({"name": "console page", "borrowers": borrowers, **_time(client, cookies[role], path, repeats)})
        for path in ("/app/", "/app/lines/BL0000001", "/app/loans/BN00000001", "/app/history"):
            results.append({"name": "borrower page", "borrowers": borrowers, **_time(client, cookies["borrower"], path, repeats)})
        engine.dispose()
    finally:
        os.environ.pop("CREDITLINE_SNAPSHOTS", None)
        os.environ.pop("CREDITLINE_REPORT_LGD", None)
        shutil.rmtree(folder, ignore_errors=True)
    return results


def _until_ready(client: Any, limit_s: float = 600.0) -> float:
    """Wait as a load balancer would: no page is timed before /ready says the process is warm."""
    started = time.perf_counter()
    while (answer := client.get("/ready")).status_code != 200:
        assert answer.json()["code"] == "warming_up", answer.text
        assert time.perf_counter() - started < limit_s, "the server did not become ready"
        time.sleep(0.05)
    return time.perf_counter() - started


def _figures(app: Any) -> Any:
    """The console sub-application's figures (the same object every console page reads)."""
    from starlette.routing import Mount

    console = next(route for route in app.routes if isinstance(route, Mount) and route.path == "/console")
    return console.app.state.figures


def on_book(url: str, repeats: int = REPEATS_FULL) -> list[dict[str, Any]]:
    """The same pages over a database `creditline simulate` built (the issue's "100,000-borrower
    simulated portfolio"): the console reads the snapshots EOD stored, the borrower pages the busiest
    borrower's line and latest loan. Dev sessions are added to the database (it is a copy to bench on)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.store import make_engine
    from creditline.store.tables import credit_lines, loans

    engine = make_engine(url)
    with engine.connect() as connection:
        borrower_id, count = connection.execute(
            select(loans.c.borrower_id, func.count()).group_by(loans.c.borrower_id).order_by(func.count().desc()).limit(1)
        ).one()  # fmt: skip
        line_id = connection.execute(select(credit_lines.c.line_id).where(credit_lines.c.borrower_id == borrower_id)).scalar_one()
        loan_id = connection.execute(select(loans.c.loan_id).where(loans.c.borrower_id == borrower_id)
                                     .order_by(loans.c.disbursed_on.desc()).limit(1)).scalar_one()  # fmt: skip
        borrowers = connection.execute(select(func.count()).select_from(credit_lines)).scalar_one()
    os.environ["CREDITLINE_WARM"] = "1"  # as `creditline serve` starts it
    try:
        app = create_app(ApiSettings(db_url=url, rate_per_s=1e6, rate_burst=1_000_000, access_log=False), engine=engine)
    finally:
        os.environ.pop("CREDITLINE_WARM")
    client = TestClient(app, base_url="http://testserver")
    client.get("/health")
    results: list[dict[str, Any]] = [{"name": "start-up until /ready", "seconds": round(_until_ready(client), 2)}]
    cookies = _sessions(engine, app, borrower_id)
    for role, path in CONSOLE_PAGES:
        results.append({"name": "console page", "lines": borrowers, **_time(client, cookies[role], path, repeats)})
    for path in ("/app/", f"/app/lines/{line_id}", f"/app/loans/{loan_id}", "/app/history"):
        results.append({"name": "borrower page", "loans_of_borrower": count, **_time(client, cookies["borrower"], path, repeats)})
    engine.dispose()
    return results


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of a simulated database (sessions are added to it)")
    for row in on_book(parser.parse_args().db):
        print(json.dumps(row))
