"""What a coupon saves, installment by installment: the schedule with and without it.

The coupon reduces interest only; the principal rows of the schedule stay the contract's. Each
installment's saving is computed with the contract's own interest formula and rounding, and is
never more than that installment's interest, so no coupon can make interest negative:
- rate-discount: the installment's interest × the discount percent, rounded with the terms' mode;
- interest-free-days: the interest of the free days that fall in the installment's period, on the
  balance of that period (the daily factor of `lending.schedule`, rounded once, as accrual is).
The APR with the coupon is the IRR of the cash flows the borrower actually pays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from creditline.lending.apr import Apr, AprMethod, Payment, annual_rate, schedule_apr
from creditline.lending.schedule import Installment, Schedule
from creditline.lending.schedule_interest import daily_rate_factor
from creditline.lending.schedule_ratio import apply_rate
from creditline.money import CONTEXT, Money, total
from creditline.promotions.campaign import Campaign, CouponKind


@dataclass(frozen=True, slots=True)
class CouponBenefit:
    schedule: Schedule  # the contract's schedule, without the coupon
    savings: tuple[Money, ...]  # per installment, 0 <= saving <= that installment's interest
    apr_without: Apr
    apr_with: Apr

    def __post_init__(self) -> None:
        assert len(self.savings) == len(self.schedule.rows), "one saving per installment"
        for row, saving in zip(self.schedule.rows, self.savings, strict=True):
            assert 0 <= saving.minor <= row.interest.minor, "a saving is never more than the interest"

    @property
    def total_saving(self) -> Money:
        return total(self.savings, self.schedule.terms.principal.currency)

    @property
    def interest_with(self) -> Money:
        return self.schedule.total_interest - self.total_saving

    def installments_with(self) -> tuple[Money, ...]:
        return tuple(row.total - saving for row, saving in zip(self.schedule.rows, self.savings, strict=True))

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.schedule.terms.principal.currency.code,
            "total_saving": self.total_saving.amount_str(),
            "interest_without": self.schedule.total_interest.amount_str(),
            "interest_with": self.interest_with.amount_str(),
            "apr_without_pct": format(self.apr_without.apr_pct_display, "f"),
            "apr_with_pct": format(self.apr_with.apr_pct_display, "f"),
            "installments": [
                {
                    "n": row.n,
                    "due_date": row.due_date.isoformat(),
                    "principal": row.principal.amount_str(),
                    "interest": row.interest.amount_str(),
                    "saving": saving.amount_str(),
                    "total": (row.total - saving).amount_str(),
                }
                for row, saving in zip(self.schedule.rows, self.savings, strict=True)
            ],
        }


def coupon_benefit(schedule: Schedule, campaign: Campaign) -> CouponBenefit:
    """The saving of `campaign`'s coupon on the loan whose contract schedule is `schedule`."""
    if campaign.kind is CouponKind.RATE_DISCOUNT:
        savings = _rate_discount(schedule, campaign)
    else:
        savings = _free_days(schedule, campaign)
    return with_savings(schedule, savings)


def with_savings(schedule: Schedule, savings: Sequence[Money]) -> CouponBenefit:
    """The benefit of given per-installment savings (each at most its installment's interest)."""
    flows = [Payment(row.due_date, row.total - saving) for row, saving in zip(schedule.rows, savings, strict=True)]
    advance = Payment(schedule.terms.disbursed, schedule.total_principal)
    paid = [payment for payment in flows if payment.amount.is_positive()]
    return CouponBenefit(
        schedule=schedule,
        savings=tuple(savings),
        apr_without=schedule_apr(schedule.cash_flows(), AprMethod.IRR),
        apr_with=annual_rate(advance, paid, AprMethod.IRR),
    )


def _rate_discount(schedule: Schedule, campaign: Campaign) -> list[Money]:
    assert campaign.discount_pct is not None
    share = CONTEXT.divide(campaign.discount_pct, Decimal(100))
    covered = campaign.installments_max or len(schedule.rows)
    rounding = schedule.terms.rounding
    return [
        row.interest.times(share, rounding) if row.n <= covered else row.interest - row.interest
        for row in schedule.rows
    ]


def _free_days(schedule: Schedule, campaign: Campaign) -> list[Money]:
    assert campaign.free_days is not None
    terms = schedule.terms
    window_end = terms.disbursed + timedelta(days=campaign.free_days)
    balance_minor = terms.principal.minor
    savings = []
    for row in schedule.rows:
        savings.append(Money(min(_free_interest(row, balance_minor, window_end, schedule), row.interest.minor), row.interest.currency))
        balance_minor = row.balance_after.minor
    return savings


def _free_interest(row: Installment, balance_minor: int, window_end: date, schedule: Schedule) -> int:
    """The interest of the free days inside the row's period, on the balance the period bears."""
    end = min(row.due_date, window_end)
    if end <= row.start_date:
        return 0
    if end == row.due_date:
        return row.interest.minor  # the whole period is free: exactly its interest, whatever its formula
    factor = daily_rate_factor(schedule.terms, row.start_date, end)
    return apply_rate(balance_minor, factor, schedule.terms.rounding)
