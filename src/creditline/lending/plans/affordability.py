"""Affordability: what share of a borrower's free income an installment takes, and when it falls due.

Free income is the monthly income net of existing repayments to every lender. A plan strains the
borrower when its largest installment takes more of the free income than the policy allows, or
when all repayments together take more of the income than the debt-service ceiling. Timing matters
too: an installment due long after payday is paid from what is left of last month's pay, so a
due date late in the pay cycle is held to a stricter share. The thresholds are data (a versioned
`AffordabilityPolicy`), never constants in the code.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from creditline.lending.plans.errors import PlanInputInvalid
from creditline.money import Money

SHARE_PLACES = Decimal("0.0001")
DAYS_IN_CYCLE_MAX = 31


@dataclass(frozen=True, slots=True)
class BorrowerFinances:
    income_monthly: Money
    obligations_monthly: Money  # scheduled repayments to all lenders, per month
    payday: int | None = None  # the day of the month pay arrives (31: the month's last day); None: unknown

    def __post_init__(self) -> None:
        if self.income_monthly.currency != self.obligations_monthly.currency:
            raise PlanInputInvalid("income and obligations must be in one currency", field="obligations")
        if self.income_monthly.is_negative():
            raise PlanInputInvalid("must not be negative", field="income")
        if self.obligations_monthly.is_negative():
            raise PlanInputInvalid("must not be negative", field="obligations")
        if self.payday is not None and (
            isinstance(self.payday, bool) or not isinstance(self.payday, int) or not 1 <= self.payday <= 31
        ):
            raise PlanInputInvalid(f"must be a day of the month from 1 to 31, got {self.payday!r}", field="payday")

    @property
    def free_income(self) -> Money:
        return self.income_monthly - self.obligations_monthly


@dataclass(frozen=True, slots=True)
class AffordabilityPolicy:
    version: str = "affordability-1"
    installment_share_max: Decimal = Decimal("0.30")  # of free income
    debt_service_ratio_max: Decimal = Decimal("0.50")  # (obligations + installment) ÷ income
    late_cycle_days: int = 20  # a due date this many days after payday is paid from spent pay...
    late_cycle_share_max: Decimal = Decimal("0.25")  # ...so it is held to this stricter share

    def __post_init__(self) -> None:
        for name in ("installment_share_max", "debt_service_ratio_max", "late_cycle_share_max"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not Decimal(0) < value <= Decimal(1):
                raise PlanInputInvalid(f"must be a Decimal above 0 and at most 1, got {value!r}", field=name)
        if self.late_cycle_share_max > self.installment_share_max:
            raise PlanInputInvalid("must not exceed installment_share_max", field="late_cycle_share_max")
        if not 1 <= self.late_cycle_days <= DAYS_IN_CYCLE_MAX:
            raise PlanInputInvalid(f"must be from 1 to {DAYS_IN_CYCLE_MAX}", field="late_cycle_days")


@dataclass(frozen=True, slots=True)
class Affordability:
    """How one plan sits in a borrower's budget. Shares are exact fractions shown to four places."""

    installment_share: Fraction | None  # largest installment ÷ free income; None when there is none
    debt_service_ratio: Fraction | None  # (obligations + largest installment) ÷ income
    days_after_payday_max: int | None  # the latest any installment falls due in the pay cycle
    share_max: Decimal  # the share this plan is held to (stricter late in the pay cycle)
    strained: bool
    reasons: tuple[str, ...]  # codes: no_free_income, share_above_max, debt_service_above_max, late_in_pay_cycle

    @property
    def sort_share(self) -> Fraction:
        return self.installment_share if self.installment_share is not None else Fraction(10**9)


def shown(share: Fraction | None) -> str | None:
    """A share as text to four places (0.2731), for records and messages."""
    if share is None:
        return None
    value = Decimal(share.numerator) / Decimal(share.denominator)
    return format(value.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP), "f")


def assess(
    installment_max: Money, due_dates: Sequence[date], finances: BorrowerFinances, policy: AffordabilityPolicy
) -> Affordability:
    """Whether a plan whose largest installment is `installment_max`, due on `due_dates`, strains the borrower."""
    if installment_max.currency != finances.income_monthly.currency:
        raise PlanInputInvalid("the plan and the income must be in one currency", field="income")
    late_days = days_after_payday_max(due_dates, finances.payday)
    late = late_days is not None and late_days >= policy.late_cycle_days
    share_max = policy.late_cycle_share_max if late else policy.installment_share_max
    reasons = ["late_in_pay_cycle"] if late else []
    free = finances.free_income.minor
    income = finances.income_monthly.minor
    if free <= 0:
        return Affordability(None, None, late_days, share_max, True, ("no_free_income", *reasons))
    share = Fraction(installment_max.minor, free)
    service = Fraction(finances.obligations_monthly.minor + installment_max.minor, income)
    if share > _fraction(share_max):
        reasons.append("share_above_max")
    if service > _fraction(policy.debt_service_ratio_max):
        reasons.append("debt_service_above_max")
    strained = "share_above_max" in reasons or "debt_service_above_max" in reasons
    return Affordability(share, service, late_days, share_max, strained, tuple(reasons))


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


def days_after_payday_max(due_dates: Sequence[date], payday: int | None) -> int | None:
    """The most days any due date falls after the payday before it (0: due on payday)."""
    if payday is None or not due_dates:
        return None
    return max(days_after_payday(due, payday) for due in due_dates)


def days_after_payday(due: date, payday: int) -> int:
    """Days from the last payday on or before `due` to `due` (paydays past a month's end fall on its last day)."""
    this_month = _payday_in(due.year, due.month, payday)
    if this_month <= due:
        return (due - this_month).days
    year, month = (due.year - 1, 12) if due.month == 1 else (due.year, due.month - 1)
    return (due - _payday_in(year, month, payday)).days


def _payday_in(year: int, month: int, payday: int) -> date:
    return date(year, month, min(payday, calendar.monthrange(year, month)[1]))


def aligned_due_day(payday: int | None, days_after: int = 2) -> int | None:
    """A due day shortly after payday (at most the 28th, so every month has it), or None if payday is unknown."""
    if payday is None:
        return None
    day = payday + days_after
    return max(day - 30, 1) if day > 28 else day
