"""`creditline source ...` and `creditline autodebit reconcile` in process, with their one-line errors
(exit 2, nothing changed)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from eod_support import START, books_with_loans, fast_forward, run_days
from integration_helpers import cli, dump, ok
from test_smart_autodebit import KEYS, calm_bank


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def test_add_list_priority_remove_payday_and_reconcile(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.tables_repayment_sources import deposit

    books_with_loans(engine, 1)
    db = ("--db", db_url)
    wallet = ok(
        "source", "add", "--borrower", "B000", "--account-number", "WALLET 0000 4321", "--kind", "wallet", *db
    )
    assert (wallet["account"], wallet["priority"]) == ("••••4321", 2)
    listed = ok("source", "list", "--borrower", "B000", *db)["sources"]
    assert [(s["on_file"], s["priority"]) for s in listed] == [(True, 1), (False, 2)]
    text = cli("source", "list", "--borrower", "B000", *db).stdout
    assert (
        "2. " + wallet["source_id"] + " wallet ••••4321" in text and "4321" in text and "00004321" not in text
    )
    assert ok(
        "source", "priority", "--source-id", wallet["source_id"], "--borrower", "B000", "--priority", "1", *db
    )["order"] == [wallet["source_id"], listed[0]["source_id"]]
    assert ok("source", "payday", "--borrower", "B000", "--payday", "25", *db)["basis"] == "stated"
    removed = ok("source", "remove", "--source-id", listed[0]["source_id"], "--borrower", "B000", *db)
    assert removed["order"] == [wallet["source_id"]]
    due = fast_forward(engine, START, 31)
    deposit(engine, [(wallet["source_id"], "CNY", 9_000_00, due - timedelta(days=1), "top-up")])
    run_days(engine, due, 1, calm_bank(engine))  # payday the 25th: outside the grace days, so the due date
    report = ok("autodebit", "reconcile", "--date", due.isoformat(), *db)
    assert (report["attempts"], report["statement_lines"]) == (1, 1)
    assert report["breaks_total"] == 0


def test_errors_are_one_line_and_change_nothing(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    books_with_loans(engine, 2)
    db = ("--db", db_url)
    theirs = ok(
        "source", "add", "--borrower", "B001", "--account-number", "WALLET00001111", "--kind", "wallet", *db
    )
    before = dump(engine)
    cases = [
        (("source", "remove", "--source-id", theirs["source_id"], "--borrower", "B000"),
         f"error: --source-id: no repayment source {theirs['source_id']} of yours"),
        (("source", "priority", "--source-id", "RSnosuch", "--borrower", "B000", "--priority", "1"),
         "error: --source-id: no repayment source RSnosuch of yours"),
        (("source", "add", "--borrower", "B000", "--account-number", "WALLET00002222", "--kind", "cash"),
         "error: --kind: must be one of bank-account, wallet"),
        (("source", "add", "--borrower", "NOBODY", "--account-number", "WALLET00002222"),
         "error: --borrower: no borrower NOBODY"),
        (("source", "payday", "--borrower", "B000", "--payday", "32"), "error: --payday: a day of the month, 1 to 31"),
        (("source", "remove", "--source-id", theirs["source_id"], "--borrower", "B001"), None),  # the last-but-one: fine
    ]  # fmt: skip
    for argv, message in cases[:-1]:
        result = cli(*argv, *db)
        assert (result.exit_code, result.stderr.strip()) == (2, message), argv
    assert dump(engine) == before
    bad_date = cli("autodebit", "reconcile", "--date", "2025-13-01", *db)
    assert bad_date.exit_code == 2 and bad_date.stderr.startswith("error: --date")
    # a day not yet run has no attempts: it reconciled "clean" (0 breaks, exit 0) as if checked
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        today = uow.system.business_date()
    ahead = cli("autodebit", "reconcile", "--date", (today + timedelta(days=1)).isoformat(), *db)
    assert (ahead.exit_code, ahead.stderr.strip()) == (
        2, f"error: --date: {today + timedelta(days=1)} is after the business date {today}")
