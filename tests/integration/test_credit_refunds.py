"""Refunding a borrower's credit balance, on SQLite and PostgreSQL: one balanced entry over the loans
that hold the credit, idempotent on the client key, and every bad request refused with nothing changed
— through the app and through `creditline refund-credit`."""

from __future__ import annotations

from typing import Any

import pytest
from integration_helpers import cli, dump, ok
from lending_fixtures import assert_books_clean, open_line, setup_books
from sqlalchemy import text

from creditline.app import Draw, Repay, draw, repay
from creditline.app.credit_refunds import RefundCredit, refund_credit
from creditline.errors import DomainError
from creditline.reliability.invariants import check_books


@pytest.fixture
def books(engine):  # type: ignore[no-untyped-def]
    """B1 overpaid two loans: 200.00 of credit on the first, 50.00 on the second; B2 has none."""
    setup_books(engine)
    line = open_line(engine, "B1", line_id="L1")
    open_line(engine, "B2", line_id="L2")
    first = draw(engine, Draw(line, "1000", 3, "d1"))["loan_id"]
    second = draw(engine, Draw(line, "600", 3, "d2"))["loan_id"]
    assert repay(engine, Repay(first, "1200", "r1"))["credit_balance"] == "200.00"
    assert repay(engine, Repay(second, "650", "r2"))["credit_balance"] == "50.00"
    return engine, sorted([first, second]), {first: 200_00, second: 50_00}


def rows(engine: Any, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def credit_of(engine: Any, loan_id: str) -> int:
    return rows(engine, "SELECT credit_balance_minor FROM loans WHERE loan_id = :l", l=loan_id)[0][0]


def test_a_refund_takes_the_credit_loan_by_loan_in_one_balanced_entry(books) -> None:  # type: ignore[no-untyped-def]
    engine, (a, b), held = books
    result = refund_credit(engine, RefundCredit("B1", "230", "refund-1"))
    taken_a = min(held[a], 230_00)
    taken = {a: taken_a, b: 230_00 - taken_a}  # loan-id order: the first loan's credit first
    assert (result["refunded"], result["credit_balance"], result["currency"]) == ("230.00", "20.00", "CNY")
    assert [(r["loan_id"], r["refunded"]) for r in result["loans"]] == [
        (loan, f"{taken[loan] // 100}.{taken[loan] % 100:02d}") for loan in (a, b) if taken[loan]
    ]
    for loan in (a, b):
        assert credit_of(engine, loan) == held[loan] - taken[loan]
    # One entry, the client's key on it, the borrower on it and on each posting: each loan's credit
    # debited, the cash credited once.
    (entry,) = rows(engine, "SELECT entry_id, idempotency_key, borrower_id FROM journal_entries "
                            "WHERE idempotency_key LIKE 'refund-credit:%'")  # fmt: skip
    assert entry == (result["entry_id"], "refund-credit:refund-1", "B1")
    postings = rows(engine, "SELECT account, loan_id, amount_minor, borrower_id FROM postings WHERE entry_id = :e "
                            "ORDER BY account, loan_id", e=entry[0])  # fmt: skip
    expected = [("borrower_credit", loan, taken[loan], "B1") for loan in (a, b) if taken[loan]]
    assert postings == [*expected, ("settlement_cash", None, -230_00, "B1")]
    events = rows(engine, "SELECT loan_id, amount_minor FROM loan_events WHERE kind = 'credit-refund' ORDER BY loan_id")
    assert events == [(loan, taken[loan]) for loan in (a, b) if taken[loan]]
    assert_books_clean(engine)  # each loan = the replay of its events; the journal rebuilds it
    assert check_books(engine, deep=False, quiescent=True).anomalies == ()


def test_the_same_key_returns_the_first_result_and_another_request_under_it_is_refused(books) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.errors import IdempotencyConflict

    engine, _, _ = books
    first = refund_credit(engine, RefundCredit("B1", "30", "refund-2"))
    before = dump(engine)
    assert refund_credit(engine, RefundCredit("B1", "30.00", "refund-2", currency="cny")) == first  # the same request
    # a code with spaces around it, as `money.currency` reads one: it was refused as a currency not held
    assert refund_credit(engine, RefundCredit("B1", "30.00", "refund-2", currency=" cny ")) == first
    assert dump(engine) == before
    with pytest.raises(IdempotencyConflict) as caught:
        refund_credit(engine, RefundCredit("B1", "31", "refund-2"))
    assert caught.value.field == "key"
    assert dump(engine) == before
    assert first["credit_balance"] == "220.00"


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (RefundCredit("B1", "250.01", "k"), "insufficient_credit", "amount"),
        (RefundCredit("B1", "0", "k"), "amount_not_positive", "amount"),
        (RefundCredit("B1", "-5", "k"), None, "amount"),
        (RefundCredit("B2", "1", "k"), "insufficient_credit", "amount"),  # a borrower with no credit at all
        (RefundCredit("NOBODY", "1", "k"), "borrower_not_found", "borrower"),
        (RefundCredit("B1", "1", "k", currency="USD"), "currency_not_held", "currency"),
        (RefundCredit("B1", "1", ""), "key_invalid", "key"),
    ],
)
def test_a_bad_refund_is_refused_naming_its_field_and_changes_nothing(books, command, code, field) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = books
    before = dump(engine)
    with pytest.raises(DomainError) as caught:
        refund_credit(engine, command)
    assert caught.value.field == field, caught.value
    if code is not None:
        assert caught.value.code == code
    assert dump(engine) == before


def test_the_whole_balance_can_be_refunded_and_then_nothing_more(books) -> None:  # type: ignore[no-untyped-def]
    engine, loans, _ = books
    assert refund_credit(engine, RefundCredit("B1", "250", "all"))["credit_balance"] == "0.00"
    assert [credit_of(engine, loan) for loan in loans] == [0, 0]
    with pytest.raises(DomainError) as caught:
        refund_credit(engine, RefundCredit("B1", "0.01", "more"))
    assert caught.value.code == "insufficient_credit" and "credit balance 0.00" in str(caught.value)
    assert_books_clean(engine)


def test_creditline_refund_credit_through_the_cli(db_url: str) -> None:
    db = ("--db", db_url)
    ok("db", "upgrade", *db, "--business-date", "2025-01-01")
    ok("line", "open", *db, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    loan = ok("draw", *db, "--line", "L1", "--amount", "1000", "--term", "3", "--key", "d1")
    assert ok("repay", *db, "--loan", loan["loan_id"], "--amount", "1100", "--key", "r1")["credit_balance"] == "100.00"
    args = ("refund-credit", *db, "--borrower", "B1", "--amount", "40", "--currency", "CNY")
    done = ok(*args, "--idempotency-key", "c1")
    assert (done["refunded"], done["credit_balance"], done["loans"][0]["loan_id"]) == ("40.00", "60.00", loan["loan_id"])
    assert ok(*args, "--key", "c1") == done  # --key is the same option, as on `repay`
    assert ok("refund-credit", *db, "--borrower", "B1", "--amount", "40", "--currency", " cny ", "--key", "c1") == done
    said = cli("refund-credit", *db, "--borrower", "B1", "--amount", "40", "--key", "c2")
    assert said.exit_code == 0 and said.stdout.strip().startswith("refunded 40.00 CNY to borrower B1: credit balance now 20.00")
    for argv, named in (
        (["--borrower", "B1", "--amount", "20.01", "--key", "c3"], "error: --amount: 20.01 is more than the credit balance 20.00"),
        (["--borrower", "B1", "--amount", "0", "--key", "c3"], "error: --amount: "),
        (["--borrower", "B9", "--amount", "1", "--key", "c3"], "error: --borrower: "),
        (["--borrower", "B1", "--amount", "41", "--key", "c1"], "error: --key: "),
    ):
        refused = cli("refund-credit", *db, *argv)
        assert refused.exit_code == 2 and refused.stderr.startswith(named), refused.stderr
    assert ok("loan", "show", loan["loan_id"], *db)["credit_balance"] == "20.00"
    assert ok("ledger", "reconcile", *db, "--deep")["clean"]


def test_a_key_of_the_longest_length_allowed_is_kept_in_the_journal(books) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = books
    key = "k" * 200  # the scope and the key would not fit the journal's key column: hashed there
    first = refund_credit(engine, RefundCredit("B1", "5", key))
    assert refund_credit(engine, RefundCredit("B1", "5", key)) == first
    (journal_key,) = rows(engine, "SELECT idempotency_key FROM journal_entries WHERE entry_id = :e", e=first["entry_id"])[0]
    assert journal_key.startswith("refund-credit:sha256:") and len(journal_key) <= 200
