"""Promises to pay: an amount by a date, made to an operator; kept or broken is decided at end of day.

What counts as paid toward a promise is the cash the borrower paid on the loan after making it: the
loan's cumulative `cash_in` now minus its value when the promise was made (reversed payments drop out
of both, so a bounced payment never keeps a promise). A promise is kept as soon as that reaches the
amount, broken once the promised date plus the grace days has passed without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from creditline.money import Money
from creditline.risk.limits.ratio import floor_times
from creditline.servicing.collections_errors import PromiseInvalid, PromiseLimitReached
from creditline.servicing.collections_strategy import PromiseTerms


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class Promise:
    promise_id: str
    loan_id: str
    borrower_id: str
    amount: Money
    made_on: date
    due_on: date
    cash_in_at_promise_minor: int
    status: PromiseStatus = PromiseStatus.PENDING
    paid_minor: int = 0
    settled_on: date | None = None  # the day it was found kept or broken

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", PromiseStatus(self.status))


def check_promise(amount: Money, due_on: date, on: date, overdue: Money, owed: Money, terms: PromiseTerms) -> None:
    """Refuse a promise that is not a real commitment (typed errors naming the field)."""
    if amount.currency != owed.currency:
        raise PromiseInvalid(f"the loan is in {owed.currency.code}", field="amount")
    if not amount.is_positive():
        raise PromiseInvalid("a promise is for a positive amount", field="amount")
    if not overdue.is_positive():  # half of nothing is nothing, and a pending promise pauses the reminders
        raise PromiseInvalid("nothing is overdue on the loan: a promise to pay is for arrears", field="loan",
                             code="promise_not_overdue")  # fmt: skip
    if amount > owed:
        raise PromiseInvalid(f"{amount.amount_str()} is more than the {owed.amount_str()} owed", field="amount")
    # The least acceptable amount rounds up: a promise never covers less than the share.
    share = terms.share_min
    least_minor = -floor_times(-overdue.minor, share)
    least_minor = min(least_minor, owed.minor)
    if amount.minor < least_minor:
        least = Money(least_minor, amount.currency).amount_str()
        raise PromiseInvalid(
            f"a promise covers at least {terms.share_of_overdue_min} of the {overdue.amount_str()} overdue ({least})",
            field="amount",
        )
    if due_on < on:
        raise PromiseInvalid(f"the promised date {due_on} is before the business date {on}", field="date")
    latest = on + timedelta(days=terms.days_ahead_max)
    if due_on > latest:
        raise PromiseInvalid(f"a promise is for a date at most {terms.days_ahead_max} days ahead ({latest})", field="date")


def check_promises_broken(broken_on: Iterable[date], on: date, terms: PromiseTerms) -> None:
    """Refuse a further promise on a loan whose promises broke `broken_max` times in the window (`broken_on`:
    the days its broken promises were found broken)."""
    since = on - timedelta(days=terms.broken_window_days)
    recent = sum(1 for day in broken_on if day > since)
    if recent >= terms.broken_max:
        raise PromiseLimitReached(f"{recent} promises on the loan were broken in the last {terms.broken_window_days} "
                                  f"days: no further promise is taken", field="loan")  # fmt: skip


def evaluate_promise(promise: Promise, cash_in_now_minor: int, on: date, terms: PromiseTerms) -> Promise:
    """The promise as of `on`: kept once the cash paid since reaches the amount, broken after the grace days."""
    if promise.status is not PromiseStatus.PENDING:
        return promise
    paid_minor = max(0, cash_in_now_minor - promise.cash_in_at_promise_minor)
    if paid_minor >= promise.amount.minor:
        return replace(promise, status=PromiseStatus.KEPT, paid_minor=paid_minor, settled_on=on)
    if on > promise.due_on + timedelta(days=terms.grace_days):
        return replace(promise, status=PromiseStatus.BROKEN, paid_minor=paid_minor, settled_on=on)
    return replace(promise, paid_minor=paid_minor)
