"""A drawdown's key names one drawdown with at most one coupon: a key already used cannot take another."""

from __future__ import annotations

import pytest
from coupon_fixtures import borrower_with_coupon, campaign
from integration_helpers import dump
from lending_fixtures import setup_books

from creditline.app import Draw, draw
from creditline.app.coupons import DrawWithCoupon, IssueCoupon, draw_with_coupon, issue_coupon
from creditline.app.errors import IdempotencyConflict


@pytest.fixture
def books(engine):  # type: ignore[no-untyped-def]
    setup_books(engine)
    return engine


def test_a_second_coupon_under_a_used_key_is_refused(books) -> None:  # type: ignore[no-untyped-def]
    first_campaign = campaign(books)
    second_campaign = campaign(books, campaign_id="summer")
    line, first = borrower_with_coupon(books, "B1", first_campaign, limit="50000")
    second = issue_coupon(books, IssueCoupon(second_campaign, "B1", "issue-B1-summer"))["coupon_id"]
    drawn = draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", first))
    assert drawn["coupon"]["saving"] == "72.36"
    before = dump(books)
    with pytest.raises(IdempotencyConflict) as caught:
        draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", second))
    assert caught.value.field == "key"
    assert dump(books) == before


def test_a_coupon_cannot_be_added_to_a_plain_drawdown_by_its_key(books) -> None:  # type: ignore[no-untyped-def]
    line, coupon_id = borrower_with_coupon(books, "B1", campaign(books), limit="50000")
    draw(books, Draw(line, "12000", 3, "plain"))
    before = dump(books)
    with pytest.raises(IdempotencyConflict) as caught:
        draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "plain", coupon_id))
    assert caught.value.field == "key"
    assert dump(books) == before
