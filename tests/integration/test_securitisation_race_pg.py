"""Sales racing on PostgreSQL: a sale retried under its key while the first is still committing answers
with that sale, and two sales of the same loans under different keys leave one sale and one refusal."""

from __future__ import annotations

import pytest
from securitisation_fixtures import START, book, counts, deal, sell

from creditline.app.securitisation_errors import LoanAlreadySold
from creditline.funding.errors import EmptyPool
from shared_files import race

pytestmark = pytest.mark.postgres


@pytest.fixture
def booked(pg_url: str):  # type: ignore[no-untyped-def]
    from creditline.store import make_engine

    engine = make_engine(pg_url)
    book(engine)
    yield engine
    engine.dispose()


def test_a_sale_racing_its_own_retry_answers_both_with_the_one_sale(booked) -> None:  # type: ignore[no-untyped-def]
    # the retry's journal entry hit the unique idempotency key and its IntegrityError was a traceback
    results = race(*(lambda: sell(booked, deal(START), key="same") for _ in range(2)))
    assert all(isinstance(r, dict) for r in results), results
    assert results[0]["deal_id"] == results[1]["deal_id"]
    before = counts(booked)
    assert sell(booked, deal(START), key="same") == results[0]
    assert counts(booked) == before


def test_two_sales_of_the_same_loans_under_other_keys_leave_one_sale_and_one_refusal(booked) -> None:  # type: ignore[no-untyped-def]
    results = race(*(lambda key=key: sell(booked, deal(START), key=key) for key in ("one", "two")))
    sold = [r for r in results if isinstance(r, dict)]
    # the loser raced the winner's commit (loan_already_sold) or read the books after it (nothing left)
    refused = [r for r in results if isinstance(r, LoanAlreadySold | EmptyPool)]
    assert (len(sold), len(refused)) == (1, 1), results
