"""Payday timing: attempt days inside [due, due + grace], the first on payday when it falls inside,
retries spread to the end of grace; the vectorised mask agrees with the per-loan rule; paydays learned."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from creditline.app.eod_autodebit_sources import wanted_today
from creditline.servicing.debit_policy import builtin_policy
from creditline.servicing.debit_timing import (
    attempt_dates,
    attempt_day_mask,
    first_payday_on_or_after,
    learn_payday,
    payday_in_month,
)

DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
PAYDAYS = st.one_of(st.none(), st.integers(1, 31))


@given(DAYS, st.integers(0, 31), st.integers(1, 10), PAYDAYS)
def test_attempt_days_stay_inside_grace_and_start_on_payday_when_it_falls_inside(
    due: date, grace: int, attempts: int, payday: int | None
) -> None:
    days = attempt_dates(due, grace, attempts, payday)
    last = due + timedelta(days=grace)
    assert all(due <= d <= last for d in days)
    assert days == sorted(set(days)) and 1 <= len(days) <= attempts  # never two on one day
    on_payday = None if payday is None else first_payday_on_or_after(due, payday)
    if on_payday is not None and on_payday <= last:
        assert days[0] == on_payday and on_payday.day == min(payday, _month_end(on_payday))  # type: ignore[operator]
    else:
        assert days[0] == due
    if attempts > 1 and days[0] < last:
        assert days[-1] == last  # retries spread to the end of grace, not spent on the first day
        assert len(days) == min(attempts, (last - days[0]).days + 1)


def _month_end(day: date) -> int:
    return payday_in_month(day.year, day.month, 31).day


def test_the_shipped_window_examples() -> None:
    due = date(2025, 2, 1)
    assert attempt_dates(due, 5, 3, None) == [date(2025, 2, 1), date(2025, 2, 3), date(2025, 2, 6)]
    assert attempt_dates(due, 5, 3, 4) == [date(2025, 2, 4), date(2025, 2, 5), date(2025, 2, 6)]
    assert attempt_dates(due, 5, 3, 25) == [
        date(2025, 2, 1),
        date(2025, 2, 3),
        date(2025, 2, 6),
    ]  # payday outside
    assert attempt_dates(date(2025, 2, 27), 5, 1, 31) == [
        date(2025, 2, 28)
    ]  # the 31st is February's last day


@given(DAYS, st.lists(st.tuples(st.integers(0, 12), st.integers(0, 31)), min_size=1, max_size=40),
       st.integers(0, 10), st.integers(1, 5))  # fmt: skip
def test_the_mask_is_the_per_loan_rule(
    today: date, loans: list[tuple[int, int]], grace: int, attempts: int
) -> None:
    late = np.array([d for d, _ in loans], dtype=np.int64)
    paydays = np.array([p for _, p in loans], dtype=np.int64)
    mask = attempt_day_mask(today, late, paydays, grace, attempts)
    for i, (days_late, payday) in enumerate(loans):
        due = today - timedelta(days=days_late)
        expected = days_late <= grace and today in attempt_dates(due, grace, attempts, payday or None)
        assert bool(mask[i]) == expected


@given(st.integers(0, 120), st.integers(0, 31))
def test_after_grace_and_without_a_payday_the_policy_rule_decides(days_late: int, payday: int) -> None:
    policy = builtin_policy()
    today = date(2025, 3, 10)
    got = bool(wanted_today(policy, today, np.array([days_late]), np.array([payday]))[0])
    if payday == 0 or days_late > policy.grace_days:
        assert got == policy.attempt_today(days_late)
    else:
        due = today - timedelta(days=days_late)
        assert got == (today in attempt_dates(due, policy.grace_days, policy.attempts_in_grace, payday))


@given(st.integers(1, 28), st.integers(3, 8), st.lists(st.integers(1, 28), max_size=2))
def test_a_monthly_salary_is_learned_among_other_inflows(payday: int, months: int, noise: list[int]) -> None:
    salaries = [date(2024, m, payday) for m in range(1, months + 1)]
    others = [date(2024, 1 + i, d) for i, d in enumerate(noise)]
    assert learn_payday(salaries + others) == payday  # other inflows recur in at most 2 months
    assert learn_payday(salaries[:1]) is None  # one month proves nothing
    assert learn_payday([]) is None


def test_a_source_declined_in_an_earlier_round_is_passed_over_and_the_ranks_close_up() -> None:
    from creditline.app.eod_autodebit_sources import Borrowers, declined_before

    borrowers = Borrowers(sources={"B1": [("S1", "A1"), ("S2", "A2"), ("S3", "A3")]})
    day = [
        {"borrower_id": "B1", "source_id": "S1", "round": 1, "outcome": "declined"},
        {"borrower_id": "B1", "source_id": "S2", "round": 1, "outcome": "insufficient_funds"},
        {"borrower_id": "B1", "source_id": "S2", "round": 2, "outcome": "declined"},  # this round's: ranks stay
        {"borrower_id": "B2", "source_id": None, "round": 1, "outcome": "declined"},
    ]
    declined = declined_before(day, 2)
    assert declined == {("B1", "S1"), ("B2", None)}
    assert [borrowers.source("B1", rank, declined) for rank in (1, 2, 3)] == [("S2", "A2"), ("S3", "A3"), None]
    assert borrowers.source("B2", 1, declined) is None  # the account on file declined: nothing left to ask
    assert borrowers.source("B3", 1, declined) == (None, "B3")
    assert declined_before(day, 1) == frozenset()  # round 1 asks every source
