"""The lending CLI end to end on both databases: the commands the issue names, their --json output."""

from __future__ import annotations

from integration_helpers import cli, dump, ok


def test_a_line_a_drawdown_an_eod_and_a_repayment_through_the_cli(db_url: str) -> None:
    db = ("--db", db_url)
    assert ok("db", "upgrade", *db, "--business-date", "2025-01-01")["business_date"] == "2025-01-01"
    line = ok("line", "open", *db, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    assert (line["available"], line["daily_rate_pct"], line["status"]) == ("20000.00", "0.05", "active")
    loan = ok("draw", *db, "--line", "L1", "--amount", "10000", "--term", "6", "--key", "d1")
    assert (loan["principal_outstanding"], loan["status"], loan["term_months"]) == ("10000.00", "active", 6)
    runs = ok("eod", *db, "--date", "2025-01-04", "--catch-up")
    assert [r["interest"] for r in runs["runs"]] == ["5.00", "5.00", "5.00"]  # 10,000 x 0.05% a day
    assert runs["business_date"] == "2025-01-04"
    paid = ok("repay", *db, "--loan", loan["loan_id"], "--amount", "115", "--key", "r1")
    assert (paid["interest_receivable"], paid["principal_outstanding"]) == ("0.00", "9900.00")
    shown = ok("loan", "show", loan["loan_id"], *db)
    assert shown["totals"]["interest_repaid"] == "15.00" and len(shown["schedule"]) == 6
    assert [e["kind"] for e in shown["events"]] == ["disbursement", "repayment"]
    reversed_ = ok("loan", "reverse", loan["loan_id"], *db, "--event", paid["event_id"], "--key", "x1")
    assert reversed_["principal_outstanding"] == "10000.00" and reversed_["interest_receivable"] == "15.00"
    tb = ok("ledger", "trial-balance", *db)
    # 10,015.00 of loan activity and the 136.72 loss allowance end of day books (docs/eod.md)
    assert tb["balanced"] and tb["totals"]["CNY"] == {"debit": "10151.72", "credit": "10151.72"}
    assert ok("ledger", "reconcile", *db, "--deep")["clean"]
    frozen = ok("line", "freeze", "L1", *db, "--reason", "review")
    assert frozen["status"] == "frozen" and frozen["outstanding_principal"] == "10000.00"
    temp = ok("line", "temp-limit", "L1", *db, "--limit", "30000", "--until", "2025-02-01")
    assert (temp["effective_limit"], temp["temp_limit_until"]) == ("30000.00", "2025-02-01")
    shown_line = ok("line", "show", "L1", *db)
    assert [c["what"] for c in shown_line["changes"]] == ["opened", "status", "temp_limit"]
    text = cli("ledger", "reconcile", *db)
    assert text.exit_code == 0 and text.stdout.strip() == "1 loans checked: clean"


def test_a_key_of_200_characters_is_taken_and_one_of_201_refused(db_url: str) -> None:
    """`repay --key` of the longest key allowed books the repayment (it crashed with a DataError on
    PostgreSQL: 'repay:<key>' did not fit the journal's key column); one character more is exit 2."""
    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    ok("line", "open", *db, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    loan = ok("draw", *db, "--line", "L1", "--amount", "1000", "--term", "6", "--key", "d" * 200)
    paid = ok("repay", *db, "--loan", loan["loan_id"], "--amount", "100", "--key", "r" * 200)
    assert ok("repay", *db, "--loan", loan["loan_id"], "--amount", "100", "--key", "r" * 200) == paid
    assert paid["principal_outstanding"] == "900.00"
    refused = cli("repay", *db, "--loan", loan["loan_id"], "--amount", "100", "--key", "r" * 201)
    assert refused.exit_code == 2 and refused.stderr.startswith("error: --key: must be 1 to 200"), refused.stderr
    assert ok("loan", "show", loan["loan_id"], *db)["principal_outstanding"] == "900.00"
    assert ok("ledger", "reconcile", *db, "--deep")["clean"]


def test_end_of_day_prints_the_loss_allowance_in_major_units(db_url: str) -> None:
    """The provision line printed minor units beside the currency code: 'allowance 13672 (+13672) CNY'
    read as 13,672 yuan where the ledger booked 136.72."""
    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    ok("line", "open", *db, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    ok("draw", *db, "--line", "L1", "--amount", "10000", "--term", "6", "--key", "d1")
    text = cli("eod", *db, "--date", "2025-01-02")
    assert text.exit_code == 0, text.stderr
    booked = ok("ledger", "trial-balance", *db)["accounts"]
    allowance = next(a["balance"] for a in booked if a["account"] == "loss_allowance")
    assert f"  provision: allowance {allowance} (+{allowance}) CNY" in text.stdout.splitlines(), text.stdout


def test_a_reversal_dated_before_the_repayment_it_reverses_changes_nothing(db_url: str) -> None:
    """`loan reverse --date` earlier than the repayment was recorded as given: a payment returned the day
    before it was made (the fold drops the pair whatever the reversal's date, so nothing showed it)."""
    from creditline.store import make_engine

    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    ok("line", "open", *db, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    loan = ok("draw", *db, "--line", "L1", "--amount", "1000", "--term", "6", "--key", "d1")["loan_id"]
    ok("eod", *db, "--date", "2025-01-03", "--catch-up")
    paid = ok("repay", *db, "--loan", loan, "--amount", "100", "--key", "r1", "--date", "2025-01-02")
    engine = make_engine(db_url)
    before = dump(engine)
    refused = cli("loan", "reverse", loan, *db, "--event", paid["event_id"], "--key", "x1", "--date", "2025-01-01")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.strip() == "error: --date: 2025-01-01 is before the event it reverses (2025-01-02)"
    assert dump(engine) == before
    undone = ok("loan", "reverse", loan, *db, "--event", paid["event_id"], "--key", "x2", "--date", "2025-01-02")
    assert undone["principal_outstanding"] == "1000.00" and undone["interest_receivable"] == "1.00"
    engine.dispose()


def test_an_upgrade_keeps_the_date_end_of_day_moved_and_refuses_another(db_url: str) -> None:
    """`db upgrade --business-date` on an existing database printed the date it kept and dropped the
    one asked for without a word; the same date again is fine, another is exit 2 and changes nothing."""
    from creditline.store import make_engine

    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    ok("eod", *db, "--date", "2025-01-02")
    assert ok("db", "upgrade", *db)["business_date"] == "2025-01-02"
    assert ok("db", "upgrade", *db, "--business-date", "2025-01-02")["business_date"] == "2025-01-02"
    engine = make_engine(db_url)
    before = dump(engine)
    refused = cli("db", "upgrade", *db, "--business-date", "2025-01-01")
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr.strip() == (
        "error: --business-date: the database already has business date 2025-01-02; end of day moves it"
    )
    assert dump(engine) == before
    engine.dispose()


def test_end_of_day_with_nothing_accrued_prints_a_book_in_yen_without_decimals(db_url: str) -> None:
    """A day with no loan accruing printed 'interest 0.00' whatever the book's currency: yen have no
    minor unit, so its zero is '0' (Money.amount_str, the currency's own digits)."""
    from lending_fixtures import product_copy

    from creditline.store import make_engine

    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    engine = make_engine(db_url)
    product_copy(engine, "revolving-jpy", {'currency = "CNY"': 'currency = "JPY"', '"500.00"': '"5000"',
                                           '"200000.00"': '"2000000"'})  # fmt: skip
    engine.dispose()
    ok("line", "open", *db, "--borrower", "B1", "--product", "revolving-jpy", "--limit", "300000", "--daily-rate", "0.05")
    text = cli("eod", *db, "--date", "2025-01-02")
    assert text.exit_code == 0, text.stderr
    assert text.stdout.splitlines()[0] == "eod 2025-01-02: 0 loans accrued, interest 0, penalty 0, 0 overdue"
    run = ok("eod", *db, "--date", "2025-01-03")["runs"][0]
    assert (run["interest"], run["penalty"]) == ("0", "0")
