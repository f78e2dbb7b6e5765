"""Properties of the fold and of the incremental accrual, over random loans and histories.

- every state of every history keeps the invariants (no negative balance, totals consistent);
- the one-day step equals the replay a day later, and the numpy batch equals the one-day step;
- a loan repaid on time accrues exactly its schedule's interest (the one shared formula);
- the snapshot survives a JSON round trip (what the store keeps).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from loan_strategies import SCALE, check_invariants, contracts, loans_with_history

from creditline.errors import DomainError
from creditline.lending.loan import (
    AccrualBatch,
    AccrualState,
    EventKind,
    LoanContract,
    LoanEvent,
    LoanStatus,
    accrue_batch,
    accrue_one_day,
    accrue_to,
    effective_history,
    record_event,
    replay,
    validate_event,
)
from creditline.lending.loan.pricing import accrual_pricing
from creditline.lending.schedule_interest import daily_rate_factor
from creditline.money import Money

ONE_DAY = timedelta(days=1)



@settings(max_examples=int(150 * SCALE))
@given(loans_with_history())
def test_every_day_keeps_the_invariants_and_the_step_equals_the_replay(case: tuple) -> None:
    loan, events, day = case
    state = replay(loan, events, day)
    check_invariants(state)
    so_far = [e for e in effective_history(events) if e.effective_date <= day]  # nothing dated later
    tomorrow = replay(loan, so_far, day + ONE_DAY)
    assert accrue_one_day(state) == tomorrow
    check_invariants(tomorrow)
    assert AccrualState.from_json(state.accrual.to_json()) == state.accrual
    # a snapshot left alone for weeks catches up exactly (segments equal days)
    assert accrue_to(state, day + 40 * ONE_DAY) == replay(loan, so_far, day + 40 * ONE_DAY)


@settings(max_examples=int(60 * SCALE))
@given(st.lists(loans_with_history(), min_size=1, max_size=6), st.integers(min_value=0, max_value=400))
def test_the_numpy_batch_equals_the_one_day_step(cases: list, offset: int) -> None:
    day = date(2027, 1, 1) + timedelta(days=offset)  # one date for the whole batch, after every start
    states = []
    for loan, events, _ in cases:
        shifted = loan.terms.disbursed
        states.append(replay(loan, events, max(day, shifted)))
    states = [s for s in states if s.as_of == day]
    if not states:
        return
    batch = accrue_batch(AccrualBatch.from_states([s.accrual for s in states]))
    for index, state in enumerate(states):
        assert batch.state(index) == accrue_one_day(state).accrual


@settings(max_examples=int(80 * SCALE))
@given(contracts())
def test_on_time_loans_accrue_exactly_the_schedule_interest(loan: LoanContract) -> None:
    from loan_helpers import History

    history = History(loan)
    for row in loan.schedule.rows:
        state = replay(loan, history.events, row.due_date)
        assert state.installments[row.n - 1].interest_due == row.interest
        history.repay(row.due_date, row.total.amount_str())
    final = replay(loan, history.events, loan.schedule.maturity)
    assert final.status is LoanStatus.PAID_OFF
    assert final.totals.interest_accrued == loan.schedule.total_interest
    assert final.totals.penalty_accrued.is_zero()


@given(contracts(), st.integers(min_value=0, max_value=800), st.integers(min_value=0, max_value=400))
def test_integer_day_factors_are_the_schedule_formula(loan: LoanContract, offset: int, days: int) -> None:
    pricing = accrual_pricing(loan.terms, loan.product.penalty_rate_multiplier, 3, 180)
    start = loan.terms.disbursed + timedelta(days=offset)
    end = start + timedelta(days=days)
    numerator, denominator = daily_rate_factor(loan.terms, start, end)
    assert pricing.interest_factor(start, end) * denominator == numerator * pricing.interest_denominator


@settings(max_examples=int(100 * SCALE))
@given(
    loans_with_history(), st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=10**6)
)
def test_recording_an_event_equals_replaying_the_longer_history(
    case: tuple, back_days: int, minor: int
) -> None:
    loan, events, day = case
    events = [e for e in events if e.effective_date <= day]
    on = max(day - timedelta(days=back_days), loan.terms.disbursed)
    sequence = max(e.sequence for e in events) + 1
    new = LoanEvent("new", EventKind.REPAYMENT, on, sequence, Money(minor, loan.terms.principal.currency))
    try:
        recorded = record_event(loan, events, new, day)
    except DomainError:
        with pytest.raises(DomainError):
            validate_event(loan, events, new, day)
        return
    assert recorded.before == replay(loan, events, day)
    assert recorded.after == replay(loan, [*events, new], day)
    assert recorded.movements == recorded.after.totals.minus(recorded.before.totals)
    check_invariants(recorded.after)
