"""A credit line and its loans driven at random: draws, repayments (some backdated), reversals,
waivers, prepayments, limit changes and days passing. After every step every invariant holds: no
negative balance, available never above the limit, the line's outstanding principal equal to its
loans', every loan's end-of-day snapshot equal to the replay of its events, and the numpy batch
equal to the per-loan step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from loan_strategies import check_invariants

from creditline.errors import DomainError
from creditline.lending.credit_line import CreditLine, LineStatus, open_line
from creditline.lending.loan import (
    AccrualBatch,
    EventKind,
    LoanContract,
    LoanEvent,
    LoanState,
    accrue_batch,
    accrue_one_day,
    replay,
    validate_event,
)
from creditline.lending.product import builtin_products
from creditline.money import Money

ONE_DAY = timedelta(days=1)


class Loan:
    def __init__(self, contract: LoanContract, state: LoanState) -> None:
        self.contract = contract
        self.events: list[LoanEvent] = [contract.disbursement("d")]
        self.state = state


class LendingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.product = builtin_products()["revolving-consumer"]
        self.today = date(2025, 1, 1)
        self.line: CreditLine = open_line(
            line_id="LN",
            borrower_id="B",
            product_id=self.product.product_id,
            limit=Money.parse("60000.00", "CNY"),
            on=self.today,
            reason="approved",
        )[0]
        self.loans: list[Loan] = []
        self.next_id = 0

    def money(self, minor: int) -> Money:
        return Money(minor, self.product.currency)

    # -- the line -----------------------------------------------------------------------------------
    @rule(
        minor=st.integers(min_value=10_000, max_value=3_000_000),
        term=st.sampled_from([3, 6, 12]),
        method=st.sampled_from(["equal-installment", "equal-principal"]),
        rate=st.sampled_from(["0.0002", "0.00035", "0.0005", "0.0006"]),
    )
    def draw(self, minor: int, term: int, method: str, rate: str) -> None:
        amount = self.money(minor)
        self.next_id += 1
        try:
            contract = LoanContract.draw(
                loan_id=f"L{self.next_id}",
                borrower_id="B",
                line_id="LN",
                product=self.product,
                amount=amount,
                term_months=term,
                method=method,
                rate_daily=Decimal(rate),
                disbursed=self.today,
            )
            reserved = self.line.reserve(amount, self.today)
        except DomainError:
            assert (
                amount > self.line.available(self.today)
                or self.line.status is not LineStatus.ACTIVE
                or amount < self.product.drawdown_min
            )
            return
        self.line = reserved.book_drawdown(amount)
        loan = Loan(contract, replay(contract, [contract.disbursement("d")], self.today))
        self.loans.append(loan)

    @rule(minor=st.integers(min_value=0, max_value=8_000_000))
    def change_limit(self, minor: int) -> None:
        if self.line.status is not LineStatus.CLOSED and minor != self.line.limit.minor:
            self.line, _ = self.line.change_limit(self.money(minor), self.today, "review")

    @rule()
    def freeze_or_unfreeze(self) -> None:
        if self.line.status is LineStatus.ACTIVE:
            self.line, _ = self.line.freeze(self.today, "alert")
        elif self.line.status is LineStatus.FROZEN:
            self.line, _ = self.line.unfreeze(self.today, "cleared")

    # -- loan events --------------------------------------------------------------------------------
    def record(
        self,
        loan: Loan,
        kind: EventKind,
        back_days: int,
        amount: Money | None = None,
        reverses: str | None = None,
        **data: str,
    ) -> None:
        on = max(self.today - timedelta(days=back_days), loan.contract.terms.disbursed)
        sequence = len(loan.events) + 1
        event = LoanEvent(
            f"{loan.contract.loan_id}-{sequence}", kind, on, sequence, amount, reverses, tuple(data.items())
        )
        try:
            validate_event(loan.contract, loan.events, event, self.today)
        except DomainError:
            return
        loan.events.append(event)
        state = replay(loan.contract, loan.events, self.today)
        change = state.principal_outstanding - loan.state.principal_outstanding
        if change.is_negative():
            self.line = self.line.restore(-change)
        elif change.is_positive():
            self.line = self.line.reclaim(change)
        loan.state = state

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), minor=st.integers(min_value=1, max_value=2_000_000), back_days=st.integers(0, 30))
    def repay(self, data: st.DataObject, minor: int, back_days: int) -> None:
        loan = data.draw(st.sampled_from(self.loans))
        self.record(loan, EventKind.REPAYMENT, back_days, self.money(minor))

    @precondition(lambda self: self.loans)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        loan = data.draw(st.sampled_from(self.loans))
        payments = [e.event_id for e in loan.events if e.kind is EventKind.REPAYMENT]
        if payments:
            self.record(loan, EventKind.REVERSAL, 0, reverses=data.draw(st.sampled_from(payments)))

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), component=st.sampled_from(["interest", "penalty"]), minor=st.integers(1, 5_000))
    def waive(self, data: st.DataObject, component: str, minor: int) -> None:
        loan = data.draw(st.sampled_from(self.loans))
        self.record(loan, EventKind.WAIVER, 0, self.money(minor), component=component)

    @precondition(lambda self: self.loans)
    @rule(
        data=st.data(),
        minor=st.integers(1, 1_000_000),
        mode=st.sampled_from(["keep-term", "keep-installment"]),
    )
    def prepay(self, data: st.DataObject, minor: int, mode: str) -> None:
        loan = data.draw(st.sampled_from(self.loans))
        self.record(loan, EventKind.PREPAYMENT_REAMORTISE, 0, self.money(minor), mode=mode)

    @precondition(lambda self: self.loans)
    @rule(data=st.data(), installments=st.integers(1, 12))
    def reage(self, data: st.DataObject, installments: int) -> None:
        loan = data.draw(st.sampled_from(self.loans))
        self.record(loan, EventKind.REAGE, 0, installments=str(installments))

    # -- time ---------------------------------------------------------------------------------------
    @rule(days=st.integers(min_value=1, max_value=45))
    def end_of_day(self, days: int) -> None:
        for _ in range(days):
            batch = (
                AccrualBatch.from_states([loan.state.accrual for loan in self.loans]) if self.loans else None
            )
            for loan in self.loans:
                loan.state = accrue_one_day(loan.state)
            if batch is not None:
                stepped = accrue_batch(batch)
                assert stepped.states() == [loan.state.accrual for loan in self.loans]
            self.today += ONE_DAY

    # -- what must always hold ----------------------------------------------------------------------
    @invariant()
    def loans_equal_their_replay(self) -> None:
        for loan in self.loans:
            assert loan.state == replay(loan.contract, loan.events, self.today)
            check_invariants(loan.state)

    @invariant()
    def the_line_adds_up(self) -> None:
        owed = sum((loan.state.principal_outstanding for loan in self.loans), self.money(0))
        assert self.line.outstanding_principal == owed
        available = self.line.available(self.today)
        assert not available.is_negative()
        assert available <= self.line.effective_limit(self.today)
        assert self.line.pending_drawdowns.is_zero()


LendingMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
test_lending_machine = LendingMachine.TestCase
