"""Typed errors of coupons and campaigns: each names the field the borrower or operator got wrong."""

from __future__ import annotations

from creditline.errors import Conflict, DomainError, NotFound


class CampaignInvalid(DomainError):
    code = "campaign_invalid"


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CouponNotFound(NotFound):
    code = "coupon_not_found"


class CampaignClosed(DomainError):
    """The campaign does not issue coupons on this date."""

    code = "campaign_closed"


class NotEligible(DomainError):
    code = "not_eligible"


class CouponLimitReached(Conflict):
    """The borrower already holds as many of this campaign's coupons as it allows."""

    code = "coupon_limit_reached"


class CouponExpired(DomainError):
    code = "coupon_expired"


class CouponAlreadyUsed(Conflict):
    code = "coupon_already_used"


class CouponNotYours(DomainError):
    """A coupon issued to another borrower: said without telling whose it is."""

    code = "coupon_not_yours"
    http_status = 403


class CouponNotApplicable(DomainError):
    """The drawdown is not one the coupon covers (amount below its minimum, a term it excludes...)."""

    code = "coupon_not_applicable"


class BudgetExhausted(Conflict):
    code = "campaign_budget_exhausted"
