"""What a loan is on a date: balances, installments, cumulative totals and the accrual snapshot.

`LoanState` is what `replay` returns. Its `totals` are cumulative money movements since origination:
the app replays before and after a command and posts `after.totals.minus(before.totals)` as one
journal entry, so reversals and backdated events post their adjustments with no special case.
`accrual` is the compact snapshot the end-of-day batch advances without replaying (see `accrual.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from creditline.lending.loan.pricing import AccrualPricing
from creditline.money import Currency, Money, Rounding


class LoanStatus(StrEnum):
    ACTIVE = "active"
    OVERDUE = "overdue"
    PAID_OFF = "paid-off"
    CHARGED_OFF = "charged-off"  # past the product's charge-off days: no more accrual; still collectable
    WRITTEN_OFF = "written-off"  # balances taken off the books by a WRITE_OFF event


CLOSED_STATUSES = frozenset({LoanStatus.PAID_OFF, LoanStatus.WRITTEN_OFF})
ACCRUING_STATUSES = frozenset({LoanStatus.ACTIVE, LoanStatus.OVERDUE})


class InstallmentStatus(StrEnum):
    FUTURE = "future"  # its period has not started
    OPEN = "open"  # its period is running: interest accrues into it
    DUE = "due"  # due today
    OVERDUE = "overdue"
    PAID = "paid"
    REAGED = "reaged"  # its unpaid amounts were moved to new installments by a re-age
    WRITTEN_OFF = "written-off"


@dataclass(frozen=True, slots=True)
class InstallmentState:
    n: int
    start_date: date
    due_date: date
    principal_due: Money
    interest_due: Money  # the period's interest accrued so far (rounded), plus arrears moved in by a re-age
    fee_due: Money
    principal_paid: Money
    interest_paid: Money
    fee_paid: Money
    interest_waived: Money
    fee_waived: Money
    principal_written_off: Money
    interest_written_off: Money
    fee_written_off: Money
    status: InstallmentStatus

    @property
    def principal_outstanding(self) -> Money:
        return self.principal_due - self.principal_paid - self.principal_written_off

    @property
    def interest_outstanding(self) -> Money:
        return self.interest_due - self.interest_paid - self.interest_waived - self.interest_written_off

    @property
    def fee_outstanding(self) -> Money:
        return self.fee_due - self.fee_paid - self.fee_waived - self.fee_written_off

    @property
    def outstanding(self) -> Money:
        return self.principal_outstanding + self.interest_outstanding + self.fee_outstanding

    @property
    def total_due(self) -> Money:
        return self.principal_due + self.interest_due + self.fee_due


@dataclass(frozen=True, slots=True)
class LoanTotals:
    """Cumulative money movements since origination. `*_repaid` counts what was settled whether the
    money came in as cash or out of the borrower's credit balance (`credit_applied` is that part)."""

    disbursed: Money
    interest_accrued: Money
    penalty_accrued: Money
    fees_charged: Money
    principal_repaid: Money
    interest_repaid: Money
    penalty_repaid: Money
    fees_repaid: Money
    overpaid: Money  # paid beyond the whole debt, to the borrower's credit balance
    credit_applied: Money
    credit_refunded: Money
    interest_waived: Money
    penalty_waived: Money
    fees_waived: Money
    principal_written_off: Money
    interest_written_off: Money
    penalty_written_off: Money
    fees_written_off: Money

    @classmethod
    def zero(cls, cur: Currency) -> LoanTotals:
        nothing = Money(0, cur)
        return cls(**{f.name: nothing for f in fields(cls)})

    @classmethod
    def of_minor(cls, cur: Currency, values: dict[str, int]) -> LoanTotals:
        return cls(**{f.name: Money(values.get(f.name, 0), cur) for f in fields(cls)})

    def minus(self, other: LoanTotals) -> LoanTotals:
        """The movements between `other` (before) and `self` (after), each possibly negative."""
        return LoanTotals(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, Money]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_minor(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name).minor for f in fields(self)}

    def is_zero(self) -> bool:
        return all(getattr(self, f.name).is_zero() for f in fields(self))

    @property
    def cash_in(self) -> Money:
        """Cash the borrower paid in: everything settled or overpaid, less what the credit balance settled."""
        settled = self.principal_repaid + self.interest_repaid + self.penalty_repaid + self.fees_repaid
        return settled + self.overpaid - self.credit_applied


@dataclass(frozen=True, slots=True)
class AccrualState:
    """The snapshot the end-of-day step advances one day at a time without the event history.

    Rows are the installments that still matter to accrual and ageing: every one not yet due, and every
    due one with something unpaid, in due-date order. `other_unpaid_minor` is interest and fees unpaid;
    for the installment whose period is running it leaves out the period's accruing interest (that is
    `interest_exact`) and so may be negative when interest was paid ahead.
    """

    as_of: date
    status: LoanStatus
    days_past_due: int
    oldest_unpaid_due: date | None
    interest_accrued_minor: int  # cumulative, rounded once per period (totals.interest_accrued)
    interest_exact: int  # the running period's exact interest, over pricing.interest_denominator
    penalty_accrued_minor: int  # cumulative, = round(penalty_exact)
    penalty_exact: int  # all penalty ever accrued, exact, over pricing.penalty_denominator
    due_dates: tuple[date, ...]
    principal_unpaid_minor: tuple[int, ...]
    other_unpaid_minor: tuple[int, ...]
    pricing: AccrualPricing

    def to_json(self) -> str:
        return json.dumps(_accrual_dict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> AccrualState:
        return _accrual_from_dict(json.loads(text))


def _accrual_dict(state: AccrualState) -> dict[str, Any]:
    p = state.pricing
    return {
        "as_of": state.as_of.toordinal(),
        "status": state.status.value,
        "dpd": state.days_past_due,
        "oldest": state.oldest_unpaid_due.toordinal() if state.oldest_unpaid_due else None,
        "ia": state.interest_accrued_minor,
        "ix": state.interest_exact,
        "pa": state.penalty_accrued_minor,
        "px": state.penalty_exact,
        "due": [d.toordinal() for d in state.due_dates],
        "pu": list(state.principal_unpaid_minor),
        "ou": list(state.other_unpaid_minor),
        "pricing": [
            p.interest_denominator,
            p.interest_common_day,
            p.interest_leap_day,
            p.penalty_denominator,
            p.penalty_common_day,
            p.penalty_leap_day,
            p.grace_days,
            p.charge_off_days,
            p.rounding.value,
        ],
    }


def _accrual_from_dict(data: dict[str, Any]) -> AccrualState:
    *numbers, rounding = data["pricing"]
    return AccrualState(
        as_of=date.fromordinal(data["as_of"]),
        status=LoanStatus(data["status"]),
        days_past_due=data["dpd"],
        oldest_unpaid_due=date.fromordinal(data["oldest"]) if data["oldest"] is not None else None,
        interest_accrued_minor=data["ia"],
        interest_exact=data["ix"],
        penalty_accrued_minor=data["pa"],
        penalty_exact=data["px"],
        due_dates=tuple(date.fromordinal(d) for d in data["due"]),
        principal_unpaid_minor=tuple(data["pu"]),
        other_unpaid_minor=tuple(data["ou"]),
        pricing=AccrualPricing(*numbers, rounding=Rounding(rounding)),
    )


@dataclass(frozen=True, slots=True)
class LoanPosition:
    """What the rules for a new event read of a loan as it stands (`validation.validate_event`): a
    `LoanState`'s headline figures without its installments, which the fast path need not build."""

    status: LoanStatus
    interest_receivable: Money
    penalty_receivable: Money
    fee_receivable: Money
    credit_balance: Money


@dataclass(frozen=True, slots=True)
class LoanHeadline:
    """A loan's figures without its installments: all a command stores and answers with (the loan's
    snapshot row, its brief view, the journal entry's totals). Building the installments is most of
    the cost of a `LoanState`, and a repayment reads none of them (`view.headline_of`)."""

    loan_id: str
    as_of: date  # after every event dated on or before it, and the accrual of every day before it
    status: LoanStatus
    principal_outstanding: Money
    interest_receivable: Money
    penalty_receivable: Money
    fee_receivable: Money
    credit_balance: Money
    days_past_due: int
    totals: LoanTotals
    accrual: AccrualState

    @classmethod
    def of(cls, state: LoanState) -> LoanHeadline:
        """The headline of a state (a `LoanHeadline` is never equal to a `LoanState`: compare these)."""
        return LoanHeadline(**{f.name: getattr(state, f.name) for f in fields(LoanHeadline)})

    @property
    def currency(self) -> Currency:
        return self.principal_outstanding.currency

    @property
    def total_receivable(self) -> Money:
        return (
            self.principal_outstanding
            + self.interest_receivable
            + self.penalty_receivable
            + self.fee_receivable
        )


@dataclass(frozen=True, slots=True)
class LoanState(LoanHeadline):
    """A loan on a date (what `replay` returns): its headline figures and its installments."""

    installments: tuple[InstallmentState, ...]


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    """What clears the loan on `on`: interest only for the days up to `on`, less any credit balance."""

    loan_id: str
    on: date
    principal: Money
    interest: Money
    penalty: Money
    fees: Money
    credit: Money
    total: Money
