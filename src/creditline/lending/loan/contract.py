"""What a loan was agreed as: its product (version), schedule terms and the schedule they build."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from creditline.lending.loan.events import EventKind, LoanEvent
from creditline.lending.loan.pricing import AccrualPricing, accrual_pricing, check_engine_terms
from creditline.lending.product import Product
from creditline.lending.product_errors import AprAboveCap, DrawdownAboveMaximum
from creditline.lending.schedule import Method, Schedule, ScheduleTerms, build_schedule
from creditline.money import Money


@dataclass(frozen=True, slots=True)
class LoanContract:
    loan_id: str
    borrower_id: str
    line_id: str
    product: Product
    terms: ScheduleTerms
    schedule: Schedule

    def __post_init__(self) -> None:
        check_engine_terms(self.terms)
        assert self.schedule.terms == self.terms, "the schedule is the one its terms build"

    @classmethod
    def create(
        cls, *, loan_id: str, borrower_id: str, line_id: str, product: Product, terms: ScheduleTerms
    ) -> LoanContract:
        return cls(loan_id, borrower_id, line_id, product, terms, build_schedule(terms))

    @classmethod
    def draw(
        cls,
        *,
        loan_id: str,
        borrower_id: str,
        line_id: str,
        product: Product,
        amount: Money,
        term_months: int,
        method: Method | str,
        rate_daily: Decimal,
        disbursed: date,
    ) -> LoanContract:
        """A drawdown under `product`, checked against what it offers (typed errors otherwise)."""
        terms = product.schedule_terms(amount, term_months, method, rate_daily, disbursed)
        contract = cls.create(
            loan_id=loan_id, borrower_id=borrower_id, line_id=line_id, product=product, terms=terms
        )
        _check_apr_cap(contract)
        _check_accrual_headroom(contract)
        return contract

    @property
    def currency_code(self) -> str:
        return self.terms.principal.currency.code

    def identity(self) -> dict[str, str | int]:
        """Whose loan it is and under which product: the loan's fixed columns and its views' first fields."""
        return {
            "loan_id": self.loan_id,
            "borrower_id": self.borrower_id,
            "line_id": self.line_id,
            "product_id": self.product.product_id,
            "product_version": self.product.version,
            "currency": self.currency_code,
        }

    @property
    def pricing(self) -> AccrualPricing:
        product = self.product
        return accrual_pricing(
            self.terms, product.penalty_rate_multiplier, product.grace_days, product.charge_off_days
        )

    def disbursement(self, event_id: str, sequence: int = 1) -> LoanEvent:
        """The event that starts the loan: its principal, on its disbursement date."""
        return LoanEvent(
            event_id, EventKind.DISBURSEMENT, self.terms.disbursed, sequence, self.terms.principal
        )


def _check_accrual_headroom(contract: LoanContract) -> None:
    """Refuse a loan end of day could not accrue exactly (its batch would overflow int64 and stop the day)."""
    from creditline.lending.loan.batch import principal_room_minor

    principal = contract.terms.principal
    room = principal_room_minor(contract.pricing)
    if principal.minor > room:
        most = Money.of_minor(room, principal.currency).amount_str()
        raise DrawdownAboveMaximum(
            f"{principal.amount_str()} is more than a loan at this rate can accrue exactly (at most {most})",
            field="amount",
        )


# The disclosed APR (periodic IRR × periods a year) of a daily-rate loan is close to rate × 365; only
# near the cap is it worth solving for (about a millisecond), and then the solved figure decides.
_APR_CHECK_FROM = Decimal("0.95")


def _check_apr_cap(contract: LoanContract) -> None:
    product, rate = contract.product, contract.terms.rate.value
    if rate * 366 * 100 < product.apr_cap_pct * _APR_CHECK_FROM:
        return
    from creditline.lending.apr import AprMethod, schedule_apr

    apr = schedule_apr(contract.schedule.cash_flows(), AprMethod.IRR)
    if apr.apr_pct > product.apr_cap_pct:
        raise AprAboveCap(
            f"the loan's annualised rate {apr.apr_pct_display}% is above the {product.apr_cap_pct}% cap",
            field="daily_rate",
        )
