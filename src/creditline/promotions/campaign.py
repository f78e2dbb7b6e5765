"""Campaigns: what a coupon gives, to whom, when, and within what budget. Versioned data, validated once.

Two kinds of coupon, both acting on interest only, never on principal:
- `rate-discount`: a percentage off each installment's interest (for the first `installments_max`
  installments, or all of them) — 借呗's 利率折扣券;
- `interest-free-days`: no interest for the first `free_days` days of the loan — 免息券.
The budget cap is money: what every redeemed coupon may save its borrower, summed, never exceeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from creditline.money import Currency, Money
from creditline.promotions.errors import CampaignInvalid

FREE_DAYS_MAX = 366
VALID_DAYS_MAX = 366
PER_BORROWER_MAX = 100
DISCOUNT_PCT_DECIMALS_MAX = 10  # ample for any discount; 1E-999999999 would print as a billion digits


class CouponKind(StrEnum):
    RATE_DISCOUNT = "rate-discount"
    INTEREST_FREE_DAYS = "interest-free-days"


@dataclass(frozen=True, slots=True)
class Eligibility:
    risk_grades: frozenset[str] | None = None  # None: any grade, an unrated borrower included
    tenure_days_min: int = 0  # days since the borrower's line opened
    members_only: bool = False  # only borrowers enrolled in the campaign


@dataclass(frozen=True, slots=True, kw_only=True)
class Campaign:
    campaign_id: str
    version: int
    name: str
    kind: CouponKind
    currency: Currency
    budget_cap: Money
    issue_from: date  # coupons are issued on [issue_from, issue_until]
    issue_until: date
    valid_days: int  # a coupon can be used on its issue day and the valid_days - 1 days after it
    discount_pct: Decimal | None = None  # rate-discount: percent off the interest, (0, 100]
    installments_max: int | None = None  # rate-discount: the first N installments only (None: all)
    free_days: int | None = None  # interest-free-days: the loan's first N days
    eligibility: Eligibility = Eligibility()
    amount_min: Money | None = None  # drawdowns below this are not covered
    terms_months: frozenset[int] | None = None  # covered terms (None: every term)
    per_borrower_max: int = 1
    content_hash: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", CouponKind(self.kind))
        self._check_money()
        if self.issue_until < self.issue_from:
            raise CampaignInvalid("must not be before issue_from", field="issue_until")
        _in_range(self.valid_days, 1, VALID_DAYS_MAX, "valid_days")
        _in_range(self.per_borrower_max, 1, PER_BORROWER_MAX, "per_borrower_max")
        _in_range(self.eligibility.tenure_days_min, 0, 36_500, "tenure_days_min")
        if self.kind is CouponKind.RATE_DISCOUNT:
            self._check_rate_discount()
        else:
            self._check_free_days()

    def _check_money(self) -> None:
        if self.budget_cap.currency != self.currency:
            raise CampaignInvalid(f"must be in {self.currency.code}", field="budget_cap")
        if not self.budget_cap.is_positive():
            raise CampaignInvalid("must be more than zero", field="budget_cap")
        if self.amount_min is not None and (self.amount_min.currency != self.currency or self.amount_min.is_negative()):
            raise CampaignInvalid(f"must be a non-negative amount in {self.currency.code}", field="amount_min")

    def _check_rate_discount(self) -> None:
        if self.discount_pct is None or not Decimal(0) < self.discount_pct <= Decimal(100):
            raise CampaignInvalid("a rate-discount coupon takes a percent above 0 and at most 100", field="discount_pct")
        step = Decimal(1).scaleb(-DISCOUNT_PCT_DECIMALS_MAX)
        if self.discount_pct.quantize(step, rounding=ROUND_DOWN) != self.discount_pct:
            raise CampaignInvalid(f"at most {DISCOUNT_PCT_DECIMALS_MAX} decimal places", field="discount_pct")
        if self.free_days is not None:
            raise CampaignInvalid("only interest-free-days coupons have free days", field="free_days")
        if self.installments_max is not None:
            _in_range(self.installments_max, 1, 360, "installments_max")

    def _check_free_days(self) -> None:
        if self.free_days is None:
            raise CampaignInvalid("an interest-free-days coupon names its free days", field="free_days")
        _in_range(self.free_days, 1, FREE_DAYS_MAX, "free_days")
        if self.discount_pct is not None or self.installments_max is not None:
            raise CampaignInvalid("only rate-discount coupons have a discount", field="discount_pct")

    def issues_on(self, on: date) -> bool:
        return self.issue_from <= on <= self.issue_until

    @property
    def key(self) -> str:
        return f"{self.campaign_id}@{self.version}"


def _in_range(value: object, low: int, high: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CampaignInvalid(f"must be a whole number from {low} to {high}, got {value!r}", field=field)
