"""The campaign budget under concurrent redemption, with real threads on PostgreSQL."""

from __future__ import annotations

import random

import pytest
from coupon_fixtures import borrower_with_coupon, campaign
from lending_fixtures import assert_books_clean

from creditline.app.coupons import DrawWithCoupon, draw_with_coupon, show_campaign
from creditline.promotions import BudgetExhausted
from creditline.store import UnitOfWork
from creditline.store.promotions_repository import PromotionsRepository
from shared_files import race

pytestmark = pytest.mark.postgres
BORROWERS = 12



def test_concurrent_redemptions_never_exceed_the_budget(pg_engine) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(pg_engine, budget="400")  # room for five 72.36 savings, not six
    held = [borrower_with_coupon(pg_engine, f"B{i}", campaign_id) for i in range(BORROWERS)]
    results = race(
        *[
            lambda line=line, coupon=coupon, i=i: draw_with_coupon(
                pg_engine, DrawWithCoupon(line, "12000", 3, f"d{i}", coupon)
            )
            for i, (line, coupon) in enumerate(held)
        ]
    )
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if not isinstance(r, dict)]
    assert len(won) == 5, results
    assert all(isinstance(r, BudgetExhausted) for r in lost), lost
    shown = show_campaign(pg_engine, campaign_id)
    assert shown["committed"] == "361.80"  # 5 x 72.36 <= 400.00
    with UnitOfWork(pg_engine, read_only=True) as uow:
        loans = uow.loans.count()
        rows = [PromotionsRepository(uow.connection).coupon(coupon) for _, coupon in held]
    assert loans == 5  # a refused coupon left no loan behind
    assert sorted(row["status"] for row in rows if row) == ["issued"] * 7 + ["redeemed"] * 5
    assert_books_clean(pg_engine)


def test_the_conditional_update_holds_the_cap_under_a_thread_storm(pg_engine) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(pg_engine, budget="1000")
    amounts = [random.Random(i).randint(6_000, 9_000) for i in range(24)]  # about 180,000 asked of 100,000

    def commit(amount: int) -> bool:
        with UnitOfWork(pg_engine) as uow:
            done = PromotionsRepository(uow.connection).commit_budget(campaign_id, amount)
            uow.commit()
        return done

    results = race(*[lambda amount=amount: commit(amount) for amount in amounts])
    granted = sum(amount for amount, ok in zip(amounts, results, strict=True) if ok is True)
    with UnitOfWork(pg_engine, read_only=True) as uow:
        row = PromotionsRepository(uow.connection).campaign(campaign_id)
    assert row is not None
    assert row["committed_minor"] == granted <= row["budget_cap_minor"] == 100_000
    assert not any(isinstance(r, Exception) for r in results), results
    assert False in results and True in results  # the cap was reached: some were refused
