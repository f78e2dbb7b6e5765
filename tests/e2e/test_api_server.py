"""The API as it runs: `creditline serve` in its own process on a free port, driven over real HTTP
by a person with a software passkey — register, apply, draw, repay — on SQLite and PostgreSQL,
with health, readiness, metrics, security headers and the JSON access log checked."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integration.api.authenticator import SoftAuthenticator
from integration.test_origination_forms import application

REPO = Path(__file__).resolve().parents[2]
CREDITLINE = Path(sys.executable).with_name("creditline")
ORIGIN = "http://localhost"
STARTUP_S_MAX = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'served.sqlite'}"
        return
    from sqlalchemy import create_engine, text

    base = request.getfixturevalue("postgres_url")
    schema = f"srv_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}?options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[dict]:
    port = free_port()
    out, err = (tmp_path / "stdout.txt").open("w+"), (tmp_path / "stderr.txt").open("w+")
    command = [str(CREDITLINE), "serve", "--db", db_url, "--port", str(port), "--dev", "--origins", ORIGIN]
    process = subprocess.Popen(command, stdout=out, stderr=err, cwd=tmp_path, env=os.environ | {"CREDITLINE_ENV": "development"})
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, err)
        out.seek(0)
        token = next(line.rsplit(" ", 1)[1] for line in out.read().splitlines() if "token:" in line)
        yield {"base": base, "token": token, "stderr": err}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen, err) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + STARTUP_S_MAX
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err.seek(0)
            raise AssertionError(f"creditline serve exited {process.returncode}: {err.read()[-2000:]}")
        try:  # ready, as a load balancer waits for it: migrated and the console's warm-up done
            answer = httpx.get(f"{base}/ready", timeout=1)
            if answer.status_code == 200:
                return
            assert answer.json()["code"] == "warming_up", answer.text
            time.sleep(0.2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("creditline serve was not ready in time")


def _applied_now(serial: int) -> dict:
    """An application sent now: a new server's business date is today, and `applied_at` must fall on it."""
    now = datetime.now(UTC).replace(microsecond=0)
    form = application(serial, applied_at=now.isoformat())
    for consent in form["consents"]:
        consent["granted_at"] = (now - timedelta(minutes=1)).isoformat()
    return form


def test_a_borrower_over_real_http(server):
    base, passkey = server["base"], SoftAuthenticator(origin=ORIGIN)
    with httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/ready").json()["status"] == "ready"
        options = http.post("/v1/passkeys/registration-options", json={"display_name": "Wang Fang"}).json()
        signed_in = http.post("/v1/passkeys", json={"credential": passkey.create(options["publicKey"])})
        assert signed_in.status_code == 201
        token = signed_in.json()["session"]["token"]
        decision = http.post("/v1/applications", json=_applied_now(501), headers={
            "Authorization": f"Bearer {token}", "Idempotency-Key": "e2e-apply"}).json()  # fmt: skip
        assert decision["outcome"] == "approve", decision
        auth = {"Authorization": f"Bearer {decision['session']['token']}"}
        terms = {"amount": "2000.00", "term_months": 6}
        approval = http.post(f"/v1/lines/{decision['line_id']}/drawdown-approvals", json=terms, headers=auth).json()
        loan = http.post(f"/v1/lines/{decision['line_id']}/drawdowns", headers=auth | {"Idempotency-Key": "e2e-draw"},
                         json=terms | {"assertion": passkey.get(approval["publicKey"])})  # fmt: skip
        assert loan.status_code == 201, loan.text
        loan_id = loan.json()["loan_id"]
        repaid = http.post(f"/v1/loans/{loan_id}/repayments", json={"amount": "500.00", "currency": "CNY"},
                           headers=auth | {"Idempotency-Key": "e2e-repay", "X-Request-Id": "e2e-trace-1"})  # fmt: skip
        assert repaid.status_code == 201
        assert repaid.json()["principal_outstanding"] == "1500.00"
        assert repaid.headers["x-request-id"] == "e2e-trace-1"
        assert "frame-ancestors 'none'" in repaid.headers["content-security-policy"]
        admin = {"Authorization": f"Bearer {server['token']}"}
        portfolio = http.get("/v1/reports/portfolio", headers=admin).json()
        assert portfolio["currencies"][0]["principal_outstanding"] == "1500.00"
        assert http.post(f"/v1/loans/{loan_id}/repayments", json={"amount": "1.00"}, headers=admin | {
            "Idempotency-Key": "admin-pays"}).status_code == 403, "an admin moves no money"  # fmt: skip
        metrics = http.get("/metrics").text
        assert 'route="/v1/loans/{loan_id}/repayments",status="201"' in metrics
    time.sleep(0.3)  # the access log line is written after the response
    server["stderr"].seek(0)
    lines = [json.loads(line) for line in server["stderr"].read().splitlines() if line.startswith("{")]
    traced = [line for line in lines if line.get("request_id") == "e2e-trace-1"]
    assert traced and traced[0]["route"] == "/v1/loans/{loan_id}/repayments" and traced[0]["status"] == 201


def test_the_dev_bootstrap_is_refused_in_production(tmp_path):
    command = [str(CREDITLINE), "serve", "--db", f"sqlite:///{tmp_path / 'p.sqlite'}", "--env", "production", "--dev",
               "--origins", "https://credit.example"]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert finished.returncode == 2
    assert "dev token bootstrap cannot run in production" in finished.stderr
    assert not (tmp_path / "p.sqlite").exists(), "refused before touching the database"
