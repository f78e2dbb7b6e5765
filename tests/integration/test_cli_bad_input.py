"""The issue's bad inputs through the CLI: a typed error, one line, exit 2, the database unchanged."""

from __future__ import annotations

import pytest
from database_urls import POSTGRES, SQLITE, database_url
from integration_helpers import cli, dump, ok

START = "2025-01-01"


@pytest.fixture(scope="module", params=[SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)])
def books(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A database with an active line holding one loan, a frozen line, and a paid-off loan.

    Shared by the cases of one database: each case proves it changed nothing, so none can disturb the next.
    """
    with database_url(request, request.param, tmp_path_factory.mktemp("bad")) as db_url:
        yield from _books(db_url)


def _books(db_url: str):  # type: ignore[no-untyped-def]
    from creditline.store import make_engine

    ok("db", "upgrade", "--db", db_url, "--business-date", START)
    ok("line", "open", "--db", db_url, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    ok("line", "open", "--db", db_url, "--borrower", "B2", "--limit", "5000", "--daily-rate", "0.05", "--line-id", "L2")
    ok("line", "freeze", "L2", "--db", db_url, "--reason", "suspected fraud")
    loan = ok("draw", "--db", db_url, "--line", "L1", "--amount", "1000", "--term", "6", "--key", "d1")
    paid = ok("draw", "--db", db_url, "--line", "L1", "--amount", "600", "--term", "3", "--key", "d2")
    ok("repay", "--db", db_url, "--loan", paid["loan_id"], "--amount", "600", "--key", "r1")
    engine = make_engine(db_url)
    yield {"url": db_url, "loan": loan["loan_id"], "paid": paid["loan_id"], "engine": engine}
    engine.dispose()


BAD = {
    "beyond the limit": (["draw", "--line", "L1", "--amount", "19500", "--term", "6", "--key", "x"], "--amount"),
    "on a frozen line": (["draw", "--line", "L2", "--amount", "1000", "--term", "6", "--key", "x"], "frozen"),
    "below the minimum": (["draw", "--line", "L1", "--amount", "100", "--term", "6", "--key", "x"], "minimum"),
    "a term not offered": (["draw", "--line", "L1", "--amount", "1000", "--term", "5", "--key", "x"], "--term"),
    "repaying a closed loan": (["repay", "--loan", "{paid}", "--amount", "10", "--key", "x"], "--loan"),
    "a negative amount": (["repay", "--loan", "{loan}", "--amount", "-5", "--key", "x"], "--amount"),
    "an unknown loan": (["repay", "--loan", "NOPE", "--amount", "10", "--key", "x"], "--loan"),
    # end of day's auto-debit books the bank's money under `ad:<loan>:<date>:<round>`: a repayment keyed so
    # before it made that booking answer with this one's result, or refuse it, and the money went unbooked
    "a key of end of day's auto-debits": (["repay", "--loan", "{loan}", "--amount", "10", "--key", "ad:{loan}:2025-01-01:1"],
                                          "error: --key: keys starting ad: are end of day's auto-debits"),
    "a date before the loan began": (
        ["repay", "--loan", "{loan}", "--amount", "10", "--key", "x", "--date", "2024-12-31"],
        "--date",
    ),
    # The message names the command's own option, not the engine's field (--mode, --component, --reverses).
    "a prepayment mode not offered": (
        ["loan", "prepay", "{loan}", "--amount", "10", "--keep", "shorter", "--key", "x"], "error: --keep: "
    ),
    "waiving principal": (["loan", "waive", "{loan}", "--amount", "1", "--part", "principal", "--key", "x"], "error: --part: "),
    "reversing an unknown event": (["loan", "reverse", "{loan}", "--event", "EVnope", "--key", "x"], "error: --event: "),
    "an unknown line": (["draw", "--line", "L9", "--amount", "1000", "--term", "6", "--key", "x"], "--line"),
    "the review history of an unknown line": (["limits", "history", "L9"], "--line"),
    "a malformed amount": (["draw", "--line", "L1", "--amount", "1e3", "--term", "6", "--key", "x"], "--amount"),
    "a time zone that is a folder of zones": (["collections", "profile", "--borrower", "B1", "--time-zone", "Asia"], "--time-zone"),
    "a time zone name too long": (["collections", "profile", "--borrower", "B1", "--time-zone", "x" * 300], "--time-zone"),
    "a review number past BIGINT": (["decision", "resolve", "9" * 23, "--resolution", "approved", "--resolver", "r", "--note", "n"],
                                    "review_id"),
    "an alert number past BIGINT": (["alerts", "ack", "9" * 23, "--operator", "o"], "alert"),
    "a profile for an unknown borrower": (["collections", "profile", "--borrower", "NOPE", "--time-zone", "Asia/Shanghai"], "--borrower"),
    "a profile for an id too long to be one": (["collections", "profile", "--borrower", "B" * 300, "--time-zone", "UTC"], "--borrower"),
    # `line temp-limit` has --limit and --until; its errors named --temp-limit and --temp-limit-expires
    "a temporary limit that expired already": (["line", "temp-limit", "L1", "--limit", "30000", "--until", "2024-12-31"],
                                               "error: --until: "),
    "a negative temporary limit": (["line", "temp-limit", "L1", "--limit", "-5", "--until", "2025-02-28"], "error: --limit: "),
    "a temporary limit without its expiry": (["line", "temp-limit", "L1", "--limit", "30000"], "error: --until: "),
    # A line's daily rate finer than the accrual's integers hold: a draw crashed storing its pricing
    # (beyond BIGINT), or end of day stopped for the whole book on its int64 headroom.
    "a daily rate with more than 6 decimal places (in percent)": (
        ["line", "open", "--borrower", "B3", "--limit", "300000", "--daily-rate", "0.05000001"], "error: --daily-rate: "
    ),
    "a daily rate finer than BIGINT holds": (
        ["line", "open", "--borrower", "B3", "--limit", "300000", "--daily-rate", "0.0500000000000000000001"],
        "error: --daily-rate: ",
    ),
    # a limit near BIGINT's largest was taken, and every end of day after it stopped for the whole book
    "a limit beyond 10^15 minor units": (
        ["line", "open", "--borrower", "B3", "--limit", "92233720368547758.07", "--daily-rate", "0.05"], "error: --limit: "
    ),
    "raising a limit beyond 10^15 minor units": (["line", "change-limit", "L1", "--limit", "10000000000000.01"],
                                                 "error: --limit: a limit is at most 10000000000000.00"),
    "a temporary limit beyond 10^15 minor units": (
        ["line", "temp-limit", "L1", "--limit", "10000000000000.01", "--until", "2025-02-28"], "error: --limit: "
    ),
    # decimal.Overflow and a traceback (exit 1): the rate was converted to a year before its range was checked
    "a daily rate beyond the decimal range": (
        ["line", "open", "--borrower", "B3", "--limit", "300000", "--daily-rate", "9e999999"], "error: --daily-rate: "
    ),
    # --remove with a limit to set: the limit was dropped silently and the temporary limit removed
    "removing a temporary limit while setting one": (
        ["line", "temp-limit", "L1", "--limit", "30000", "--until", "2025-02-28", "--remove"], "error: --remove: "
    ),
    # `line freeze|unfreeze|close` have no --status option; their refusals named it
    "freezing a frozen line": (["line", "freeze", "L2"], "error: --line: only an active line can be frozen"),
    "unfreezing an active line": (["line", "unfreeze", "L1"], "error: --line: only a frozen line can be unfrozen"),
    # changing the limit to the one the line has recorded an empty change in its history
    "changing a limit to itself": (["line", "change-limit", "L1", "--limit", "20000.00", "--reason", "review"],
                                   "error: --limit: the line's limit is already 20000.00"),
    # removing a temporary limit the line does not have recorded an empty change in its history
    "removing a temporary limit there is none of": (["line", "temp-limit", "L1", "--remove"],
                                                    "error: --remove: the line has no temporary limit to remove"),
    # `loan waive --part`, `loan prepay --keep`, `loan reverse --event`: errors named --component, --mode, --reverses
    "waiving an unknown part": (["loan", "waive", "{loan}", "--amount", "1", "--part", "bogus", "--key", "x"],
                                "error: --part: "),
    "prepaying with an unknown keep": (["loan", "prepay", "{loan}", "--amount", "100", "--keep", "bogus", "--key", "x"],
                                       "error: --keep: "),
    # a borrower's privacy requests (docs/privacy.md)
    "erasing an unknown borrower": (["borrower", "erase", "--borrower", "NOPE"], "error: --borrower: no borrower NOPE"),
    "an erasure request dated after the business date": (["borrower", "erase", "--borrower", "B1", "--date", "2025-01-02"],
                                                         "error: --date: 2025-01-02 is after the business date"),
    "exporting an unknown borrower": (["borrower", "export", "--borrower", "NOPE"], "error: --borrower: no borrower NOPE"),
    # every date option reads YYYY-MM-DD only (cli.db_cmd.parse_date): ISO 8601's basic form and week dates
    # were read as dates, so a typo could close the books to another day
    "an end-of-day date in ISO 8601's basic form": (["eod", "--date", "20250102"],
                                                   "error: --date: '20250102' is not a date (YYYY-MM-DD)"),
    "an end-of-day date as an ISO week date": (["eod", "--date", "2025-W01-4"],
                                              "error: --date: '2025-W01-4' is not a date (YYYY-MM-DD)"),
    "a repayment dated in ISO 8601's basic form": (["repay", "--loan", "{loan}", "--amount", "10", "--key", "x",
                                                    "--date", "20250101"], "error: --date: '20250101' is not a date"),
    # a paid-off loan has left collections: a call on record would count against the borrower's caps
    "a collection call on a paid-off loan": (["collections", "contact", "--loan", "{paid}", "--outcome", "reached",
                                              "--operator", "agent 7", "--at", "2025-01-01T10:00:00+08:00"],
                                             "is paid-off: nothing is owed, so the borrower is not contacted about it"),
    # a value echoed back is cut to 80 characters (creditline.errors.shortened): a 100 kB one came back whole
    "a 100 kB date echoed back": (["eod", "--date", "9" * 100_000],
                                  "error: --date: '" + "9" * 79 + "…' is not a date (YYYY-MM-DD)"),
    "a 100 kB borrower id echoed back": (["borrower", "export", "--borrower", "B" * 100_000],
                                         "error: --borrower: no borrower " + "B" * 79 + "…"),
    "a contact time in ISO 8601's basic form": (["collections", "contact", "--loan", "{loan}", "--outcome", "reached",
                                                 "--operator", "agent 7", "--at", "20250101T100000+0800"],
                                                "error: --at: '20250101T100000+0800' is not an ISO 8601 time"),
    "a reconciliation date in ISO 8601's basic form": (["autodebit", "reconcile", "--date", "20250101"],
                                                       "error: --date: '20250101' is not a date"),
    # an existing database kept its date and printed it, so the date asked for was dropped without a word
    "an upgrade asking for another business date": (
        ["db", "upgrade", "--business-date", "2025-03-01"],
        "error: --business-date: the database already has business date 2025-01-01; end of day moves it",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(books, case: str) -> None:  # type: ignore[no-untyped-def]
    argv, expected = BAD[case]
    argv = [a.format(loan=books["loan"], paid=books["paid"]) for a in argv]
    before = dump(books["engine"])
    result = cli(*argv, "--db", books["url"])
    assert result.exit_code == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert expected in lines[0]
    assert len(lines[0]) < 1000, "a value echoed back whole"
    assert "Traceback" not in result.stderr
    assert dump(books["engine"]) == before


def test_a_database_without_schema_or_out_of_reach_is_one_line_exit_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.sqlite"
    absent = cli("line", "show", "L1", "--db", f"sqlite:///{missing}")
    assert (absent.exit_code, absent.stderr.strip()) == (
        2,
        f"error: --db: no database at {missing}; run `creditline db upgrade` first",
    )
    assert not missing.exists()  # refused before connecting, which would have created the file
    (tmp_path / "empty.sqlite").touch()
    empty = cli("line", "show", "L1", "--db", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert (empty.exit_code, empty.stderr.strip()) == (
        2,
        "error: --db: the database has no schema yet; run `creditline db upgrade` first",
    )
    unreachable = cli("ledger", "trial-balance", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert unreachable.exit_code == 2 and unreachable.stderr.startswith("error: --db: cannot open the database")
    assert len(unreachable.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    ["not a url", "mysql://nobody@127.0.0.1/none", "http://example.com/db", "postgresql://u:secret@127.0.0.1:port/db"],
)
def test_a_malformed_database_url_is_one_line_exit_2(url: str) -> None:
    """Unparseable, an unknown dialect, a driver not installed, a port that is not a number: one line,
    the option named, the password never echoed."""
    for argv in (["ledger", "trial-balance"], ["operator", "list"], ["db", "upgrade"]):
        result = cli(*argv, "--db", url)
        assert result.exit_code == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --db: not a database URL"), result.stderr
        assert "secret" not in result.stderr


# One command of each module that used to open the database without checking it first.
DATABASE_COMMANDS = [
    ["alerts", "list"], ["apply", "--file", "{file}", "--key", "k"], ["audit", "heads"],
    ["autodebit", "reconcile", "--date", START], ["collections", "contacts", "--loan", "LO1"],
    ["coupon", "list", "--borrower", "B1"], ["decision", "queue"],
    ["limits", "history", "L1"], ["operator", "list"], ["plan", "recommend", "--line", "L1", "--amount", "600"],
    ["reliability", "check"], ["source", "list", "--borrower", "B1"],
]  # fmt: skip


@pytest.mark.parametrize("argv", DATABASE_COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_every_command_names_a_database_it_cannot_use_in_one_line(argv: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A database without schema, out of reach, a folder, or a file that is no database: one line, exit 2."""
    (tmp_path / "application.json").write_text("{}")
    (tmp_path / "folder").mkdir()
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 8)
    argv = [a.format(file=tmp_path / "application.json") for a in argv]
    for url in (f"sqlite:///{tmp_path / 'empty.sqlite'}", "postgresql://nobody@127.0.0.1:1/none",
                f"sqlite:///{tmp_path / 'folder'}", f"sqlite:///{tmp_path / 'junk.bin'}"):  # fmt: skip
        result = cli(*argv, "--db", url)
        assert result.exit_code == 2, (url, result)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --db: "), (url, result.stderr)


@pytest.mark.parametrize("argv", [["audit", "keygen", "--out"], ["keys", "new", "--keyring-file"]], ids=lambda a: a[1])
def test_a_key_file_that_cannot_be_created_is_one_line_exit_2(argv: list[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A folder that does not exist, or a path through a file: one line naming the option, no file left behind."""
    (tmp_path / "a-file").write_text("")
    for target in (tmp_path / "missing" / "key", tmp_path / "a-file" / "key"):
        result = cli(*argv, str(target))
        assert result.exit_code == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {argv[-1]}: cannot "), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_audit_keygen_never_overwrites_a_public_key_nor_leaves_half_a_key_pair(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """OUT.pub that cannot be written (a folder by that name) was a traceback after the private key had
    been written, leaving a signing key without its public key; an existing OUT.pub - the key that
    verifies the heads already published - was silently replaced. Both are one line, exit 2, nothing written."""
    (tmp_path / "folder.pub").mkdir()
    (tmp_path / "old.pub").write_text("the public key of the log's heads so far")
    for name in ("folder", "old"):
        result = cli("audit", "keygen", "--out", str(tmp_path / name))
        assert result.exit_code == 2, result
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: --out: "), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.pub", "old.pub"]
    assert (tmp_path / "old.pub").read_text() == "the public key of the log's heads so far"


DEEP = 9000  # within every file limit (the smallest is 20,000 characters), past Python's recursion limit
NESTED = {
    "deep.toml": "a = " + "[" * DEEP + "]" * DEEP, "deep.yaml": "a:\n  - " + "[" * DEEP + "]" * DEEP,
    "deep.json": "[" * DEEP + "]" * DEEP,
}  # fmt: skip
NESTED_FILE_COMMANDS = {
    "partner add": (["partner", "add", "--file", "deep.toml"], "--file"),
    "coupon campaign-add": (["coupon", "campaign-add", "--file", "deep.toml"], "--file"),
    "apply": (["apply", "--file", "deep.json", "--key", "k"], "--application"),
    "abs structure": (["abs", "structure", "--tape", "tape.csv", "--deal", "deep.json"], "--deal"),
}


@pytest.mark.parametrize("case", sorted(NESTED_FILE_COMMANDS))
def test_a_file_nested_past_the_recursion_limit_is_one_line_exit_2(books, case: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, text in NESTED.items():
        (tmp_path / name).write_text(text)
    argv, expected = NESTED_FILE_COMMANDS[case]
    argv = [str(tmp_path / a) if a in NESTED else a for a in argv]
    before = dump(books["engine"])
    result = cli(*argv, *(["--db", books["url"]] if argv[0] in ("partner", "coupon", "apply") else []))
    assert result.exit_code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {expected}: "), result.stderr
    assert dump(books["engine"]) == before


@pytest.mark.parametrize("name", ["deep.toml", "deep.yaml"])
def test_a_product_file_nested_past_the_recursion_limit_is_one_line_exit_2(name: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / name).write_text(NESTED[name])
    result = cli("product", "check", str(tmp_path / name))
    assert result.exit_code == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: "), result.stderr
