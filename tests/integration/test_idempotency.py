"""Client idempotency keys through the app: a retry returns the first result and moves no money."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lending_fixtures import START, assert_books_clean, eod_to, open_line, setup_books

from creditline.app import Draw, Repay, Reverse, draw, repay, reverse, run_eod, show_loan
from creditline.app.errors import EodDateInvalid, IdempotencyConflict
from creditline.store import UnitOfWork


def counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.loans.count(), uow.journal.entries_count()


def test_same_key_same_request_returns_the_first_result(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B1")
    first = draw(engine, Draw(line_id, "1000", 6, "k-1"))
    again = draw(engine, Draw(line_id, "1000.00", 6, "k-1"))  # the same amount written differently
    assert again == first
    assert counts(engine) == (1, 1)
    paid = repay(engine, Repay(first["loan_id"], "100", "r-1"))
    assert repay(engine, Repay(first["loan_id"], "100.00", "r-1")) == paid
    assert show_loan(engine, first["loan_id"])["totals"]["principal_repaid"] == "100.00"
    assert counts(engine) == (1, 2)
    assert_books_clean(engine)


def test_same_key_different_request_is_an_error_and_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B1")
    first = draw(engine, Draw(line_id, "1000", 6, "k-1"))
    with pytest.raises(IdempotencyConflict) as caught:
        draw(engine, Draw(line_id, "2000", 6, "k-1"))
    assert caught.value.field == "key" and caught.value.code == "idempotency_key_reused"
    repay(engine, Repay(first["loan_id"], "50", "r-1"))
    with pytest.raises(IdempotencyConflict):
        repay(engine, Repay(first["loan_id"], "60", "r-1"))
    assert counts(engine) == (1, 2)


def test_keys_are_scoped_per_command(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B1")
    loan = draw(engine, Draw(line_id, "1000", 6, "same"))
    paid = repay(engine, Repay(loan["loan_id"], "10", "same"))
    undone = reverse(engine, Reverse(loan["loan_id"], paid["event_id"], "same"))
    assert undone["principal_outstanding"] == "1000.00"
    assert counts(engine) == (1, 3)
    assert_books_clean(engine)


def test_eod_is_idempotent_per_date_and_refuses_other_dates(engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    setup_books(engine)
    line_id = open_line(engine, "B1")
    draw(engine, Draw(line_id, "10000", 6, "k"))
    day1 = START + timedelta(days=1)
    first = run_eod(engine, day1)
    assert first[0]["interest"] == "5.00"  # 10,000.00 x 0.05% for one day
    before = counts(engine)
    again = run_eod(engine, day1)
    assert again[0]["replayed"] and again[0]["interest"] == "5.00"
    assert counts(engine) == before
    with pytest.raises(EodDateInvalid) as caught:
        run_eod(engine, START)  # in the past
    assert caught.value.field == "date"
    with pytest.raises(EodDateInvalid):
        run_eod(engine, day1 + timedelta(days=2))  # two days ahead without --catch-up
    runs = run_eod(engine, day1 + timedelta(days=3), catch_up=True)
    assert [r["run_date"] for r in runs] == [(day1 + timedelta(days=n)).isoformat() for n in (1, 2, 3)]
    assert all(r["interest"] == "5.00" for r in runs)
    assert_books_clean(engine)


def test_a_key_of_the_longest_length_allowed_works_for_every_loan_command(engine) -> None:  # type: ignore[no-untyped-def]
    """`--key` takes up to 200 characters; the journal keeps '<scope>:<key>' in a 200-character column,
    which overflowed on PostgreSQL (DataError, a crash) for draw, repay, prepay, reverse, re-age and write-off."""
    from sqlalchemy import text

    from creditline.app.loans import Prepay, Reage, WriteOff, prepay, reage, write_off

    setup_books(engine)
    line_id = open_line(engine, "B1")
    longest = "k" * 200
    loan = draw(engine, Draw(line_id, "1000", 6, longest))
    assert draw(engine, Draw(line_id, "1000", 6, longest)) == loan
    loan_id = loan["loan_id"]
    paid = repay(engine, Repay(loan_id, "10", longest))
    assert repay(engine, Repay(loan_id, "10", longest)) == paid
    assert reverse(engine, Reverse(loan_id, paid["event_id"], longest))["principal_outstanding"] == "1000.00"
    assert prepay(engine, Prepay(loan_id, "100", "keep-term", longest))["principal_outstanding"] == "900.00"
    other = draw(engine, Draw(line_id, "500", 6, "k" * 195))["loan_id"]
    eod_to(engine, START + timedelta(days=40))  # the second loan overdue: a re-age applies
    assert reage(engine, Reage(other, 6, longest))["loan_id"] == other
    assert write_off(engine, WriteOff(loan_id, longest))["status"] == "written-off"
    with engine.connect() as connection:
        keys = [k for (k,) in connection.execute(text("SELECT idempotency_key FROM journal_entries"))]
    assert max(map(len, keys)) <= 200
    hashed = sorted(k.split(":")[0] for k in keys if ":sha256:" in k)  # a re-age moves no money: no entry
    assert hashed == sorted(["draw", "repay", "reverse", "prepay", "write-off"])
    assert counts(engine)[0] == 2
    assert_books_clean(engine)
