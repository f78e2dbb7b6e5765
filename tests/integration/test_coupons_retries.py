"""Retries of a drawdown with a coupon: a key names one drawdown with at most one coupon, and a
reservation left by a drawdown that never happened is not resumed on a later business date."""

from __future__ import annotations

from datetime import date

import pytest
from coupon_fixtures import RATE_DISCOUNT, borrower_with_coupon, campaign
from integration_helpers import dump
from lending_fixtures import eod_to, setup_books

from creditline.app import Draw, draw, show_loan
from creditline.app.coupons import (
    DrawWithCoupon,
    IssueCoupon,
    _reserve,
    draw_with_coupon,
    issue_coupon,
    show_campaign,
)
from creditline.app.errors import IdempotencyConflict
from creditline.promotions import CouponExpired
from creditline.store import UnitOfWork


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


def _reserved_then_crashed(books, valid_days: int) -> tuple[DrawWithCoupon, str]:  # type: ignore[no-untyped-def]
    """A coupon reserved on 1 January by a drawdown that never happened; the date is now 2 January."""
    campaign_id = campaign(books, valid_days=valid_days)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    command = DrawWithCoupon(line, "12000", 3, "d1", coupon_id)
    _reserve(books, command, "d1")  # the process died before the drawdown
    eod_to(books, date(2025, 1, 2))
    return command, campaign_id


def test_a_retry_after_the_coupon_expired_draws_nothing(books) -> None:  # type: ignore[no-untyped-def]
    command, _ = _reserved_then_crashed(books, valid_days=1)
    before = dump(books)
    with pytest.raises(CouponExpired) as caught:
        draw_with_coupon(books, command)
    assert caught.value.field == "coupon"
    assert dump(books) == before
    with UnitOfWork(books, read_only=True) as uow:
        assert uow.loans.count() == 0


def test_a_retry_on_a_later_date_redeems_on_that_dates_drawdown(books) -> None:  # type: ignore[no-untyped-def]
    command, campaign_id = _reserved_then_crashed(books, valid_days=30)
    drawn = draw_with_coupon(books, command)
    assert drawn["coupon"]["status"] == "redeemed" and drawn["coupon"]["loan_id"] == drawn["loan_id"]
    assert show_loan(books, drawn["loan_id"])["disbursed_on"] == "2025-01-02"
    assert [i["apply_on"] for i in drawn["coupon"]["installments"]] == ["2025-02-02", "2025-03-02", "2025-04-02"]
    assert [i["saving"] for i in drawn["coupon"]["installments"]] == ["37.20", "22.58", "12.58"]
    assert show_campaign(books, campaign_id)["committed"] == drawn["coupon"]["saving"] == "72.36"  # promised once


def test_a_mistaken_retry_does_not_release_a_reservation_whose_loan_was_drawn(books) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id, limit="50000")
    command = DrawWithCoupon(line, "12000", 3, "d1", coupon_id)
    _reserve(books, command, "d1")
    loan_id = draw(books, Draw(line, "12000", 3, "d1"))["loan_id"]  # the process died before attaching the coupon
    before = dump(books)
    with pytest.raises(IdempotencyConflict):
        draw_with_coupon(books, DrawWithCoupon(line, "13000", 3, "d1", coupon_id))  # the key, another amount
    assert dump(books) == before
    resumed = draw_with_coupon(books, command)
    assert resumed["loan_id"] == loan_id and resumed["coupon"]["status"] == "redeemed"
    assert resumed["coupon"]["saving"] == show_campaign(books, campaign_id)["committed"] == "72.36"


def test_a_retry_for_another_term_meets_the_coupons_rules(books) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.coupons import add_campaign
    from creditline.promotions import CouponNotApplicable

    text = RATE_DISCOUNT.format(campaign_id="short", budget="1000", valid_days=30) + "terms_months = [3]\n"
    campaign_id = add_campaign(books, text, "short.toml")["campaign_id"]
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    _reserve(books, DrawWithCoupon(line, "12000", 3, "d1", coupon_id), "d1")  # the process died before the drawdown
    before = dump(books)
    with pytest.raises(CouponNotApplicable) as caught:
        draw_with_coupon(books, DrawWithCoupon(line, "12000", 12, "d1", coupon_id))  # the key, a term not covered
    assert caught.value.field == "term"
    assert dump(books) == before


def test_settle_applies_every_saving_due_not_only_a_pages_worth(books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import coupon_benefits

    campaign_id = campaign(books)
    drawn = []
    for borrower in ("B1", "B2"):
        line, coupon_id = borrower_with_coupon(books, borrower, campaign_id)
        drawn.append(draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, f"d-{borrower}", coupon_id))["loan_id"])
    eod_to(books, date(2025, 2, 1))  # the first installments fall due: 37.20 saved on each loan
    monkeypatch.setattr(coupon_benefits, "LOANS_PER_PAGE", 1)
    settled = coupon_benefits.settle(books)
    assert (settled["loans"], settled["applied_minor"]) == (2, 7440)
    assert [show_loan(books, loan_id)["totals"]["interest_waived"] for loan_id in drawn] == ["37.20", "37.20"]


def test_settle_never_releases_a_reservation_renewed_since_it_read_the_stale_ones(books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.coupon_benefits import release_stale_reservations
    from creditline.store.promotions_repository import PromotionsRepository

    command, campaign_id = _reserved_then_crashed(books, valid_days=30)
    with UnitOfWork(books, read_only=True) as uow:
        stale = PromotionsRepository(uow.connection).stale_reservations(date(2025, 1, 2), 10)
    assert len(stale) == 1
    _reserve(books, command, "d1")  # the borrower's retry renews it today, its drawdown not yet committed ...
    monkeypatch.setattr(PromotionsRepository, "stale_reservations", lambda self, before, limit: stale)
    assert release_stale_reservations(books) == 0  # ... while settle acts on what it read before
    drawn = draw_with_coupon(books, command)
    assert drawn["coupon"]["status"] == "redeemed" and show_campaign(books, campaign_id)["committed"] == "72.36"


def test_a_drawdown_made_after_end_of_day_between_reserve_and_draw_keeps_its_coupon(books) -> None:  # type: ignore[no-untyped-def]
    """Reserved on 1 January, end of day opens 2 January, the saga's drawdown runs then: the loan is the
    reservation's own, so the coupon is attached to it (it was released and a loan left without it)."""
    campaign_id = campaign(books)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id, limit="50000")
    command = DrawWithCoupon(line, "12000", 3, "d1", coupon_id)
    _reserve(books, command, "d1")
    eod_to(books, date(2025, 1, 2))
    loan_id = draw(books, Draw(line, "12000", 3, "d1"))["loan_id"]  # the saga's draw, after the date changed
    resumed = draw_with_coupon(books, command)  # attach (or the borrower's retry)
    assert resumed["loan_id"] == loan_id and show_loan(books, loan_id)["disbursed_on"] == "2025-01-02"
    assert resumed["coupon"]["status"] == "redeemed" and resumed["coupon"]["loan_id"] == loan_id
    assert [i["apply_on"] for i in resumed["coupon"]["installments"]] == ["2025-02-02", "2025-03-02", "2025-04-02"]
    assert resumed["coupon"]["saving"] == show_campaign(books, campaign_id)["committed"] == "72.36"
