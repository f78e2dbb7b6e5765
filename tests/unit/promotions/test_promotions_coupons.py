"""Campaign rules, campaign files, eligibility, issuing and redeeming: typed errors that name the field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from promotions_builders import campaign, cny

from creditline.money import Money
from creditline.promotions import (
    BorrowerStanding,
    CampaignClosed,
    CampaignInvalid,
    CouponAlreadyUsed,
    CouponExpired,
    CouponLimitReached,
    CouponNotApplicable,
    CouponNotYours,
    CouponStatus,
    Eligibility,
    NotEligible,
    check_redeemable,
    issue,
    load_campaign,
)

CNY_LINE = frozenset({"CNY"})
STANDING = BorrowerStanding("B1", "A", tenure_days=90, member=True, marketing_consent=True, line_currencies=CNY_LINE)

CAMPAIGN_TOML = """
campaign_id = "spring-2025"
version = 1
name = "Spring: 30 days interest-free"
kind = "interest-free-days"
currency = "CNY"
budget_cap = "50000.00"
issue_from = 2025-03-01
issue_until = 2025-03-31
valid_days = 14
free_days = 30
amount_min = "1000"
terms_months = [3, 6]

[eligibility]
risk_grades = ["A", "B"]
tenure_days_min = 30
"""


def test_a_campaign_file_loads_and_hashes_its_content() -> None:
    loaded = load_campaign(CAMPAIGN_TOML, source="spring.toml")
    assert loaded.free_days == 30
    assert loaded.budget_cap == cny("50000")
    assert loaded.eligibility == Eligibility(frozenset({"A", "B"}), 30, False)
    assert loaded.terms_months == frozenset({3, 6})
    reformatted = load_campaign(CAMPAIGN_TOML.replace('"1000"', '"1000"   # minimum'), source="spring.toml")
    assert reformatted.content_hash == loaded.content_hash
    assert len(loaded.content_hash) == 64


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (CAMPAIGN_TOML.replace('budget_cap = "50000.00"', "budget_cap = 50000.5"), "budget_cap"),
        (CAMPAIGN_TOML.replace('budget_cap = "50000.00"', 'budget_cap = "-1"'), "budget_cap"),
        (CAMPAIGN_TOML.replace("valid_days = 14", "valid_days = 0"), "valid_days"),
        (CAMPAIGN_TOML.replace("free_days = 30", 'discount_pct = "20"'), "free_days"),
        (CAMPAIGN_TOML.replace("issue_until = 2025-03-31", "issue_until = 2025-02-01"), "issue_until"),
        ("surprise = 1\n" + CAMPAIGN_TOML, "surprise"),
        (CAMPAIGN_TOML + "\nsurprise = 1\n", "eligibility.surprise"),
        ("not toml [", "file"),
        (CAMPAIGN_TOML.replace("version = 1", "version = 2147483648"), "version"),  # beyond the stored INTEGER
        (CAMPAIGN_TOML.replace('kind = "interest-free-days"', 'kind = "rate-discount"')
         .replace("free_days = 30", 'discount_pct = "1E-999999999"'), "discount_pct"),  # would print a billion digits
        # coupons no drawdown could use were issued: no term at all, a term of 0 or of minus 3 months
        (CAMPAIGN_TOML.replace("terms_months = [3, 6]", "terms_months = []"), "terms_months"),
        (CAMPAIGN_TOML.replace("terms_months = [3, 6]", "terms_months = [0, 3]"), "terms_months"),
        (CAMPAIGN_TOML.replace("terms_months = [3, 6]", "terms_months = [-3]"), "terms_months"),
        (CAMPAIGN_TOML.replace("terms_months = [3, 6]", "terms_months = [361]"), "terms_months"),
    ],
)
def test_bad_campaign_files_name_the_field(text: str, field: str) -> None:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(text, source="bad.toml")
    assert caught.value.field == field


def test_discounts_are_percent_above_zero_up_to_a_hundred() -> None:
    with pytest.raises(CampaignInvalid) as caught:
        campaign("rate-discount", discount_pct=Decimal("120"))
    assert caught.value.field == "discount_pct"
    with pytest.raises(CampaignInvalid):
        campaign("rate-discount", discount_pct=Decimal("0"))
    with pytest.raises(CampaignInvalid) as tiny:
        campaign("rate-discount", discount_pct=Decimal("1E-999999999"))  # its view would print a billion digits
    assert tiny.value.field == "discount_pct"
    assert campaign("rate-discount", discount_pct=Decimal("33.3333")).discount_pct == Decimal("33.3333")
    assert campaign("rate-discount", discount_pct=Decimal("20.000000")).discount_pct == Decimal("20")


def test_issue_checks_window_eligibility_and_the_per_borrower_limit() -> None:
    offer = campaign(eligibility=Eligibility(frozenset({"A"}), 60, True))
    coupon = issue(offer, STANDING, coupon_id="CP1", on=date(2025, 2, 1), held=0)
    assert coupon.last_day == date(2025, 3, 2)  # the issue day and 29 more
    with pytest.raises(CampaignClosed) as closed:
        issue(offer, STANDING, coupon_id="CP2", on=date(2025, 4, 1), held=0)
    assert closed.value.field == "campaign"
    with pytest.raises(CouponLimitReached):
        issue(offer, STANDING, coupon_id="CP2", on=date(2025, 2, 1), held=1)
    for standing, code in [
        (BorrowerStanding("B1", "C", 90, True, True, line_currencies=CNY_LINE), "grade_not_eligible"),
        (BorrowerStanding("B1", None, 90, True, True, line_currencies=CNY_LINE), "grade_not_eligible"),
        (BorrowerStanding("B1", "A", 59, True, True, line_currencies=CNY_LINE), "tenure_too_short"),
        (BorrowerStanding("B1", "A", 90, False, True, line_currencies=CNY_LINE), "not_a_member"),
        # A coupon is marketing: without the consent, no other rule is even looked at.
        (BorrowerStanding("B1", "A", 90, True, marketing_consent=False, line_currencies=CNY_LINE), "marketing_consent_missing"),
        (BorrowerStanding("B1", "C", 30, False, line_currencies=CNY_LINE), "marketing_consent_missing"),
        # Lines only in other currencies: the coupon could never be used, yet would count against the limit.
        (replace(STANDING, line_currencies=frozenset({"USD"})), "no_line_in_currency"),
        (replace(STANDING, line_currencies=frozenset()), "no_line_in_currency"),
    ]:
        with pytest.raises(NotEligible) as caught:
            issue(offer, standing, coupon_id="CP3", on=date(2025, 2, 1), held=0)
        assert (caught.value.field, caught.value.code) == ("borrower", code)


def test_redeem_rules_each_name_their_field() -> None:
    offer = campaign(amount_min=cny("1000"), terms_months=frozenset({3, 6}))
    coupon = issue(offer, STANDING, coupon_id="CP1", on=date(2025, 2, 1), held=0)
    ok = {"borrower_id": "B1", "on": date(2025, 3, 2), "amount": cny("1000"), "term_months": 6}
    check_redeemable(coupon, offer, **ok)
    cases = [
        ({"borrower_id": "B2"}, coupon, CouponNotYours, "coupon"),
        ({"on": date(2025, 3, 3)}, coupon, CouponExpired, "coupon"),
        ({}, coupon.redeemed("L1", date(2025, 2, 2)), CouponAlreadyUsed, "coupon"),
        ({}, replace(coupon, status=CouponStatus.RESERVED), CouponAlreadyUsed, "coupon"),
        ({"amount": cny("999.99")}, coupon, CouponNotApplicable, "amount"),
        ({"term_months": 12}, coupon, CouponNotApplicable, "term"),
        ({"amount": Money.parse("1000", "USD")}, coupon, CouponNotApplicable, "currency"),
    ]
    for change, which, error, field in cases:
        with pytest.raises(error) as caught:
            check_redeemable(which, offer, **(ok | change))
        assert caught.value.field == field


def test_another_borrowers_used_coupon_says_only_that_it_is_not_theirs() -> None:
    offer = campaign()
    used = issue(offer, STANDING, coupon_id="CP1", on=date(2025, 2, 1), held=0).redeemed("L1", date(2025, 2, 2))
    with pytest.raises(CouponNotYours) as caught:
        check_redeemable(used, offer, borrower_id="B2", on=date(2025, 5, 1), amount=cny("500"), term_months=3)
    assert "L1" not in str(caught.value) and "B1" not in str(caught.value)
