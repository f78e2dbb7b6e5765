"""The loan's standing read off the fold equals the standing of its replay, over random histories,
and so does the payment history built on it (the limit review's fast path and `payment_record`)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from loan_strategies import SCALE, loans_with_history

from creditline.lending.loan import replay
from creditline.lending.loan.standing import standing, standing_from, standing_kept, standing_of
from creditline.servicing.behaviour_history import payment_record, standing_record


@settings(max_examples=int(150 * SCALE))
@given(loans_with_history())
def test_the_standing_off_the_fold_equals_the_replayed_one(case: tuple) -> None:
    loan, events, day = case
    state = replay(loan, events, day)
    fast = standing(loan, events, day)
    assert fast == standing_of(state)
    assert standing_record(loan, fast, events, day) == payment_record(loan, state, events, day)


@settings(max_examples=int(150 * SCALE))
@given(loans_with_history(), st.integers(min_value=0, max_value=120))
def test_the_standing_moved_on_from_a_kept_checkpoint_equals_the_fold_of_the_whole_history(case: tuple, later_days: int) -> None:
    """The limit review of a long batch keeps a loan's checkpoint from one review and moves it on in time
    to the next (no event since, none dated after the first day): the same standing as folding again."""
    loan, events, day = case
    first, checkpoint = standing_kept(loan, events, day)
    assert first == standing(loan, events, day)
    if any(e.effective_date > day for e in events):
        return  # an event dated after the kept day is not in its checkpoint: the review folds again
    later = day + timedelta(days=later_days)
    assert standing_from(checkpoint, loan, later) == standing(loan, events, later)
