"""Retries racing each other on PostgreSQL: the same client key gives one coupon and one result."""

from __future__ import annotations

import threading
import time

import pytest
from coupon_fixtures import RATE_DISCOUNT, borrower_with_coupon, campaign, consent_to_marketing
from lending_fixtures import open_line

from creditline.app.coupons import (
    DrawWithCoupon,
    IssueCoupon,
    add_campaign,
    draw_with_coupon,
    issue_coupon,
    show_campaign,
)
from creditline.store import UnitOfWork
from creditline.store.promotions_repository import PromotionsRepository
from shared_files import race

pytestmark = pytest.mark.postgres
THREADS = 4


@pytest.mark.parametrize("per_borrower_max", [1, 3])
def test_issue_retries_waiting_on_the_campaign_lock_return_the_first_coupon(pg_engine, per_borrower_max: int) -> None:  # type: ignore[no-untyped-def]
    source = RATE_DISCOUNT.format(campaign_id="spring", budget="1000", valid_days=30)
    text = add_campaign(pg_engine, source + f"per_borrower_max = {per_borrower_max}\n", "spring.toml")["campaign_id"]
    open_line(pg_engine, "B1")
    consent_to_marketing(pg_engine, "B1")
    results: list[object] = [None] * THREADS

    def issue(i: int) -> None:
        try:
            results[i] = issue_coupon(pg_engine, IssueCoupon(text, "B1", "issue-once"))
        except Exception as exc:  # kept to assert on
            results[i] = exc

    # Hold the campaign row so every retry has read "no result yet" before any of them issues.
    with UnitOfWork(pg_engine) as holder:
        PromotionsRepository(holder.connection).campaign(text, for_update=True)
        threads = [threading.Thread(target=issue, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        holder.commit()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["coupon_id"] for r in results}) == 1  # type: ignore[index]
    with UnitOfWork(pg_engine, read_only=True) as uow:
        assert PromotionsRepository(uow.connection).count_coupons(text, "B1") == 1


def test_drawdown_retries_racing_under_one_key_redeem_once(pg_engine) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(pg_engine)
    line, coupon = borrower_with_coupon(pg_engine, "B1", campaign_id, limit="50000")
    results = race(*[lambda: draw_with_coupon(pg_engine, DrawWithCoupon(line, "12000", 3, "d1", coupon))] * THREADS)
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["loan_id"] for r in results}) == 1  # type: ignore[index]
    assert {r["coupon"]["saving"] for r in results} == {"72.36"}  # type: ignore[index]
    assert show_campaign(pg_engine, campaign_id)["committed"] == "72.36"
    with UnitOfWork(pg_engine, read_only=True) as uow:
        assert uow.loans.count() == 1
        assert len(PromotionsRepository(uow.connection).benefits_of_coupon(coupon)) == 3


def test_two_coupons_racing_under_one_key_redeem_one(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.errors import IdempotencyConflict

    first_campaign, second_campaign = campaign(pg_engine), campaign(pg_engine, campaign_id="summer")
    line, first = borrower_with_coupon(pg_engine, "B1", first_campaign, limit="50000")
    second = issue_coupon(pg_engine, IssueCoupon(second_campaign, "B1", "issue-B1-summer"))["coupon_id"]
    results = race(
        *[lambda coupon=coupon: draw_with_coupon(pg_engine, DrawWithCoupon(line, "12000", 3, "d1", coupon)) for coupon in (first, second)]
    )
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 1 and isinstance(next(r for r in results if not isinstance(r, dict)), IdempotencyConflict), results
    with UnitOfWork(pg_engine, read_only=True) as uow:
        repo = PromotionsRepository(uow.connection)
        statuses = sorted(row["status"] for row in (repo.coupon(first), repo.coupon(second)) if row)
        assert uow.loans.count() == 1
    assert statuses == ["issued", "redeemed"]
    committed = show_campaign(pg_engine, first_campaign)["committed"], show_campaign(pg_engine, second_campaign)["committed"]
    assert sorted(committed) == ["0.00", "72.36"]


def test_the_same_campaign_file_added_at_once_twice_is_added_once(pg_engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.coupons import CampaignExists

    text = RATE_DISCOUNT.format(campaign_id="spring", budget="1000", valid_days=30)
    other = RATE_DISCOUNT.format(campaign_id="spring", budget="2000", valid_days=30)
    same = race(*[lambda: add_campaign(pg_engine, text, "spring.toml")] * THREADS)
    assert all(isinstance(r, dict) and r["budget_cap"] == "1000.00" for r in same), same
    raced = race(lambda: add_campaign(pg_engine, other, "spring.toml"), lambda: add_campaign(pg_engine, other, "spring.toml"))
    assert all(isinstance(r, CampaignExists) for r in raced), raced
