"""Coupons through the store: a loan with a coupon reconciles to the cent; bad input changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from coupon_fixtures import FREE_DAYS, borrower_with_coupon, campaign, consent_to_marketing
from integration_helpers import dump
from lending_fixtures import assert_books_clean, eod_to, open_line, setup_books

from creditline.app import Draw, Repay, draw, repay, show_loan, trial_balance_now
from creditline.app.coupon_benefits import settle
from creditline.app.coupons import (
    DrawWithCoupon,
    IssueCoupon,
    draw_with_coupon,
    enroll,
    issue_coupon,
    list_coupons,
    quote_coupon,
    show_campaign,
)
from creditline.app.errors import IdempotencyConflict
from creditline.ledger import Account
from creditline.lending.credit_line import InsufficientLimit
from creditline.promotions import (
    BudgetExhausted,
    CouponAlreadyUsed,
    CouponExpired,
    CouponLimitReached,
    CouponNotFound,
    CouponNotYours,
    NotEligible,
)
from creditline.store import UnitOfWork
from creditline.store.promotions_repository import PromotionsRepository


@pytest.fixture
def books(engine):  # type: ignore[no-untyped-def]
    setup_books(engine)
    return engine


def _pay_on_schedule(engine, loan_id: str, coupon: dict) -> Decimal:  # type: ignore[no-untyped-def]
    """EOD to each due date, settle the coupon, pay what is then due; returns the interest paid."""
    for number, line in enumerate(coupon["installments"], start=1):
        eod_to(engine, date.fromisoformat(line["apply_on"]))
        settle(engine)
        row = next(r for r in show_loan(engine, loan_id)["installments"] if r["n"] == number)
        owed = Decimal(row["outstanding"])
        repay(engine, Repay(loan_id, format(owed, "f"), f"pay-{loan_id}-{number}"))
    rows = show_loan(engine, loan_id)["installments"]
    return sum((Decimal(r["interest_paid"]) for r in rows), Decimal(0))


# 12,000.00 over 3 months from January 1 at 0.05% a day: interest 186.00 + 112.92 + 62.89. 20% off it is
# 37.20 + 22.58 + 12.58; 45 free days cover the 31-day first period (186.00) and 14 days on the 8,065.40
# left after it (8,065.40 x 0.0005 x 14 = 56.4578, so 56.46).
@pytest.mark.parametrize(("template", "term", "saving"), [(None, 3, "72.36"), (FREE_DAYS, 3, "242.46")])
def test_a_loan_with_a_coupon_reconciles_to_the_cent(books, template, term: int, saving: str) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books) if template is None else campaign(books, template)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    quoted = quote_coupon(books, DrawWithCoupon(line, "12000", term, "q", coupon_id))
    drawn = draw_with_coupon(books, DrawWithCoupon(line, "12000", term, "d1", coupon_id))
    coupon = drawn["coupon"]
    assert coupon["status"] == "redeemed" and coupon["saving"] == saving == quoted["total_saving"]
    assert Decimal(coupon["apr_with_pct"]) < Decimal(coupon["apr_without_pct"]) == Decimal("18.00")
    assert coupon["apr_with_pct"] == quoted["apr_with_pct"] == {"72.36": "14.40", "242.46": "5.91"}[saving]
    interest_paid = _pay_on_schedule(books, drawn["loan_id"], coupon)
    assert interest_paid == Decimal(quoted["interest_with"])  # what the borrower was shown, to the cent
    assert interest_paid == Decimal(quoted["interest_without"]) - Decimal(saving)
    assert show_loan(books, drawn["loan_id"])["status"] == "paid-off"
    shown = show_campaign(books, campaign_id)
    assert shown["committed"] == shown["spent"] == saving
    (held,) = list_coupons(books, "B1")["coupons"]
    assert held["applied"] == saving
    tb = trial_balance_now(books)
    assert tb.balance(Account.PROMOTIONAL_DISCOUNT, "CNY") == int(Decimal(saving) * 100)
    assert tb.balance(Account.INTEREST_INCOME, "CNY") == int(Decimal(quoted["interest_without"]) * 100)
    assert_books_clean(books)


def test_a_coupon_on_a_loan_paid_off_early_gives_its_budget_back(books) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    drawn = draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", coupon_id))
    eod_to(books, date(2025, 1, 11))
    payoff = Decimal(show_loan(books, drawn["loan_id"])["principal_outstanding"]) + Decimal("60.00")  # 10 days' interest
    repay(books, Repay(drawn["loan_id"], format(payoff, "f"), "payoff"))
    eod_to(books, date(2025, 2, 1))
    result = settle(books)
    assert result["forfeited_minor"] == 7236
    assert show_campaign(books, campaign_id)["committed"] == "0.00"
    assert_books_clean(books)


def test_bad_coupons_and_amounts_change_nothing(books) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books, valid_days=1)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    _, other_coupon = borrower_with_coupon(books, "B2", campaign_id)
    before = dump(books)
    cases = [
        (DrawWithCoupon(line, "12000", 3, "x1", other_coupon), CouponNotYours, "coupon"),
        (DrawWithCoupon(line, "20000.01", 3, "x2", coupon_id), InsufficientLimit, "amount"),
        (DrawWithCoupon(line, "12000", 3, "x3", "CPnope"), CouponNotFound, "coupon"),
    ]
    for command, error, field in cases:
        with pytest.raises(error) as caught:
            draw_with_coupon(books, command)
        assert caught.value.field == field
    assert dump(books) == before
    eod_to(books, date(2025, 1, 2))
    expired_before = dump(books)
    with pytest.raises(CouponExpired) as expired:
        draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "x4", coupon_id))
    assert expired.value.field == "coupon"
    assert dump(books) == expired_before


def test_a_used_coupon_and_a_failed_drawdown(books) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books)
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    draw(books, Draw(line, "1000", 3, "plain"))
    before = dump(books)
    # The drawdown refuses (the key was used for another request): the reservation is undone exactly.
    with pytest.raises(IdempotencyConflict):
        draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "plain", coupon_id))
    assert dump(books) == before
    first = draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", coupon_id))
    retried = draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", coupon_id))
    assert retried["loan_id"] == first["loan_id"] and retried["coupon"]["saving"] == first["coupon"]["saving"]
    after_first = dump(books)
    with pytest.raises(CouponAlreadyUsed) as used:
        draw_with_coupon(books, DrawWithCoupon(line, "2000", 3, "d2", coupon_id))
    assert used.value.field == "coupon"
    assert dump(books) == after_first


def test_the_budget_cap_refuses_a_coupon_that_would_exceed_it(books) -> None:  # type: ignore[no-untyped-def]
    campaign_id = campaign(books, budget="100")
    line, coupon_id = borrower_with_coupon(books, "B1", campaign_id)
    line2, coupon2 = borrower_with_coupon(books, "B2", campaign_id)
    draw_with_coupon(books, DrawWithCoupon(line, "12000", 3, "d1", coupon_id))  # 72.36 of 100.00
    before = dump(books)
    with pytest.raises(BudgetExhausted) as caught:
        draw_with_coupon(books, DrawWithCoupon(line2, "12000", 3, "d2", coupon2))
    assert caught.value.field == "coupon"
    assert dump(books) == before
    assert draw_with_coupon(books, DrawWithCoupon(line2, "3000", 3, "d3", coupon2))["coupon"]["saving"] == "18.09"


def test_issue_rules_members_limit_and_retries(books) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.coupons import add_campaign

    text = FREE_DAYS.format(campaign_id="vip", budget="500", valid_days=10) + "\n[eligibility]\nmembers_only = true\n"
    add_campaign(books, text, "vip.toml")
    open_line(books, "B1")
    consent_to_marketing(books, "B1")
    with pytest.raises(NotEligible) as outsider:
        issue_coupon(books, IssueCoupon("vip", "B1", "i1"))
    assert (outsider.value.field, outsider.value.code) == ("borrower", "not_a_member")
    enroll(books, "vip", "B1")
    first = issue_coupon(books, IssueCoupon("vip", "B1", "i1"))
    assert issue_coupon(books, IssueCoupon("vip", "B1", "i1")) == first  # the same key: the same coupon
    with pytest.raises(CouponLimitReached):
        issue_coupon(books, IssueCoupon("vip", "B1", "i2"))
    with UnitOfWork(books, read_only=True) as uow:
        assert PromotionsRepository(uow.connection).count_coupons("vip", "B1") == 1


def test_a_coupon_is_issued_only_to_a_borrower_who_consents_to_marketing(books) -> None:  # type: ignore[no-untyped-def]
    """A coupon is marketing (docs/privacy.md: marketing needs its own consent, never a condition of credit).
    Coupons were issued to borrowers who had not consented, or had withdrawn their consent."""
    from creditline.app.access import AccessConfig
    from creditline.app.consents import grant, withdraw
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    spring = campaign(books, FREE_DAYS, campaign_id="spring")
    summer = campaign(books, FREE_DAYS, campaign_id="summer")
    open_line(books, "B1")

    def refused(campaign_id: str, key: str) -> None:
        with pytest.raises(NotEligible) as caught:
            issue_coupon(books, IssueCoupon(campaign_id, "B1", key))
        assert (caught.value.field, caught.value.code) == ("borrower", "marketing_consent_missing")

    refused(spring, "no-account")  # no account, so no consent at all
    config = AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))
    account, _ = dev_session(books, config, "borrower", "B1", borrower_id="B1")
    for scope in ("credit_bureau_query", "transaction_data", "device_data"):  # what credit needed, not marketing
        grant(books, account["account_id"], scope, "credit_assessment", "v3", None)
    grant(books, account["account_id"], "marketing", "fraud_prevention", "v3", None)  # the scope, another purpose
    refused(spring, "credit-only")
    consent = grant(books, account["account_id"], "marketing", "marketing", "v1", None)
    assert issue_coupon(books, IssueCoupon(spring, "B1", "consented"))["borrower_id"] == "B1"
    withdraw(books, account["account_id"], consent["consent_id"])
    refused(summer, "withdrawn")
    with UnitOfWork(books, read_only=True) as uow:
        repo = PromotionsRepository(uow.connection)
        assert (repo.count_coupons(spring, "B1"), repo.count_coupons(summer, "B1")) == (1, 0)


def test_enrolling_says_whether_the_borrower_is_new_to_the_campaign(books) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the first enrollment answered `new: false`: the repository read the INSERT ... ON
    CONFLICT DO NOTHING's rowcount, which the driver reported as -1."""
    from creditline.app.coupons import add_campaign

    add_campaign(books, FREE_DAYS.format(campaign_id="vip", budget="500", valid_days=10), "vip.toml")
    open_line(books, "B1")
    assert enroll(books, "vip", "B1") == {"campaign_id": "vip", "borrower_id": "B1", "enrolled": True, "new": True}
    assert enroll(books, "vip", "B1")["new"] is False
    with UnitOfWork(books, read_only=True) as uow:
        assert PromotionsRepository(uow.connection).is_member("vip", "B1")
