"""The credit line: available limit, temporary limits, the status machine, changes with reasons."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.lending.credit_line import (
    LIMIT_MINOR_MAX,
    CreditLine,
    InsufficientLimit,
    InvalidLineChange,
    LineClosed,
    LineFrozen,
    LineNotActive,
    LineStatus,
    open_line,
)
from creditline.money import CurrencyMismatch, Money

DAY = date(2025, 3, 1)


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def new_line(limit: str = "20000.00") -> CreditLine:
    line, change = open_line(
        line_id="LN1",
        borrower_id="B1",
        product_id="revolving-consumer",
        limit=cny(limit),
        on=DAY,
        reason="approved",
    )
    assert (change.what, change.new, change.reason) == ("opened", limit, "approved")
    return line


def test_available_is_limit_less_outstanding_and_pending() -> None:
    line = new_line().reserve(cny("5000.00"), DAY)
    assert line.available(DAY) == cny("15000.00")
    line = line.book_drawdown(cny("5000.00"))
    assert (line.outstanding_principal, line.pending_drawdowns) == (cny("5000.00"), cny("0.00"))
    line = line.reserve(cny("3000.00"), DAY).release(cny("3000.00"))
    assert line.available(DAY) == cny("15000.00")
    line = line.restore(cny("1000.00"))
    assert line.available(DAY) == cny("16000.00")
    assert line.version == 5  # one per change


def test_drawing_beyond_the_limit_is_refused() -> None:
    line = new_line("1000.00")
    with pytest.raises(InsufficientLimit) as caught:
        line.reserve(cny("1000.01"), DAY)
    assert (caught.value.code, caught.value.field) == ("insufficient_limit", "amount")


def test_frozen_and_closed_lines_cannot_be_drawn() -> None:
    frozen, change = new_line().freeze(DAY, "fraud alert")
    assert (change.what, change.old, change.new, change.reason) == (
        "status",
        "active",
        "frozen",
        "fraud alert",
    )
    with pytest.raises(LineFrozen) as caught:
        frozen.reserve(cny("100.00"), DAY)
    assert isinstance(caught.value, LineNotActive) and caught.value.code == "line_frozen"
    closed, _ = frozen.close(DAY, "borrower asked")
    with pytest.raises(LineClosed):
        closed.reserve(cny("100.00"), DAY)
    with pytest.raises(LineClosed):
        closed.change_limit(cny("1.00"), DAY, "too late")
    # repayments still restore the limit of a closed line
    assert closed.reclaim(cny("10.00")).restore(cny("10.00")).outstanding_principal == cny("0.00")


def test_status_machine_refuses_meaningless_changes() -> None:
    line = new_line()
    with pytest.raises(InvalidLineChange):
        line.unfreeze(DAY, "not frozen")
    frozen, _ = line.freeze(DAY, "review")
    with pytest.raises(InvalidLineChange):
        frozen.freeze(DAY, "again")
    active, change = frozen.unfreeze(DAY, "review passed")
    assert active.status is LineStatus.ACTIVE and change.new == "active"
    with pytest.raises(InvalidLineChange) as caught:
        active.freeze(DAY, "   ")
    assert caught.value.field == "reason"


def test_temporary_limit_applies_through_its_expiry() -> None:
    line, change = new_line("10000.00").set_temp_limit(cny("15000.00"), date(2025, 3, 31), DAY, "festival")
    assert change.new == "15000.00 until 2025-03-31"
    assert line.available(date(2025, 3, 31)) == cny("15000.00")
    assert line.available(date(2025, 4, 1)) == cny("10000.00")
    line = line.reserve(cny("12000.00"), DAY).book_drawdown(cny("12000.00"))
    assert line.available(date(2025, 4, 1)) == cny(
        "0.00"
    )  # over the base limit: nothing left, never negative
    with pytest.raises(InvalidLineChange):
        line.set_temp_limit(cny("1.00"), DAY.replace(day=1, month=2), DAY, "expired already")
    cleared, change = line.set_temp_limit(None, None, DAY, "ended early")
    assert cleared.temp_limit is None and change.new is None


def test_limit_change_is_recorded_and_checked() -> None:
    line, change = new_line().change_limit(cny("30000.00"), DAY, "behaviour score improved")
    assert (change.old, change.new) == ("20000.00", "30000.00")
    with pytest.raises(InvalidLineChange):
        line.change_limit(cny("-1.00"), DAY, "negative")
    with pytest.raises(CurrencyMismatch):
        line.change_limit(Money.parse("1", "USD"), DAY, "wrong currency")
    with pytest.raises(InvalidLineChange, match=r"already 30000\.00") as unchanged:
        line.change_limit(cny("30000.00"), DAY, "same again")
    assert unchanged.value.field == "limit"
    with pytest.raises(InvalidLineChange):
        line.reserve(cny("0.00"), DAY)


def test_a_limit_beyond_what_end_of_day_can_sum_is_refused() -> None:
    """A limit of 92,233,720,368,547,758.07 (BIGINT's largest) was taken, and every end of day after it
    stopped for the whole book: the line's undrawn amount alone passed what a day's snapshot can add up.
    A limit is capped like one payment: 10^15 minor units (ten trillion yuan)."""
    most = Money.of_minor(LIMIT_MINOR_MAX, "CNY")
    over = Money.of_minor(LIMIT_MINOR_MAX + 1, "CNY")
    assert new_line(most.amount_str()).limit == most
    with pytest.raises(InvalidLineChange, match=r"at most 10000000000000\.00") as opened:
        open_line(line_id="LN2", borrower_id="B2", product_id="p", limit=over, on=DAY, reason="typo")
    assert (opened.value.code, opened.value.field) == ("invalid_line_change", "limit")
    line = new_line()
    for change in (lambda: line.change_limit(over, DAY, "typo"),
                   lambda: line.set_temp_limit(over, date(2025, 3, 31), DAY, "typo")):  # fmt: skip
        with pytest.raises(InvalidLineChange) as caught:
            change()
        assert caught.value.field == "limit"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["draw", "repay", "limit", "temp"]), st.integers(min_value=1, max_value=3_000_000)
        ),
        max_size=40,
    )
)
def test_available_never_negative_nor_above_the_effective_limit(steps: list[tuple[str, int]]) -> None:
    line = new_line()
    for action, minor in steps:
        amount = Money(minor, line.limit.currency)
        if action == "draw" and amount <= line.available(DAY):
            line = line.reserve(amount, DAY).book_drawdown(amount)
        elif action == "repay":
            line = (
                line.restore(amount.min(line.outstanding_principal))
                if line.outstanding_principal.is_positive()
                else line
            )
        elif action == "limit" and amount != line.limit:
            line, _ = line.change_limit(amount, DAY, "review")
        elif action == "temp":
            line, _ = line.set_temp_limit(amount, DAY, DAY, "promotion")
        available = line.available(DAY)
        assert not available.is_negative()
        assert available <= line.effective_limit(DAY)
        assert not line.outstanding_principal.is_negative()
