"""`creditline demo` as `make demo` runs it: a tiny build into a temporary folder, the database it
leaves (decisions, lines, loans, balanced journal entries, snapshots, a report, a deal on its own
loans, operators whose printed codes are the stored ones), a second run that reuses the build and
serves, and refusals.

The journey is one test: its checks read one build, and pytest-xdist may split a module's tests
between workers (it does not keep `xdist_group` with pytest 9), which would build it once each."""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

BUILD_CPU_S_MAX = 60  # a tiny build, model training included, on an idle machine wall time ≈ CPU time
BUILD_WALL_S_MAX = 240  # only a guard against a hang: the shared test machine can run at load 20
SERVE_START_S_MAX = 60
TINY = ("--borrowers", "60", "--months", "1", "--seed", "7")
ROLES = {"admin", "risk_analyst", "collections_agent", "finance"}
SAMPLE = re.compile(r"^\s+\S+\s+ID (\d{17}[\dX])\s+phone (\d{11})\s+card (\d{19}) .*→ limit ([\d.]+) CNY$", re.M)
CODE = re.compile(r"^\s+(admin|risk_analyst|collections_agent|finance)\s+Demo [a-z ]+?\s+([A-Za-z0-9_-]{32})$", re.M)


@dataclass(frozen=True)
class Built:
    db: Path
    folder: Path
    stdout: str
    cpu_s: float


def creditline(*args: str, timeout_s: float = BUILD_WALL_S_MAX) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("creditline")), *args]
    env = {k: v for k, v in os.environ.items() if k != "CREDITLINE_DB"}
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, env=env, check=False)


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql).fetchall()


def build(folder: Path) -> Built:
    db = folder / "demo.sqlite"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = creditline("demo", "--db", str(db), *TINY, "--no-serve")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the demo and the commands it ran, all waited for
    assert done.returncode == 0, done.stderr[-3000:]
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Built(db, db.parent / "demo", done.stdout, cpu_s)


def test_help_lists_every_option() -> None:
    done = creditline("demo", "--help", timeout_s=30)
    assert done.returncode == 0
    for option in ("--db", "--borrowers", "--months", "--seed", "--port", "--no-serve", "--fresh"):
        assert option in done.stdout, option


@pytest.mark.slow
def test_make_demo_from_nothing_then_again_serving(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    built = build(tmp_path)
    check_book(built)
    check_deal(built)
    check_model(built)
    check_codes(built)  # before the second run, which replaces the codes
    check_samples(built)
    check_refused_rebuild(built, capsys)
    check_second_run(built)


def check_book(built: Built) -> None:
    db = built.db
    decisions = dict(query(db, "SELECT outcome, COUNT(*) FROM origination_decisions GROUP BY outcome"))
    assert sum(decisions.values()) == 60 and decisions["approve"] > 0
    assert query(db, "SELECT COUNT(*) FROM credit_lines")[0][0] == decisions["approve"]
    loans = query(db, "SELECT COUNT(*) FROM loans")[0][0]
    assert loans > 0
    entries = query(db, "SELECT COUNT(*) FROM journal_entries")[0][0]
    unbalanced = query(db, "SELECT entry_id, currency FROM postings GROUP BY entry_id, currency "
                           "HAVING SUM(amount_minor) <> 0")  # fmt: skip
    assert entries >= loans and unbalanced == []
    (business_date,) = query(db, "SELECT MAX(as_of) FROM loan_snapshots")[0]
    assert business_date == "2025-02-01"
    assert query(db, f"SELECT COUNT(*) FROM loan_snapshots WHERE as_of = '{business_date}' AND disbursed_minor > 0")[0][0] == loans
    report = json.loads((built.folder / "report" / f"portfolio-{business_date}.json").read_text())
    on_book = query(db, "SELECT COUNT(*) FROM loans WHERE status IN ('active', 'overdue')")[0][0]
    assert report["loans_on_book"] == on_book
    assert report["capital"]["available"] and report["liquidity"]["available"]  # the illustrative treasury was read
    assert (built.folder / "report" / f"portfolio-{business_date}.html").is_file()


def check_deal(built: Built) -> None:
    import polars as pl

    tape = pl.read_csv(built.folder / "abs" / "tape.csv", infer_schema=False)
    book = dict(query(built.db, "SELECT loan_id, principal_outstanding_minor FROM loans WHERE principal_outstanding_minor > 0"))
    assert dict(zip(tape["loan_id"], map(int, tape["outstanding_principal_minor"]), strict=True)) == book
    deal = json.loads((built.folder / "demo.json").read_text())["steps"]["abs"]
    assert deal["tape_loans"] == len(book) and 0 < deal["pool"]["selected_principal_minor"] <= sum(book.values())
    assert [t["name"] for t in deal["tranches"]] == ["A", "B", "Sub"] and Path(deal["html"]).is_file()


def check_model(built: Built) -> None:
    from creditline.risk.models.registry import is_model_dir

    manifest = json.loads((built.folder / "demo.json").read_text())
    assert manifest["status"] == "complete" and manifest["build"] == {"borrowers": 60, "months": 1, "seed": 7}
    model = manifest["steps"]["model"]
    assert is_model_dir(built.folder / "model") and model["rows"] == 2_000
    assert 0.65 < model["test"]["auc"] < 0.9 and 0.2 < model["test"]["ks"] < 0.7
    assert Path(model["report"]).is_file()
    assert f"test AUC {model['test']['auc']:.3f}, KS {model['test']['ks']:.3f}" in built.stdout
    assert built.cpu_s < BUILD_CPU_S_MAX


def check_codes(built: Built) -> None:
    printed = dict(CODE.findall(built.stdout))
    assert set(printed) == ROLES
    pending = {role: code_hash for role, code_hash in query(
        built.db, "SELECT role, enrollment_hash FROM identity_accounts WHERE status = 'pending'")}  # fmt: skip
    assert pending == {role: hashlib.sha256(code.encode()).hexdigest() for role, code in printed.items()}
    assert "http://localhost:8000/console/" in built.stdout and "not 127.0.0.1" in built.stdout


def check_samples(built: Built) -> None:
    from creditline.identity import IdentityFields, check_identity, profile

    samples = SAMPLE.findall(built.stdout)
    assert 1 <= len(samples) <= 3
    for id_number, phone, card, limit in samples:
        checked = check_identity(IdentityFields("王小明", id_number, phone, card), profile("CN"), on=date(2025, 2, 1))
        assert checked.id_number == id_number and float(limit) > 0
    # decided on a throwaway copy: the demo database holds only the simulated applications
    assert query(built.db, "SELECT COUNT(*) FROM origination_decisions")[0][0] == 60


def check_second_run(built: Built) -> None:
    before = query(built.db, "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM origination_decisions)")
    port = free_port()
    log = built.folder.parent / "second-run.out"
    with log.open("w") as out:
        demo = subprocess.Popen([str(Path(sys.executable).with_name("creditline")), "demo", "--db", str(built.db),
                                 *TINY, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/health", demo, log)
            with urllib.request.urlopen(f"http://localhost:{port}/console/sign-in", timeout=10) as page:
                assert page.status == 200 and 'name="enrollment_code"' in page.read().decode()
        finally:
            demo.send_signal(signal.SIGTERM)  # the demo passes it on: the server must not outlive it
            assert demo.wait(timeout=30) == 0
    text = log.read_text()
    assert "reusing the demo built earlier" in text and "Bearer " in text
    assert query(built.db, "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM origination_decisions)") == before
    assert query(built.db, "SELECT COUNT(*) FROM identity_accounts WHERE status = 'disabled'")[0][0] == 4
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)


def test_refusals_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stranger = tmp_path / "mine.sqlite"
    stranger.write_bytes(b"not a demo")
    error = refused(capsys, "--db", str(stranger))
    assert error.startswith("error: --db: ") and "not made by creditline demo" in error
    assert stranger.read_bytes() == b"not a demo"
    error = refused(capsys, "--db", str(tmp_path / "new.sqlite"), "--borrowers", "0")
    assert error.startswith("error: --borrowers: must be 1 to ")
    error = refused(capsys, "--db", str(tmp_path / "new.sqlite"), "--port", "0")
    assert error.startswith("error: --port: must be 1 to 65535")
    assert not (tmp_path / "new.sqlite").exists() and not (tmp_path / "new").exists()


def check_refused_rebuild(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = (built.folder / "demo.json").read_bytes()
    error = refused(capsys, "--db", str(built.db), "--borrowers", "61", "--months", "1")
    assert error.startswith("error: --fresh: the demo at ") and "built with 60 borrowers × 1 month, seed 7" in error
    assert "rebuild it with 61 borrowers × 1 month" in error and (built.folder / "demo.json").read_bytes() == manifest


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """`creditline demo ARGS --no-serve` in this process (a refusal imports little): its error line."""
    from creditline.cli.main import run

    with pytest.raises(SystemExit) as exited:
        run(["demo", *args, "--no-serve"])
    assert exited.value.code == 2
    return capsys.readouterr().err.strip()


def test_the_docs_index_lists_every_doc() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    index = (docs / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    assert listed == {p.name for p in docs.glob("*.md")} - {"README.md"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVE_START_S_MAX
    while time.monotonic() < deadline:
        assert process.poll() is None, f"creditline demo exited with {process.returncode}:\n{log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {SERVE_START_S_MAX} s:\n{log.read_text()[-2000:]}")
