"""Coupons: issued to one borrower under a campaign's rules, used once, before they expire.

`issue` applies the campaign's window, eligibility and per-borrower limit; `check_redeemable` is
every rule a drawdown must meet to use a coupon, each failure a typed error naming its field.
Whose coupon it is comes first, so a borrower trying someone else's coupon learns nothing about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from creditline.money import Money
from creditline.promotions.campaign import Campaign
from creditline.promotions.errors import (
    CampaignClosed,
    CouponAlreadyUsed,
    CouponExpired,
    CouponLimitReached,
    CouponNotApplicable,
    CouponNotYours,
    NotEligible,
)


class CouponStatus(StrEnum):
    ISSUED = "issued"
    RESERVED = "reserved"  # held by a drawdown in progress
    REDEEMED = "redeemed"
    VOID = "void"  # withdrawn by an operator


@dataclass(frozen=True, slots=True)
class BorrowerStanding:
    """What eligibility looks at: the borrower's marketing consent, the currencies of their lines, risk
    grade (PD band), tenure and campaign membership."""

    borrower_id: str
    risk_grade: str | None  # None: unrated (a line opened without an origination decision)
    tenure_days: int
    member: bool = False
    marketing_consent: bool = False  # an active consent to marketing (privacy.consent); without it, no coupon
    line_currencies: frozenset[str] = frozenset()  # ISO codes of the borrower's lines; a coupon needs one in its own


@dataclass(frozen=True, slots=True)
class Coupon:
    coupon_id: str
    campaign_id: str
    campaign_version: int
    borrower_id: str
    issued_on: date
    last_day: date  # the last day it can be used
    status: CouponStatus = CouponStatus.ISSUED
    loan_id: str | None = None
    redeemed_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", CouponStatus(self.status))
        assert self.last_day >= self.issued_on, "a coupon can be used at least on its issue day"

    def redeemed(self, loan_id: str, on: date) -> Coupon:
        assert self.status is CouponStatus.ISSUED, "a coupon is used once"
        return Coupon(
            self.coupon_id, self.campaign_id, self.campaign_version, self.borrower_id, self.issued_on,
            self.last_day, CouponStatus.REDEEMED, loan_id, on,
        )  # fmt: skip


def check_eligible(campaign: Campaign, standing: BorrowerStanding) -> None:
    # A coupon is marketing (docs/privacy.md): it needs the borrower's consent to it before any other rule
    # looks at them, and that consent is never a condition of credit, so it is checked here, not at apply.
    if not standing.marketing_consent:
        raise NotEligible("the borrower has not consented to marketing (or withdrew it)", field="borrower",
                          code="marketing_consent_missing")  # fmt: skip
    # A coupon covers drawdowns in the campaign's currency only: without a line in it, the coupon could
    # never be used yet would count against the campaign's per-borrower limit.
    if campaign.currency.code not in standing.line_currencies:
        raise NotEligible(f"the borrower has no credit line in {campaign.currency.code}, the campaign's currency",
                          field="borrower", code="no_line_in_currency")  # fmt: skip
    rules = campaign.eligibility
    if rules.risk_grades is not None and standing.risk_grade not in rules.risk_grades:
        grade = standing.risk_grade or "unrated"
        allowed = ", ".join(sorted(rules.risk_grades))
        raise NotEligible(f"risk grade {grade} is not one of {allowed}", field="borrower", code="grade_not_eligible")
    if standing.tenure_days < rules.tenure_days_min:
        raise NotEligible(
            f"{standing.tenure_days} days as a borrower; the campaign needs {rules.tenure_days_min}",
            field="borrower",
            code="tenure_too_short",
        )
    if rules.members_only and not standing.member:
        raise NotEligible("the campaign is for its enrolled members only", field="borrower", code="not_a_member")


def issue(campaign: Campaign, standing: BorrowerStanding, *, coupon_id: str, on: date, held: int) -> Coupon:
    """A new coupon for `standing.borrower_id`, or the typed error of the first rule it breaks."""
    if not campaign.issues_on(on):
        raise CampaignClosed(
            f"{campaign.campaign_id} issues coupons from {campaign.issue_from} to {campaign.issue_until}",
            field="campaign",
        )
    check_eligible(campaign, standing)
    if held >= campaign.per_borrower_max:
        raise CouponLimitReached(
            f"a borrower holds at most {campaign.per_borrower_max} coupon(s) of {campaign.campaign_id}",
            field="campaign",
        )
    last_day = on + timedelta(days=campaign.valid_days - 1)
    return Coupon(coupon_id, campaign.campaign_id, campaign.version, standing.borrower_id, on, last_day)


def check_redeemable(
    coupon: Coupon, campaign: Campaign, *, borrower_id: str, on: date, amount: Money, term_months: int
) -> None:
    """Raise the typed error of the first rule the drawdown breaks; return quietly when the coupon applies."""
    if coupon.borrower_id != borrower_id:
        raise CouponNotYours("this coupon was not issued to you", field="coupon")
    if coupon.status is CouponStatus.REDEEMED:
        raise CouponAlreadyUsed(f"coupon {coupon.coupon_id} was used on {coupon.redeemed_on}", field="coupon")
    if coupon.status is CouponStatus.RESERVED:
        raise CouponAlreadyUsed(f"coupon {coupon.coupon_id} is being used by a drawdown", field="coupon")
    if coupon.status is CouponStatus.VOID:
        raise CouponNotApplicable(f"coupon {coupon.coupon_id} was withdrawn", field="coupon", code="coupon_void")
    if on > coupon.last_day:
        raise CouponExpired(f"coupon {coupon.coupon_id} expired after {coupon.last_day}", field="coupon")
    if amount.currency != campaign.currency:
        raise CouponNotApplicable(f"the coupon is for {campaign.currency.code} loans", field="currency")
    if campaign.amount_min is not None and amount < campaign.amount_min:
        raise CouponNotApplicable(
            f"the coupon covers drawdowns of at least {campaign.amount_min.amount_str()}", field="amount"
        )
    if campaign.terms_months is not None and term_months not in campaign.terms_months:
        covered = ", ".join(str(term) for term in sorted(campaign.terms_months))
        raise CouponNotApplicable(f"the coupon covers terms of {covered} months", field="term")
