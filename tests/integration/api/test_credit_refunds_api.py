"""Refunding a borrower's credit balance over HTTP, on SQLite and PostgreSQL: finance pays back out what
a borrower overpaid, under an Idempotency-Key (a retry returns the first refund, the key reused for
another refund is 409); more than the balance, a currency not held, a borrower who does not exist and
every other role are refused with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from api_flows import with_loan
from servicing_flows import operators
from sqlalchemy import text

from creditline.reliability.invariants import check_books

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def overpaid(client, engine):  # type: ignore[no-untyped-def]
    """A borrower who repaid 1200.00 on a 1000.00 loan the day it was drawn: 200.00 of credit."""
    borrower, _, loan_id = with_loan(client, "Overpayer", "1000.00")
    paid = borrower.post(f"/v1/loans/{loan_id}/repayments", {"amount": "1200.00"}, key="over-1")
    assert paid.status_code == 201, paid.text
    assert paid.json()["credit_balance"] == "200.00"
    return paid.json()["borrower_id"], loan_id, operators(client, engine) | {"borrower": borrower}


def books(engine: Any, borrower_id: str) -> tuple:
    """The borrower's money as stored: each loan's credit balance, its events, the journal's entries and postings."""
    with engine.connect() as connection:
        return tuple(
            [tuple(row) for row in connection.execute(text(sql), {"b": borrower_id})]
            for sql in (
                "SELECT loan_id, credit_balance_minor, version FROM loans WHERE borrower_id = :b ORDER BY loan_id",
                "SELECT event_id, kind, amount_minor FROM loan_events WHERE borrower_id = :b ORDER BY event_id",
                "SELECT entry_id, idempotency_key FROM journal_entries WHERE borrower_id = :b ORDER BY entry_id",
                "SELECT entry_id, account, loan_id, amount_minor FROM postings WHERE borrower_id = :b "
                "ORDER BY entry_id, account, loan_id",
            )
        )


def path(borrower_id: str) -> str:
    return f"/v1/borrowers/{borrower_id}/credit-refunds"


def test_finance_refunds_part_of_the_credit_once_per_key(overpaid, engine) -> None:  # type: ignore[no-untyped-def]
    borrower_id, loan_id, people = overpaid
    finance = people["finance"]
    first = finance.post(path(borrower_id), {"amount": "150.00", "currency": "CNY"}, key="refund-1")
    assert first.status_code == 201, first.text
    refund = first.json()
    assert {k: refund[k] for k in ("borrower_id", "currency", "refunded", "credit_balance")} == {
        "borrower_id": borrower_id, "currency": "CNY", "refunded": "150.00", "credit_balance": "50.00",
    }  # fmt: skip
    (taken,) = refund["loans"]
    assert (taken["loan_id"], taken["refunded"]) == (loan_id, "150.00")
    assert finance.get(f"/v1/loans/{loan_id}").json()["credit_balance"] == "50.00"
    stored = books(engine, borrower_id)
    postings = [(account, loan, minor) for entry, account, loan, minor in stored[3] if entry == refund["entry_id"]]
    assert postings == [("borrower_credit", loan_id, 150_00), ("settlement_cash", None, -150_00)]
    assert (taken["event_id"], "credit-refund", 150_00) in stored[1]

    again = finance.post(path(borrower_id), {"amount": "150", "currency": "CNY"}, key="refund-1")  # the same request
    assert (again.status_code, again.json()) == (201, refund)
    other = finance.post(path(borrower_id), {"amount": "10.00"}, key="refund-1")
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
    problem = other.json()
    assert problem["code"] == "idempotency_key_reused"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("Idempotency-Key", "idempotency_key_reused")]
    assert "'refund-1'" in problem["detail"] and finance.account["account_id"] not in other.text  # type: ignore[index]
    assert books(engine, borrower_id) == stored, "a retry and a reused key change nothing"
    assert check_books(engine, deep=False, quiescent=True).anomalies == ()  # the key, its events and its entry agree


@pytest.mark.parametrize(
    ("body", "key", "status", "code", "field"),
    [
        ({"amount": "200.01"}, "bad-1", 422, "insufficient_credit", "amount"),  # more than the credit left
        ({"amount": "0"}, "bad-2", 422, "amount_not_positive", "amount"),
        ({"amount": "-5"}, "bad-3", 422, "validation_failed", "amount"),
        ({"amount": "1.00", "currency": "USD"}, "bad-4", 422, "currency_not_held", "currency"),
        ({"amount": "1.00", "currency": "cny"}, "bad-5", 422, "validation_failed", "currency"),
        ({"amount": "1.00", "fee": "1"}, "bad-6", 422, "validation_failed", "fee"),
        ({"amount": "1.00"}, None, 422, "validation_failed", "Idempotency-Key"),
    ],
)
def test_a_bad_refund_is_refused_naming_its_field_and_changes_nothing(overpaid, engine, body, key, status, code, field) -> None:  # type: ignore[no-untyped-def]
    borrower_id, _, people = overpaid
    before = books(engine, borrower_id)
    refused = people["finance"].post(path(borrower_id), body, key=key)
    assert refused.status_code == status and refused.headers["content-type"] == PROBLEM, refused.text
    problem = refused.json()
    assert (problem["code"], problem["errors"][0]["field"]) == (code, field), problem
    if code == "insufficient_credit":  # the balance left: 200.00, or 50.00 after the other test's refund
        assert problem["errors"][0]["message"].startswith("200.01 is more than the credit balance "), problem
    assert books(engine, borrower_id) == before


def test_a_borrower_who_does_not_exist_is_not_found(overpaid) -> None:  # type: ignore[no-untyped-def]
    _, _, people = overpaid
    missing = people["finance"].post(path("NOBODY"), {"amount": "1.00"}, key="ghost-1")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert (missing.json()["code"], missing.json()["errors"][0]["field"]) == ("borrower_not_found", "borrower_id")


def test_only_finance_pays_credit_back_out(overpaid, client, engine) -> None:  # type: ignore[no-untyped-def]
    borrower_id, _, people = overpaid
    before = books(engine, borrower_id)
    for role in ("borrower", "risk_analyst", "collections_agent", "admin"):  # the borrower's own credit too
        refused = people[role].post(path(borrower_id), {"amount": "1.00"}, key=f"not-mine-{role}")
        assert refused.status_code == 403, (role, refused.text)
        assert (refused.json()["code"], refused.json()["errors"][0]["field"]) == ("permission_denied", "role")
    anonymous = client.post(path(borrower_id), json={"amount": "1.00"}, headers={"Idempotency-Key": "anon-1"})
    assert anonymous.status_code == 401
    assert books(engine, borrower_id) == before
