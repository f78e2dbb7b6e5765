"""The loan's standing read off the fold equals the standing of its replay, over random histories,
and so does the payment history built on it (the limit review's fast path and `payment_record`)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st
from loan_strategies import SCALE, loans_with_history

from creditline.lending.loan import replay
from creditline.lending.loan.standing import (
    standing,
    standing_continued,
    standing_from,
    standing_kept,
    standing_of,
)
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


@settings(max_examples=int(200 * SCALE))
@given(loans_with_history(), st.data())
def test_a_kept_checkpoint_continued_with_the_events_recorded_since_equals_the_fold_of_the_whole_history(
    case: tuple, data: st.DataObject
) -> None:
    """The limit review of a long batch folds the events recorded since a loan's last review into the
    checkpoint kept then (as the commands that recorded them did), instead of folding the whole history:
    the standing and the checkpoint are those of folding it whole, or it declines and the review folds."""
    loan, events, _ = case
    ordered = sorted(events, key=lambda e: e.sequence)
    split = data.draw(st.integers(min_value=1, max_value=len(ordered)), label="events kept at the first review")
    earlier, newer = ordered[:split], ordered[split:]
    kept_on = max(e.effective_date for e in earlier) + timedelta(days=data.draw(st.integers(0, 40), label="then"))
    later = max([kept_on, *(e.effective_date for e in newer)]) + timedelta(days=data.draw(st.integers(0, 40)))
    _, checkpoint = standing_kept(loan, earlier, kept_on)
    found = standing_continued(checkpoint, loan, newer, later)
    if found is None:  # a reversal, a disbursement or a backdated event: the review folds the history whole
        assert any(e.kind.value in ("reversal", "disbursement") or e.effective_date < kept_on for e in newer) or any(
            b.effective_date < a.effective_date for a, b in pairwise(newer)
        )
        return
    now, continued = found
    assert now == standing(loan, events, later)
    assert continued == standing_kept(loan, events, later)[1]
