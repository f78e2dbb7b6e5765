"""Linking repayment sources concurrently on PostgreSQL, with real threads."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lending_fixtures import open_line

from creditline.app.repayment_sources import AddSource, add_source, list_sources
from shared_files import race

pytestmark = pytest.mark.postgres
KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}


@pytest.fixture(autouse=True)
def vault_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def test_two_first_links_at_once_both_land_behind_the_account_on_file(pg_engine) -> None:  # type: ignore[no-untyped-def]
    open_line(pg_engine, "B1")

    def link(number: str) -> Any:
        return add_source(pg_engine, AddSource("B1", "tester", number, "wallet", user_verified=True))

    results = race(lambda: link("6222000011112222"), lambda: link("6222000033334444"))
    assert all(isinstance(r, dict) for r in results), results
    assert sorted(r["priority"] for r in results) == [2, 3]  # type: ignore[index]
    shown = list_sources(pg_engine, "B1", "tester")["sources"]
    assert [s["priority"] for s in shown] == [1, 2, 3]
    assert [s["on_file"] for s in shown] == [True, False, False]


def test_links_racing_past_the_limit_leave_at_most_five_sources(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.repayment_sources import SourceInvalid

    open_line(pg_engine, "B1")
    add_source(pg_engine, AddSource("B1", "tester", "6222000000000001", "wallet", user_verified=True))  # on file + 1
    numbers = [f"62220000000001{i:02d}" for i in range(6)]
    results = race(
        *[lambda n=n: add_source(pg_engine, AddSource("B1", "tester", n, "wallet", user_verified=True)) for n in numbers]
    )
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 3 and all(isinstance(r, SourceInvalid) for r in results if not isinstance(r, dict)), results
    assert sorted(r["priority"] for r in won) == [3, 4, 5]
    shown = list_sources(pg_engine, "B1", "tester")["sources"]
    assert [s["priority"] for s in shown] == [1, 2, 3, 4, 5]


def test_a_payday_stated_twice_at_once_is_recorded_once(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.repayment_sources import state_payday
    from creditline.store import UnitOfWork
    from creditline.store.tables_repayment_sources import paydays

    for n in range(3):  # a fresh borrower each time: the race is on the first row
        open_line(pg_engine, f"P{n}")
        results = race(lambda n=n: state_payday(pg_engine, f"P{n}", 25), lambda n=n: state_payday(pg_engine, f"P{n}", 10))
        assert all(isinstance(r, dict) for r in results), results
        with UnitOfWork(pg_engine, read_only=True) as uow:
            assert paydays(uow.connection, [f"P{n}"])[f"P{n}"] in (25, 10)


def test_a_learned_payday_never_replaces_a_stated_one(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from creditline.app.repayment_sources import state_payday
    from creditline.store import UnitOfWork
    from creditline.store.tables_repayment_sources import borrower_paydays, save_payday

    open_line(pg_engine, "B1")
    state_payday(pg_engine, "B1", 25)
    with UnitOfWork(pg_engine) as uow:  # the end of day learned 10 from inflows read before the borrower stated 25
        save_payday(uow.connection, "B1", 10, "inflows", date(2025, 1, 2))
        save_payday(uow.connection, "B2", 10, "inflows", date(2025, 1, 2))
        uow.commit()
    with UnitOfWork(pg_engine, read_only=True) as uow:
        rows = sorted(uow.connection.execute(borrower_paydays.select()).all())
    assert [(r.borrower_id, r.payday, r.basis) for r in rows] == [("B1", 25, "stated"), ("B2", 10, "inflows")]
