"""The collections facts of a page of loans, vectorised, equal the per-loan reference; the acting mask
finds every loan some action of the strategy acts on."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.app.collections_facts import NO_DAY, acting_mask, loan_row, page_facts
from creditline.servicing.collections_plan import collection_day
from creditline.servicing.collections_strategy import builtin_strategy
from creditline.store.accrual_columns import rows_blob

TODAY = date(2025, 3, 10).toordinal()
STRATEGY = builtin_strategy()

installments = st.lists(
    st.tuples(st.integers(TODAY - 120, TODAY + 120), st.integers(0, 10**7), st.integers(-(10**4), 10**6)), max_size=8
)


@st.composite
def loan(draw: st.DrawFn) -> tuple:
    rows = sorted(draw(installments))
    blob = rows_blob([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    return ("L", "B", "LN", "P", "CNY", "overdue", draw(st.integers(0, 200)), draw(st.integers(0, 10**6)), len(rows), blob)


@settings(max_examples=150)
@given(st.lists(loan(), min_size=1, max_size=30))
def test_the_page_path_equals_the_per_loan_path(page: list[tuple]) -> None:
    day, next_due, overdue = page_facts(page, TODAY)
    for i, row in enumerate(page):
        one = loan_row(row, TODAY)
        assert int(overdue[i]) == one.overdue_minor
        assert (date.fromordinal(int(next_due[i])) if next_due[i] else None) == one.next_due
        expected = collection_day(one.days_past_due, one.next_due, date.fromordinal(TODAY))
        assert int(day[i]) == (NO_DAY if expected is None else expected)


def test_the_acting_mask_is_exactly_the_days_some_action_acts_on() -> None:
    import numpy as np

    days = np.arange(-60, 400, dtype=np.int64)
    mask = acting_mask(days, STRATEGY)
    for day, acting in zip(days.tolist(), mask.tolist(), strict=True):
        stage = STRATEGY.stage_of(day)
        assert acting == (stage is not None and any(a.acts_on(day) for a in stage.actions)), day
    assert not acting_mask(np.array([NO_DAY]), STRATEGY).any()
