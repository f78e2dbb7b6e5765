"""The values a schedule is built from and made of: options, terms, installments, the schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from creditline.lending.errors import (
    FirstDueNotAfterDisbursement,
    InstallmentsOutOfRange,
    OptionInvalid,
    PrincipalNotPositive,
    ScheduleTermsInvalid,
)
from creditline.money import Money, Rate, Rounding, total

INSTALLMENTS_MAX = 360
EVERY_MAX = {"monthly": 12, "weekly": 52, "daily": 366}
INSTALLMENT_MULTIPLE_MAX_MINOR = 10**12
# The longest schedule (360 installments 12 months or 366 days apart) from this date still ends in year
# 9999, the last a date can be in; a later disbursement or first due date would have due dates that do not exist.
DATE_MAX = date(9600, 12, 31)


class Method(StrEnum):
    EQUAL_INSTALLMENT = "equal-installment"  # 等额本息: level total, interest on the declining balance
    EQUAL_PRINCIPAL = "equal-principal"  # 等额本金: level principal, interest on the declining balance
    INTEREST_ONLY = "interest-only"  # 先息后本: interest each period, principal at maturity
    BULLET = "bullet"  # 到期还本付息: one payment of principal and simple interest at maturity
    FLAT = "flat"  # interest on the original principal every period


class Frequency(StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"


class InterestBasis(StrEnum):
    PERIOD = "period"  # the periodic rate (annual ÷ periods a year) whatever the period's days
    DAILY = "daily"  # balance × annual rate × days ÷ days-in-year


class DaysInYear(StrEnum):
    D360 = "360"
    D364 = "364"
    D365 = "365"
    ACTUAL = "actual"


class DaysInMonth(StrEnum):
    D30 = "30"
    ACTUAL = "actual"


class EmiSolve(StrEnum):
    NOMINAL = "nominal"  # the level installment from the nominal periodic rate
    ACTUAL = "actual"  # the level installment from each period's own rate (its days, its day count)


# Up to this many installments (the product's longest term) the nominal solve's 30-day months stay
# near the actual days: the last installment takes a few days' interest a year. Beyond it the gap grows
# with every month (a 360-month schedule at 0.05% a day ended on 611.30 against a level 15.07), so
# long schedules and re-ages solve over the actual days. Golden cases and the product keep nominal.
NOMINAL_EMI_INSTALLMENTS_MAX = 12
# Re-ageing spreads a balance over up to INSTALLMENTS_MAX new installments: always over the actual days.
REAGE_EMI_SOLVE = EmiSolve.ACTUAL


def emi_solve_for(installments: int) -> EmiSolve:
    """The solve a schedule takes when none is named: nominal over the product's terms, actual beyond."""
    return EmiSolve.NOMINAL if installments <= NOMINAL_EMI_INSTALLMENTS_MAX else EmiSolve.ACTUAL


class Reamortise(StrEnum):
    KEEP_TERM = "keep-term"
    KEEP_INSTALLMENT = "keep-installment"


_E = TypeVar("_E", bound=StrEnum)

_ENUM_FIELDS = (
    ("method", Method),
    ("frequency", Frequency),
    ("interest_basis", InterestBasis),
    ("days_in_year", DaysInYear),
    ("days_in_month", DaysInMonth),
    ("emi_solve", EmiSolve),
    ("rounding", Rounding),
)


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """Everything a schedule depends on. Validated on construction; enum fields also accept their text."""

    principal: Money
    rate: Rate
    installments: int
    disbursed: date
    method: Method = Method.EQUAL_INSTALLMENT
    frequency: Frequency = Frequency.MONTHLY
    every: int = 1
    first_due: date | None = None
    interest_basis: InterestBasis = InterestBasis.PERIOD
    days_in_year: DaysInYear = DaysInYear.ACTUAL
    days_in_month: DaysInMonth = DaysInMonth.ACTUAL
    # None: `emi_solve_for(installments)`, the one default rule (nominal up to 12 installments, actual beyond)
    emi_solve: EmiSolve | None = None
    installment_multiple_minor: int | None = None
    grace_principal: int = 0
    rounding: Rounding = Rounding.HALF_UP
    # Day of the month monthly installments fall due on (31 = month end); default: the first due
    # date's day, else the disbursement's. Re-amortisation passes the original loan's day through.
    due_day_of_month: int | None = None

    def __post_init__(self) -> None:
        for name, enum in _ENUM_FIELDS:
            if getattr(self, name) is not None or name != "emi_solve":
                object.__setattr__(self, name, as_enum(getattr(self, name), enum, name))
        if not isinstance(self.principal, Money):
            raise TypeError("ScheduleTerms.principal must be Money")
        if not isinstance(self.rate, Rate):
            raise TypeError("ScheduleTerms.rate must be a Rate")
        if self.principal.minor <= 0:
            raise PrincipalNotPositive(
                f"must be more than zero, got {self.principal.amount_str()}", field="principal"
            )
        _check_int(self.installments, "installments", 1, INSTALLMENTS_MAX, InstallmentsOutOfRange)
        if self.emi_solve is None:
            object.__setattr__(self, "emi_solve", emi_solve_for(self.installments))
        _check_date(self.disbursed, "disbursed")
        _check_int(self.every, "every", 1, EVERY_MAX[self.frequency], OptionInvalid)
        if self.first_due is not None:
            _check_date(self.first_due, "first_due")
            if self.first_due <= self.disbursed:
                raise FirstDueNotAfterDisbursement(
                    f"{self.first_due} must be after the disbursement date {self.disbursed}",
                    field="first_due",
                )
        if self.installment_multiple_minor is not None:
            _check_int(
                self.installment_multiple_minor,
                "installment_multiple",
                1,
                INSTALLMENT_MULTIPLE_MAX_MINOR,
                OptionInvalid,
            )
        _check_int(self.grace_principal, "grace_principal", 0, self.installments - 1, OptionInvalid)
        if self.due_day_of_month is not None:
            _check_int(self.due_day_of_month, "due_day_of_month", 1, 31, OptionInvalid)

    @property
    def anchor_day(self) -> int:
        """The day of the month monthly due dates roll on."""
        if self.due_day_of_month is not None:
            return self.due_day_of_month
        return (self.first_due or self.disbursed).day

    @property
    def currency_code(self) -> str:
        return self.principal.currency.code


def as_enum(value: object, enum: type[_E], name: str) -> _E:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise OptionInvalid(f"{value!r} is not one of {allowed}", field=name) from None


def _check_int(value: object, name: str, low: int, high: int, error: type[ScheduleTermsInvalid]) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"must be a whole number, got {value!r}", field=name)
    if not low <= value <= high:
        raise error(f"must be from {low} to {high}, got {value}", field=name)


def _check_date(value: object, name: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise OptionInvalid(f"must be a date, got {value!r}", field=name)
    if value > DATE_MAX:
        raise OptionInvalid(f"must be on or before {DATE_MAX}, got {value}", field=name)


@dataclass(frozen=True, slots=True)
class Installment:
    """One repayment: what falls due on `due_date` for the period [start_date, due_date)."""

    n: int
    start_date: date
    due_date: date
    days: int  # calendar days in the period
    principal: Money
    interest: Money
    balance_after: Money

    @property
    def total(self) -> Money:
        return self.principal + self.interest


@dataclass(frozen=True, slots=True)
class Schedule:
    terms: ScheduleTerms
    rows: tuple[Installment, ...]

    @property
    def total_principal(self) -> Money:
        return total((row.principal for row in self.rows), self.terms.principal.currency)

    @property
    def total_interest(self) -> Money:
        return total((row.interest for row in self.rows), self.terms.principal.currency)

    @property
    def total_payment(self) -> Money:
        return self.total_principal + self.total_interest

    @property
    def maturity(self) -> date:
        return self.rows[-1].due_date

    def cash_flows(self) -> list[tuple[date, Money]]:
        """The advance as a negative flow on the disbursement date, then each installment, for APR."""
        flows = [(self.rows[0].start_date, -self.total_principal)]
        flows.extend((row.due_date, row.total) for row in self.rows)
        return flows
