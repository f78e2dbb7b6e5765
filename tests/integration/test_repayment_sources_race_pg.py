"""Linking repayment sources concurrently on PostgreSQL, with real threads."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lending_fixtures import open_line, setup_books

from creditline.app.repayment_sources import AddSource, add_source, list_sources
from shared_files import race

pytestmark = pytest.mark.postgres
KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}


@pytest.fixture
def pg_engine(pg_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from creditline.store import make_engine

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(pg_url, pool_size=4)
    setup_books(engine)
    yield engine
    engine.dispose()


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
