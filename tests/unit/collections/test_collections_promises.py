"""Promises to pay: what is accepted, and when a promise is kept or broken."""

from __future__ import annotations

from datetime import date

import pytest

from creditline.money import Money
from creditline.servicing.collections_errors import PromiseInvalid
from creditline.servicing.collections_promises import Promise, PromiseStatus, check_promise, evaluate_promise
from creditline.servicing.collections_strategy import builtin_strategy

TERMS = builtin_strategy().promises  # at least 1/2 of the overdue amount, within 14 days, 1 grace day
ON = date(2025, 3, 10)
OVERDUE = Money.parse("100.01", "CNY")
OWED = Money.parse("600.00", "CNY")


def _cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def test_a_promise_covers_at_least_half_the_overdue_amount_rounded_up() -> None:
    check_promise(_cny("50.01"), date(2025, 3, 15), ON, OVERDUE, OWED, TERMS)  # half of 100.01 is 50.005
    with pytest.raises(PromiseInvalid) as caught:
        check_promise(_cny("50.00"), date(2025, 3, 15), ON, OVERDUE, OWED, TERMS)
    assert caught.value.field == "amount" and "(50.01)" in caught.value.message


@pytest.mark.parametrize(
    ("amount", "due_on", "field"),
    [
        ("0", date(2025, 3, 15), "amount"),
        ("600.01", date(2025, 3, 15), "amount"),
        ("60", date(2025, 3, 9), "date"),
        ("60", date(2025, 3, 25), "date"),
    ],
)
def test_empty_excessive_past_or_far_promises_are_refused(amount: str, due_on: date, field: str) -> None:
    with pytest.raises(PromiseInvalid) as caught:
        check_promise(_cny(amount), due_on, ON, OVERDUE, OWED, TERMS)
    assert (caught.value.field, caught.value.code) == (field, "promise_invalid")


def test_a_loan_with_nothing_overdue_takes_no_promise() -> None:
    """Half of nothing overdue is nothing: a promise of 0.01 was taken on a current loan, and its pending
    promise paused the loan's due-date reminders (`pause_contacts`) for up to 15 days."""
    with pytest.raises(PromiseInvalid) as caught:
        check_promise(_cny("0.01"), date(2025, 3, 15), ON, Money.zero("CNY"), OWED, TERMS)
    assert (caught.value.field, caught.value.code) == ("loan", "promise_not_overdue")
    assert caught.value.message == "nothing is overdue on the loan: a promise to pay is for arrears"


def test_the_last_day_allowed_is_fourteen_days_ahead() -> None:
    check_promise(_cny("60"), date(2025, 3, 24), ON, OVERDUE, OWED, TERMS)


def _promise() -> Promise:
    return Promise("P1", "L1", "B1", _cny("60.00"), ON, date(2025, 3, 14), cash_in_at_promise_minor=20_000)


def test_kept_as_soon_as_the_cash_since_reaches_the_amount() -> None:
    early = evaluate_promise(_promise(), 20_000 + 6_000, date(2025, 3, 11), TERMS)
    assert (early.status, early.paid_minor, early.settled_on) == (PromiseStatus.KEPT, 6_000, date(2025, 3, 11))
    short = evaluate_promise(_promise(), 20_000 + 5_999, date(2025, 3, 14), TERMS)
    assert (short.status, short.paid_minor) == (PromiseStatus.PENDING, 5_999)


def test_broken_only_after_the_promised_date_and_the_grace_day() -> None:
    assert evaluate_promise(_promise(), 25_000, date(2025, 3, 15), TERMS).status is PromiseStatus.PENDING
    broken = evaluate_promise(_promise(), 25_000, date(2025, 3, 16), TERMS)
    assert (broken.status, broken.paid_minor, broken.settled_on) == (PromiseStatus.BROKEN, 5_000, date(2025, 3, 16))


def test_a_reversed_payment_never_keeps_a_promise_and_settled_ones_stay_settled() -> None:
    reversed_cash = evaluate_promise(_promise(), 19_000, date(2025, 3, 16), TERMS)  # less cash than at the promise
    assert (reversed_cash.status, reversed_cash.paid_minor) == (PromiseStatus.BROKEN, 0)
    assert evaluate_promise(reversed_cash, 99_999, date(2025, 3, 17), TERMS) is reversed_cash


def test_three_broken_promises_in_sixty_days_refuse_a_fourth() -> None:
    """Promise, break, promise again had no end: each pending promise paused the loan's automated contact."""
    from creditline.servicing.collections_errors import PromiseLimitReached
    from creditline.servicing.collections_promises import check_promises_broken

    assert (TERMS.broken_max, TERMS.broken_window_days) == (3, 60)
    check_promises_broken([date(2025, 1, 9), date(2025, 2, 1), date(2025, 3, 1)], ON, TERMS)  # 9 January: 60 days ago
    with pytest.raises(PromiseLimitReached) as caught:
        check_promises_broken([date(2025, 1, 10), date(2025, 2, 1), date(2025, 3, 1)], ON, TERMS)
    assert (caught.value.code, caught.value.http_status, caught.value.field) == ("promise_limit_reached", 409, "loan")
    assert caught.value.message == "3 promises on the loan were broken in the last 60 days: no further promise is taken"
