"""SIGKILL a real `creditline eod` process at random points (a bounded, seeded loop), then let it
finish: the day closes once, no loan is accrued twice, no borrower is debited twice and every
debit is booked once — on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from eod_support import START, assert_debits_match_repayments, books_with_loans, fast_forward, scalar
from lending_fixtures import assert_books_clean

KILLS_MAX = 4
CREDITLINE = str(Path(sys.executable).with_name("creditline"))
# A bank that answers slowly, tiny pages, an unfriendly seed: many transactions to be killed between.
ENV = os.environ | {"CREDITLINE_BANK_SEED": "4", "CREDITLINE_BANK_LATENCY_MS": "120", "CREDITLINE_DEBIT_PAGE": "3"}


FINGERPRINT = (
    "SELECT (SELECT COUNT(*) FROM debit_attempts) + (SELECT COUNT(*) FROM debit_attempts WHERE outcome <> 'pending') "
    "+ (SELECT COUNT(*) FROM debit_attempts WHERE applied = 1) + (SELECT COUNT(*) FROM eod_stage_runs) "
    "+ (SELECT COUNT(*) FROM eod_runs)"
)


def kill_after_progress(command: list[str], engine, rng: random.Random, env: dict[str, str] = ENV) -> bool:  # type: ignore[no-untyped-def]
    """Start the command; once it has visibly done something, wait a random moment and SIGKILL it.
    Returns False when it finished first."""
    before = scalar(engine, FINGERPRINT)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while process.poll() is None and scalar(engine, FINGERPRINT) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.2))
    if process.poll() is not None:
        assert process.returncode == 0, process.stderr.read() if process.stderr else ""
        return False
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return True


@pytest.mark.slow
def test_sigkill_at_random_points_then_a_restart_closes_the_day_exactly_once(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    books_with_loans(engine, 12)
    due = fast_forward(engine, START, 31)  # every loan's first installment is due today
    run_date = due + timedelta(days=1)
    command = [CREDITLINE, "eod", "--date", run_date.isoformat(), "--db", db_url]
    rng = random.Random(20250201)
    kills = 0
    for _ in range(KILLS_MAX):
        if not kill_after_progress(command, engine, rng):
            break
        kills += 1
    assert kills >= 2, "the kills must land inside the run, or the test proves nothing"
    done = subprocess.run([*command, "--json"], env=ENV, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert scalar(engine, "SELECT COUNT(*) FROM eod_runs WHERE run_date = :d", d=run_date) == 1
    assert str(scalar(engine, "SELECT business_date FROM business_calendar")) == run_date.isoformat()
    assert scalar(engine, "SELECT COUNT(*) FROM debit_attempts") > 0
    assert_debits_match_repayments(engine)  # per borrower: executed by the bank = booked, once each
    assert_books_clean(engine)  # every loan = the replay of its events: accrued once, repaid once
