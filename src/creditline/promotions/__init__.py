"""Coupons and promotions: campaigns with budget caps and eligibility, coupons, savings, the posting rule.

Pure: values in, values out (may import money, lending and ledger). The store keeps campaigns,
coupons, redemptions and the per-installment benefit lines; `app.coupons` issues, lists, redeems at
drawdown (budget checked with a conditional update) and applies each saving as its installment
falls due.
"""

from creditline.promotions.benefit import CouponBenefit, coupon_benefit, with_savings
from creditline.promotions.campaign import Campaign, CouponKind, Eligibility
from creditline.promotions.campaign_file import load_campaign
from creditline.promotions.coupon import (
    BorrowerStanding,
    Coupon,
    CouponStatus,
    check_eligible,
    check_redeemable,
    issue,
)
from creditline.promotions.errors import (
    BudgetExhausted,
    CampaignClosed,
    CampaignInvalid,
    CampaignNotFound,
    CouponAlreadyUsed,
    CouponExpired,
    CouponLimitReached,
    CouponNotApplicable,
    CouponNotFound,
    CouponNotYours,
    NotEligible,
)
from creditline.promotions.posting import COUPON_RULES, coupon_postings

__all__ = [
    "COUPON_RULES",
    "BorrowerStanding",
    "BudgetExhausted",
    "Campaign",
    "CampaignClosed",
    "CampaignInvalid",
    "CampaignNotFound",
    "Coupon",
    "CouponAlreadyUsed",
    "CouponBenefit",
    "CouponExpired",
    "CouponKind",
    "CouponLimitReached",
    "CouponNotApplicable",
    "CouponNotFound",
    "CouponNotYours",
    "CouponStatus",
    "Eligibility",
    "NotEligible",
    "check_eligible",
    "check_redeemable",
    "coupon_benefit",
    "coupon_postings",
    "issue",
    "load_campaign",
    "with_savings",
]
