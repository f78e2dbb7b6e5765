"""A command's journal entry from its loan's totals before and after: `app.posting.entry_for_totals`
subtracts only the movements that moved, and must post exactly what the whole difference posts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.app.posting import entry_for_totals, moved
from creditline.ledger import postings_for_totals_delta, shard_of
from creditline.lending.loan.state import LoanTotals
from creditline.money import CurrencyMismatch, Money, currency

CNY = currency("CNY")
NAMES = tuple(LoanTotals.zero(CNY).as_dict())
minors = st.integers(min_value=0, max_value=10**12)


@st.composite
def totals_pairs(draw: st.DrawFn) -> tuple[LoanTotals, LoanTotals]:
    """Totals before, and after with a random few movements changed (up or down, as a reversal does)."""
    before = {name: draw(minors) for name in NAMES}
    after = dict(before)
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=6)):
        after[name] = draw(minors)
    return LoanTotals.of_minor(CNY, before), LoanTotals.of_minor(CNY, after)


@settings(max_examples=300, deadline=None)
@given(totals_pairs())
def test_the_entry_posts_what_the_whole_difference_posts_to_the_cent(pair: tuple[LoanTotals, LoanTotals]) -> None:
    before, after = pair
    reference = postings_for_totals_delta(after.minus(before).as_dict(), shard=shard_of("B1"), loan_id="L1")
    assert moved(before, after) == {k: v for k, v in after.minus(before).as_dict().items() if not v.is_zero()}
    entry = entry_for_totals(
        before=before, after=after, borrower_id="B1", loan_id="L1", key="repay:k", reference="r",
        on=date(2025, 3, 1), entry_id="JE1", memo="m",
    )  # fmt: skip
    if not reference:
        assert entry is None
        return
    assert entry is not None and list(entry.postings) == reference


def test_totals_in_another_currency_are_refused_even_where_nothing_moved() -> None:
    before = LoanTotals.zero(CNY)
    after = LoanTotals(**(before.as_dict() | {"disbursed": Money(0, currency("USD"))}))
    with pytest.raises(CurrencyMismatch):
        moved(before, after)
