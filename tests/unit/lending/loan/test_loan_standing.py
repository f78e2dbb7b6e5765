"""The loan's standing read off the fold equals the standing of its replay, over random histories,
and so does the payment history built on it (the limit review's fast path and `payment_record`)."""

from __future__ import annotations

from hypothesis import given, settings
from loan_strategies import SCALE, loans_with_history

from creditline.lending.loan import replay
from creditline.lending.loan.standing import standing, standing_of
from creditline.servicing.behaviour_history import payment_record, standing_record


@settings(max_examples=int(150 * SCALE))
@given(loans_with_history())
def test_the_standing_off_the_fold_equals_the_replayed_one(case: tuple) -> None:
    loan, events, day = case
    state = replay(loan, events, day)
    fast = standing(loan, events, day)
    assert fast == standing_of(state)
    assert standing_record(loan, fast, events, day) == payment_record(loan, state, events, day)
