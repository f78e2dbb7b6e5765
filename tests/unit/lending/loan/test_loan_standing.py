"""The loan's standing read off the fold equals the standing of its replay, over random histories,
and so does the payment history built on it (the limit review's fast path and `payment_record`)."""

from __future__ import annotations

import os
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from loan_strategies import contracts, histories

from creditline.lending.loan import LoanContract, replay
from creditline.lending.loan.standing import standing, standing_of
from creditline.servicing.behaviour_history import payment_record, standing_record

SCALE = int(os.environ.get("CREDITLINE_LOAN_EXAMPLES", "100")) / 100


@st.composite
def loans_with_history(draw: st.DrawFn) -> tuple[LoanContract, list, date]:
    loan = draw(contracts())
    events = draw(histories(loan))
    day = loan.terms.disbursed + timedelta(days=draw(st.integers(min_value=0, max_value=560)))
    return loan, events, day


@settings(max_examples=int(150 * SCALE))
@given(loans_with_history())
def test_the_standing_off_the_fold_equals_the_replayed_one(case: tuple) -> None:
    loan, events, day = case
    state = replay(loan, events, day)
    fast = standing(loan, events, day)
    assert fast == standing_of(state)
    assert standing_record(loan, fast, events, day) == payment_record(loan, state, events, day)
