"""Property (SQLite, the real end-of-day stage): whatever the sources hold, a day's debits across every
source and round never take more than the loan owed that morning, and take exactly what a plain
statement of the rule says — each round asks the sources in priority order for the rest, a source
pays all of it, or what it holds down to the policy's minimum, or nothing."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pytest
from eod_support import START, books_with_loans, fast_forward, rows, run_days
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lending_fixtures import assert_books_clean
from test_smart_autodebit import calm_bank

KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}
MINIMUM = 10_00  # the shipped policy's partial_min


def expected_collection(due: int, balances: list[int], rounds: int) -> int:
    """The rule, stated plainly."""
    remaining, held = due, list(balances)
    for _ in range(rounds):
        for i, balance in enumerate(held):
            if remaining == 0:
                return due
            low = min(MINIMUM, remaining)
            taken = remaining if balance >= remaining else (balance if balance >= low else 0)
            held[i] -= taken
            remaining -= taken
            if remaining == 0:
                break
    return due - remaining


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.one_of(st.just(1), st.integers(1, 2_000), st.integers(1, 60_000_00)), min_size=1, max_size=3)
)
def test_sources_together_never_take_more_than_is_due(
    monkeypatch: pytest.MonkeyPatch, balances: list[int]
) -> None:
    from creditline.app.repayment_sources import AddSource, add_source
    from creditline.store import make_engine, upgrade
    from creditline.store.tables_repayment_sources import deposit

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'p.sqlite'}")
        upgrade(engine)
        (loan,) = books_with_loans(engine, 1)
        for n in range(1, len(balances)):
            add_source(engine, AddSource("B000", "test", f"WALLET{n:010d}", "wallet", user_verified=True))
        accounts = [
            a for (a,) in rows(engine, "SELECT bank_account_id FROM repayment_sources ORDER BY priority")
        ] or ["B000"]
        due_day = fast_forward(engine, START, 31)
        deposit(
            engine, [(a, "CNY", b, due_day, "in") for a, b in zip(accounts, balances, strict=True)]
        )  # every account funded
        run_days(engine, due_day, 1, calm_bank(engine))
        attempts = rows(engine, "SELECT round, source_rank, requested_minor, debited_minor FROM debit_attempts "
                                "ORDER BY round, source_rank")  # fmt: skip
        due = attempts[0][2]  # the day's first ask is everything owed that morning
        collected = sum(a[3] for a in attempts)
        assert collected <= due
        assert collected == expected_collection(due, balances, rounds=2)
        assert all(a[3] <= a[2] for a in attempts)
        held = dict(rows(engine, "SELECT account_id, balance_minor FROM sim_bank_accounts"))
        assert all(v >= 0 for v in held.values()) and sum(held.values()) == sum(balances) - collected
        assert_books_clean(engine)
        engine.dispose()
    del loan
