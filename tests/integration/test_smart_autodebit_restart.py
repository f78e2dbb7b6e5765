"""SIGKILL a real `creditline eod` at random points while borrowers' debits go through two sources each
(the first short, the second paying the rest), then let it finish — on SQLite and PostgreSQL: every
attempt matches the bank's statement, no key executes twice, no loan pays more than it owed that
morning, and every debit is booked once."""

from __future__ import annotations

import random
import subprocess
from datetime import timedelta

import pytest
from eod_support import START, books_with_loans, fast_forward, rows, scalar
from lending_fixtures import assert_books_clean
from test_eod_kill_restart import CREDITLINE, ENV, KILLS_MAX, kill_after_progress
from test_smart_autodebit import KEYS

# A slower bank than the single-source kill test's: ten loans' debits must outlast the random wait
# (up to 1.2 s) after the first visible progress even on an idle machine, or no kill lands.
SLOW_BANK = ENV | {"CREDITLINE_BANK_LATENCY_MS": "400"}


@pytest.mark.slow
def test_a_killed_run_with_two_sources_never_debits_twice(engine, db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.debit_reconciliation import reconcile_debits
    from creditline.app.repayment_sources import AddSource, add_source
    from creditline.store.tables_repayment_sources import deposit

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    books_with_loans(engine, 10)
    due = fast_forward(engine, START, 31)
    funds = []
    for i in range(0, 10, 2):  # even borrowers: 50.00 in the account on file, the rest in a wallet
        wallet = add_source(
            engine, AddSource(f"B{i:03d}", "test", f"WALLET{i:010d}", "wallet", user_verified=True)
        )
        funds += [
            (f"B{i:03d}", "CNY", 50_00, due, "pay"),
            (wallet["source_id"], "CNY", 10_000_00, due, "top-up"),
        ]
    deposit(engine, funds)
    run_date = due + timedelta(days=1)
    command = [CREDITLINE, "eod", "--date", run_date.isoformat(), "--db", db_url]
    rng = random.Random(20250202)
    kills = sum(1 for _ in range(KILLS_MAX) if kill_after_progress(command, engine, rng, SLOW_BANK))
    assert kills >= 1, "the kills must land inside the run, or the test proves nothing"
    done = subprocess.run(
        [*command, "--json"], env=SLOW_BANK, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr

    assert reconcile_debits(engine, due)["breaks_total"] == 0  # every attempt = its statement line
    legs = rows(engine, "SELECT COUNT(*) FROM debit_attempts WHERE source_rank = 2 AND debited_minor > 0")
    assert legs[0][0] == 5, "every even borrower's wallet paid the rest"
    per_loan = rows(engine, "SELECT loan_id, SUM(debited_minor), MAX(requested_minor) FROM debit_attempts "
                            "GROUP BY loan_id")  # fmt: skip
    assert all(paid <= owed for _, paid, owed in per_loan)  # the first ask of the day is everything owed
    booked = scalar(engine, "SELECT COUNT(*) FROM debit_attempts WHERE event_id IS NOT NULL")
    assert booked == scalar(
        engine, "SELECT COUNT(DISTINCT event_id) FROM debit_attempts WHERE event_id IS NOT NULL"
    )
    assert (
        scalar(
            engine,
            "SELECT COUNT(*) FROM debit_attempts WHERE applied = 0 OR outcome IN ('pending', 'unknown')",
        )
        == 0
    )
    executed = dict(rows(engine, "SELECT debit_key, debited_minor FROM sim_bank_debits WHERE executed = 1"))
    moved = dict(rows(engine, "SELECT attempt_key, debited_minor FROM debit_attempts WHERE outcome IN "
                              "('succeeded', 'partial')"))  # fmt: skip
    assert {k: v for k, v in executed.items() if v} == moved
    assert_books_clean(engine)
