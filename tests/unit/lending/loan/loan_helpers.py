"""Small builders for loan tests: a contract, events written as one line each, and replay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from creditline.lending.loan import EventKind, LoanContract, LoanEvent
from creditline.lending.product import Product, builtin_products
from creditline.lending.schedule import ScheduleTerms
from creditline.money import Money

CNY = "CNY"


def product() -> Product:
    return builtin_products()["revolving-consumer"]


def cny(text: str) -> Money:
    return Money.parse(text, CNY)


def contract(
    amount: str = "12000.00",
    term: int = 12,
    method: str = "equal-installment",
    rate_daily: str = "0.0005",
    disbursed: date = date(2025, 1, 15),
    the_product: Product | None = None,
) -> LoanContract:
    return LoanContract.draw(
        loan_id="L1",
        borrower_id="B1",
        line_id="LN1",
        product=the_product or product(),
        amount=cny(amount),
        term_months=term,
        method=method,
        rate_daily=Decimal(rate_daily),
        disbursed=disbursed,
    )


def contract_of(terms: ScheduleTerms, the_product: Product | None = None) -> LoanContract:
    return LoanContract.create(
        loan_id="L1", borrower_id="B1", line_id="LN1", product=the_product or product(), terms=terms
    )


class History:
    """A loan's events built one line at a time: `h.repay("2025-02-15", "1100.16")`."""

    def __init__(self, loan: LoanContract) -> None:
        self.contract = loan
        self.events: list[LoanEvent] = [loan.disbursement("e1")]

    def add(
        self,
        kind: EventKind,
        on: str | date,
        amount: str | None = None,
        reverses: str | None = None,
        **data: str,
    ) -> LoanEvent:
        day = on if isinstance(on, date) else date.fromisoformat(on)
        money = Money.parse(amount, self.contract.currency_code) if amount is not None else None
        sequence = len(self.events) + 1
        event = LoanEvent(f"e{sequence}", kind, day, sequence, money, reverses, tuple(data.items()))
        self.events.append(event)
        return event

    def repay(self, on: str | date, amount: str) -> LoanEvent:
        return self.add(EventKind.REPAYMENT, on, amount)

    def reverse(self, on: str | date, event: LoanEvent) -> LoanEvent:
        return self.add(EventKind.REVERSAL, on, reverses=event.event_id)
