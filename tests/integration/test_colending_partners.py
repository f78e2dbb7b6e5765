"""Funding partners through the app and the CLI on SQLite and PostgreSQL: register, update by version,
list, show; bad input is one line naming the field, exit 2, and nothing changed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from colending_fixtures import partner_file
from integration_helpers import cli, dump, ok
from lending_fixtures import eod_to, setup_books

import creditline.store.tables_colending  # noqa: F401 - the dump covers the co-lending tables


def test_register_update_list_and_show(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    db = ("--db", db_url)
    first = tmp_path / "a.yaml"
    first.write_text(partner_file("bank-a", cost="3.2%"), encoding="utf-8")
    added = ok("partner", "add", "--file", str(first), *db)
    assert (added["outcome"], added["version"], added["cost_of_funds"], added["share_max"]) == (
        "registered",
        1,
        "3.2%",
        "40%",
    )
    assert ok("partner", "add", "--file", str(first), *db)["outcome"] == "unchanged"
    second = tmp_path / "a2.yaml"
    second.write_text(partner_file("bank-a", cost="2.9%", version=2), encoding="utf-8")
    updated = ok("partner", "add", "--file", str(second), *db)
    assert (updated["outcome"], updated["version"], updated["cost_of_funds"]) == ("updated", 2, "2.9%")
    other = tmp_path / "b.toml"
    other.write_text(
        'partner_id = "bank-b"\nversion = 1\nname = "Bank B"\ncurrency = "CNY"\ncost_of_funds = "0.04"\n'
        'concentration_limit = "0.5"\n[appetite]\nbalance_max = "20000.00"\nshare_max = "0.7"\n',
        encoding="utf-8",
    )
    ok("partner", "add", "--file", str(other), *db)
    listed = ok("partner", "list", *db)["partners"]
    assert [(p["partner_id"], p["version"], p["principal_outstanding"]) for p in listed] == [
        ("bank-a", 2, "0.00"), ("bank-b", 1, "0.00"),
    ]  # fmt: skip
    shown = ok("partner", "show", "bank-b", *db)
    assert (shown["share_min"], shown["share_max"], shown["concentration_limit"], shown["balance_max"]) == (
        "1%", "70%", "50%", "20000.00",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            partner_file("bank-a", share_max="71%"),
            "error: --appetite.share-max: 71% leaves the platform less than its minimum own share 30%; at most 70%",
        ),
        (
            partner_file("bank-a", cost="-0.5%"),
            "error: --cost-of-funds: -0.5% is negative; rates and shares are zero or more",
        ),
        (
            partner_file("bank-a", extra="fee_share: 5%\n"),
            "error: --fee-share: is not a setting this file knows (check the spelling)",
        ),
        (partner_file("bank-a", share_min="50%"), "error: --appetite: share_min is above share_max"),
        # a version past the INTEGER column ended in an OverflowError (SQLite) or DataError (PostgreSQL) traceback
        (
            partner_file("bank-a", version=2**31),
            "error: --version: Input should be less than or equal to 2147483647",
        ),
        (
            partner_file("bank-a", version=1).replace("cost", "price"),
            "error: --cost-of-funds: is required",
        ),
    ],
)
def test_bad_partner_files_change_nothing(
    engine, db_url: str, tmp_path: Path, text: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    before = dump(engine)
    result = cli("partner", "add", "--file", str(file), "--db", db_url)
    assert (result.exit_code, result.stderr.strip(), result.stdout) == (2, message, "")
    assert dump(engine) == before


def test_versions_only_rise_and_unknown_partners_are_named(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    db = ("--db", db_url)
    file = tmp_path / "a.yaml"
    file.write_text(partner_file("bank-a"), encoding="utf-8")
    ok("partner", "add", "--file", str(file), *db)
    before = dump(engine)
    file.write_text(partner_file("bank-a", cost="9%"), encoding="utf-8")  # other content, same version
    same = cli("partner", "add", "--file", str(file), *db)
    assert (same.exit_code, same.stderr.strip()) == (
        2, "error: --version: version 1 of bank-a is registered with other content; raise the version",
    )  # fmt: skip
    missing = cli("partner", "show", "bank-z", *db)
    assert (missing.exit_code, missing.stderr.strip()) == (2, "error: --partner: no funding partner 'bank-z'")
    statement = cli("partner", "statement", "bank-z", "--from", "2024-12-01", "--to", "2024-12-31", *db)
    assert (statement.exit_code, statement.stderr.strip()) == (
        2,
        "error: --partner: no funding partner 'bank-z'",
    )
    open_day = cli("partner", "statement", "bank-a", "--from", "2024-12-01", "--to", "2025-01-01", *db)
    assert (open_day.exit_code, open_day.stderr.strip()) == (
        2, "error: --to: a statement covers closed days; the business date is 2025-01-01",
    )  # fmt: skip
    backwards = cli("partner", "statement", "bank-a", "--from", "2024-12-31", "--to", "2024-12-01", *db)
    assert (backwards.exit_code, backwards.stderr.strip()) == (
        2,
        "error: --to: 2024-12-01 is before 2024-12-31",
    )
    assert cli("partner", "reconcile", "bank-z", *db).exit_code == 2
    assert dump(engine) == before


def test_a_statement_of_days_before_the_partner_was_registered_is_refused(engine, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A statement for December was built and stored for a partner registered on 1 January: a document
    of a period in which it funded nothing. A period ending before registration is refused, nothing stored."""
    setup_books(engine)  # business date 2025-01-01
    db = ("--db", db_url)
    file = tmp_path / "a.yaml"
    file.write_text(partner_file("bank-a"), encoding="utf-8")
    assert ok("partner", "add", "--file", str(file), *db)["registered_on"] == "2025-01-01"
    eod_to(engine, date(2025, 1, 3))
    before = dump(engine)
    refused = cli("partner", "statement", "bank-a", "--from", "2024-12-01", "--to", "2024-12-31", *db)
    assert (refused.exit_code, refused.stderr.strip(), refused.stdout) == (
        2, "error: --to: bank-a was registered on 2025-01-01; a statement period ends on or after that day", "",
    )  # fmt: skip
    assert dump(engine) == before
    spanning = ok("partner", "statement", "bank-a", "--from", "2024-12-01", "--to", "2025-01-01", *db)
    assert (spanning["from"], spanning["to"], spanning["disbursements"]) == ("2024-12-01", "2025-01-01", "0.00")
