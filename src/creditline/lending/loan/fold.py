"""`replay`: a loan's state on a date as a pure fold over its dated events.

Events are taken in (effective_date, sequence) order, reversed ones dropped; between events time
advances through `Book.advance`, which accrues interest and penalty and ages the loan. A day is
settled (aged, and charged off if it has come to that) after all of that day's events. A backdated or
reversed event therefore just changes the input, and every figure after it comes out right.

The fold never refuses a history: rules a new event must meet are `validate_event`'s job, on the
history as it stood. A later backdated event can make an old one moot (a waiver of penalty that a
backdated repayment already settled); the fold then applies what still can be (waives what is left).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from creditline.lending.loan.allocation import pay, waive
from creditline.lending.loan.book import Book, Row
from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.errors import DateBeforeLoanStart, InvalidEventData
from creditline.lending.loan.events import EventKind, LoanEvent, effective_history
from creditline.lending.loan.restructure import prepay, reage
from creditline.lending.loan.state import LoanState, PayoffQuote
from creditline.lending.loan.view import state_of
from creditline.lending.product_allocation import Component
from creditline.lending.schedule import EmiSolve, Reamortise
from creditline.money import Money


def replay(contract: LoanContract, events: Sequence[LoanEvent], as_of: date) -> LoanState:
    """The loan after every event dated on or before `as_of` and the accrual of every day before it."""
    return state_of(fold(contract, events, as_of), contract.terms.principal.currency)


def fold(contract: LoanContract, events: Sequence[LoanEvent], as_of: date) -> Book:
    start = contract.terms.disbursed
    if as_of < start:
        raise DateBeforeLoanStart(f"{as_of} is before the loan began on {start}", field="as_of")
    history = effective_history(events)
    if not history or history[0].kind is not EventKind.DISBURSEMENT:
        raise InvalidEventData("a loan's history starts with its disbursement", field="events")
    book = Book(contract.loan_id, contract.pricing, start)
    for event in history:
        if event.effective_date > as_of:
            break
        if event.effective_date > book.day:
            book.settle()  # the end of the previous event day, after all its events
            book.advance(event.effective_date)
        apply(book, contract, event)
    book.settle()
    if as_of > book.day:
        book.advance(as_of)
        book.settle()
    return book


def apply(book: Book, contract: LoanContract, event: LoanEvent) -> None:
    amount = event.amount.minor if event.amount is not None else 0
    kind = event.kind
    rule = contract.product.allocation
    if kind is EventKind.DISBURSEMENT:
        _disburse(book, contract, amount)
    elif kind is EventKind.REPAYMENT:
        _to_credit(book, pay(book, rule, amount))
    elif kind is EventKind.PREPAYMENT_REAMORTISE:
        mode = Reamortise(event.datum("mode", Reamortise.KEEP_TERM.value))
        _to_credit(book, prepay(book, contract.terms, rule, amount, mode))
    elif kind is EventKind.WAIVER:
        waive(book, Component(event.datum("component", Component.INTEREST.value)), amount)
    elif kind is EventKind.FEE:
        _charge_fee(book, amount)
    elif kind is EventKind.REAGE:
        if not book.written_off:
            # A re-age recorded before re-ages solved over the actual days carries no solve: the loan's own.
            solve = event.datum("emi_solve") or contract.terms.emi_solve.value
            reage(book, contract.terms, int(event.datum("installments", "1") or 1), EmiSolve(solve))
    elif kind is EventKind.WRITE_OFF:
        write_off(book)
    elif kind is EventKind.CREDIT_REFUND:
        refunded = min(amount, book.credit)
        book.credit -= refunded
        book.credit_refunded += refunded
    _apply_credit(book, contract)


def _disburse(book: Book, contract: LoanContract, amount: int) -> None:
    assert amount == contract.terms.principal.minor, "a loan disburses its principal, once"
    book.disbursed = amount
    book.rows = [
        Row(row.n, row.start_date, row.due_date, row.principal.minor) for row in contract.schedule.rows
    ]


def _to_credit(book: Book, left: int) -> None:
    book.credit += left
    book.overpaid += left


def _apply_credit(book: Book, contract: LoanContract) -> None:
    """A credit balance settles whatever the loan owes as soon as it owes it (after a reversal, say)."""
    if book.credit > 0 and not book.written_off and book.owes_anything():
        used = book.credit - pay(book, contract.product.allocation, book.credit)
        book.credit -= used
        book.credit_applied += used


def _charge_fee(book: Book, amount: int) -> None:
    if book.written_off or not book.rows:
        return
    row = book.open_row() or book.rows[-1]
    row.fee_due += amount


def write_off(book: Book) -> None:
    """Take every unpaid amount off the books; the loan stops accruing for good."""
    open_row = book.open_row()
    running = book.running_interest()
    for row in book.rows:
        row.principal_written_off += row.principal_unpaid()
        row.interest_written_off += row.interest_unpaid(running if row is open_row else 0)
        row.fee_written_off += row.fee_unpaid()
    book.penalty_written_off += book.penalty_unpaid()
    book.written_off = True


def payoff_quote(contract: LoanContract, events: Sequence[LoanEvent], on: date) -> PayoffQuote:
    """What a borrower pays on `on` to clear the loan: interest only for the days before `on`."""
    state = replay(contract, events, on)
    cur = state.currency
    owed = state.total_receivable
    total = (owed - state.credit_balance).max(Money.zero(cur))
    return PayoffQuote(
        loan_id=contract.loan_id,
        on=on,
        principal=state.principal_outstanding,
        interest=state.interest_receivable,
        penalty=state.penalty_receivable,
        fees=state.fee_receivable,
        credit=state.credit_balance,
        total=total,
    )
