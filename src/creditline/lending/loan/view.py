"""Between the fold's working `Book` and the frozen `LoanState`, both ways.

`state_of` freezes a book into what callers see; `book_of` thaws a state back into a book so the
one-day accrual step can move it with the very methods the fold uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from creditline.lending.loan.book import Book, Row
from creditline.lending.loan.state import (
    AccrualState,
    InstallmentState,
    InstallmentStatus,
    LoanHeadline,
    LoanPosition,
    LoanState,
    LoanStatus,
    LoanTotals,
)
from creditline.money import Currency, Money


def state_of(book: Book, cur: Currency) -> LoanState:
    running = book.running_interest()
    open_row = book.open_row()
    m = _money_of(cur)
    installments = tuple(_installment(row, book.day, m, running if row is open_row else 0) for row in book.rows)
    return LoanState(
        loan_id=book.loan_id,
        as_of=book.day,
        status=book.status,
        principal_outstanding=m(book.principal_outstanding()),
        interest_receivable=m(book.interest_receivable()),
        penalty_receivable=m(book.penalty_unpaid()),
        fee_receivable=m(book.fee_receivable()),
        credit_balance=m(book.credit),
        days_past_due=book.days_past_due,
        installments=installments,
        totals=LoanTotals(**{name: m(minor) for name, minor in totals_minor(book).items()}),
        accrual=accrual_of(book),
    )


def headline_of(book: Book, cur: Currency) -> LoanHeadline:
    """`LoanHeadline.of(state_of(book, cur))` without the installments: the totals, balances and the
    accrual snapshot's rows summed in one pass over the rows (a property test holds the two equal)."""
    running = book.running_interest()
    principal = interest = fee = 0
    fees_charged = principal_repaid = interest_repaid = fees_repaid = interest_waived = fees_waived = 0
    principal_written_off = interest_written_off = fees_written_off = 0
    accruing = []  # (due, principal unpaid, interest and fees unpaid) of the rows `accrual_of` keeps
    for row in book.rows:
        row_principal = row.principal_due - row.principal_paid - row.principal_written_off
        row_interest = row.interest_due - row.interest_paid - row.interest_waived - row.interest_written_off
        row_fee = row.fee_due - row.fee_paid - row.fee_waived - row.fee_written_off
        principal, interest, fee = principal + row_principal, interest + row_interest, fee + row_fee
        if not row.reaged and (not row.closed or row_principal + row_interest + row_fee > 0):
            accruing.append((row.due, row_principal, row_interest + row_fee))
        fees_charged += row.fee_due
        principal_repaid += row.principal_paid
        interest_repaid += row.interest_paid
        fees_repaid += row.fee_paid
        interest_waived += row.interest_waived
        fees_waived += row.fee_waived
        principal_written_off += row.principal_written_off
        interest_written_off += row.interest_written_off
        fees_written_off += row.fee_written_off
    m = _money_of(cur)
    penalty_accrued = book.penalty_accrued()
    totals = LoanTotals(
        disbursed=m(book.disbursed),
        interest_accrued=m(book.interest_closed + running),
        penalty_accrued=m(penalty_accrued),
        fees_charged=m(fees_charged),
        principal_repaid=m(principal_repaid),
        interest_repaid=m(interest_repaid),
        penalty_repaid=m(book.penalty_paid),
        fees_repaid=m(fees_repaid),
        overpaid=m(book.overpaid),
        credit_applied=m(book.credit_applied),
        credit_refunded=m(book.credit_refunded),
        interest_waived=m(interest_waived),
        penalty_waived=m(book.penalty_waived),
        fees_waived=m(fees_waived),
        principal_written_off=m(principal_written_off),
        interest_written_off=m(interest_written_off),
        penalty_written_off=m(book.penalty_written_off),
        fees_written_off=m(fees_written_off),
    )
    penalty = penalty_accrued - book.penalty_paid - book.penalty_waived - book.penalty_written_off
    return LoanHeadline(
        book.loan_id, book.day, book.status, m(principal), m(interest + running), m(penalty), m(fee),
        m(book.credit), book.days_past_due, totals, _accrual(book, accruing, penalty_accrued),
    )  # fmt: skip


def _accrual(book: Book, accruing: list[tuple[date, int, int]], penalty_accrued: int) -> AccrualState:
    """`accrual_of(book)` from its rows' figures (`headline_of`): the same rows in the same order."""
    accruing.sort(key=_due)  # stable, as `accrual_of`'s sort of the rows before it filters them
    due_dates, principal_unpaid, other_unpaid = zip(*accruing, strict=True) if accruing else ((), (), ())
    return AccrualState(
        as_of=book.day,
        status=book.status,
        days_past_due=book.days_past_due,
        oldest_unpaid_due=book.oldest_unpaid_due,
        interest_accrued_minor=book.interest_closed + book.running_interest(),
        interest_exact=book.interest_exact,
        penalty_accrued_minor=penalty_accrued,
        penalty_exact=book.penalty_exact,
        due_dates=due_dates,
        principal_unpaid_minor=principal_unpaid,
        other_unpaid_minor=other_unpaid,
        pricing=book.pricing,
    )


def _due(figures: tuple[date, int, int]) -> date:
    return figures[0]


def position_of(book: Book, cur: Currency) -> LoanPosition:
    """The book's status and what it owes, as `state_of` gives them, without its installments."""
    interest = fee = 0
    for row in book.rows:  # one pass (it runs before every command's event)
        interest += row.interest_due - row.interest_paid - row.interest_waived - row.interest_written_off
        fee += row.fee_due - row.fee_paid - row.fee_waived - row.fee_written_off
    m = _money_of(cur)
    return LoanPosition(
        status=book.status,
        interest_receivable=m(interest + book.running_interest()),
        penalty_receivable=m(book.penalty_unpaid()),
        fee_receivable=m(fee),
        credit_balance=m(book.credit),
    )


def totals_minor(book: Book) -> dict[str, int]:
    rows = book.rows
    return {
        "disbursed": book.disbursed,
        "interest_accrued": book.interest_closed + book.running_interest(),
        "penalty_accrued": book.penalty_accrued(),
        "fees_charged": sum(r.fee_due for r in rows),
        "principal_repaid": sum(r.principal_paid for r in rows),
        "interest_repaid": sum(r.interest_paid for r in rows),
        "penalty_repaid": book.penalty_paid,
        "fees_repaid": sum(r.fee_paid for r in rows),
        "overpaid": book.overpaid,
        "credit_applied": book.credit_applied,
        "credit_refunded": book.credit_refunded,
        "interest_waived": sum(r.interest_waived for r in rows),
        "penalty_waived": book.penalty_waived,
        "fees_waived": sum(r.fee_waived for r in rows),
        "principal_written_off": sum(r.principal_written_off for r in rows),
        "interest_written_off": sum(r.interest_written_off for r in rows),
        "penalty_written_off": book.penalty_written_off,
        "fees_written_off": sum(r.fee_written_off for r in rows),
    }


def _installment(row: Row, day: date, m: Callable[[int], Money], running: int) -> InstallmentState:
    return InstallmentState(
        n=row.n,
        start_date=row.start,
        due_date=row.due,
        principal_due=m(row.principal_due),
        interest_due=m(row.interest_due + running),
        fee_due=m(row.fee_due),
        principal_paid=m(row.principal_paid),
        interest_paid=m(row.interest_paid),
        fee_paid=m(row.fee_paid),
        interest_waived=m(row.interest_waived),
        fee_waived=m(row.fee_waived),
        principal_written_off=m(row.principal_written_off),
        interest_written_off=m(row.interest_written_off),
        fee_written_off=m(row.fee_written_off),
        status=row_status(row, day, running),
    )


_CACHES: dict[Currency, dict[int, Money]] = {}
_CACHE_SIZE_MAX = 4096


def _money_of(cur: Currency) -> Callable[[int], Money]:
    """Money in `cur` from minor units, reusing the (immutable) objects: most figures of a loan's
    state are zero or repeat from one state to the next."""
    made = _CACHES.setdefault(cur, {})
    if len(made) > _CACHE_SIZE_MAX:
        made.clear()

    def m(minor: int) -> Money:
        money = made.get(minor)
        if money is None:
            money = made[minor] = Money(minor, cur)
        return money

    return m


def row_status(row: Row, day: date, running: int) -> InstallmentStatus:
    """An installment's status on `day` (`running`: the open period's interest so far, for the open row)."""
    if row.reaged:
        return InstallmentStatus.REAGED
    unpaid = row.unpaid(running)
    if unpaid == 0:
        written_off = row.principal_written_off + row.interest_written_off + row.fee_written_off
        return InstallmentStatus.WRITTEN_OFF if written_off else InstallmentStatus.PAID
    if row.due == day:
        return InstallmentStatus.DUE
    if row.due < day:
        return InstallmentStatus.OVERDUE
    return InstallmentStatus.OPEN if row.start <= day else InstallmentStatus.FUTURE


def accrual_of(book: Book) -> AccrualState:
    day = book.day
    rows = [
        row
        for row in sorted(book.rows, key=lambda r: r.due)
        if not row.reaged and (not row.closed or row.unpaid() > 0)
    ]
    return AccrualState(
        as_of=day,
        status=book.status,
        days_past_due=book.days_past_due,
        oldest_unpaid_due=book.oldest_unpaid_due,
        interest_accrued_minor=book.interest_closed + book.running_interest(),
        interest_exact=book.interest_exact,
        penalty_accrued_minor=book.penalty_accrued(),
        penalty_exact=book.penalty_exact,
        due_dates=tuple(row.due for row in rows),
        principal_unpaid_minor=tuple(row.principal_unpaid() for row in rows),
        other_unpaid_minor=tuple(row.interest_unpaid() + row.fee_unpaid() for row in rows),
        pricing=book.pricing,
    )


def book_of(state: LoanState) -> Book:
    """A book that continues exactly where `state` left off (for stepping it forward in time)."""
    accrual = state.accrual
    book = Book(state.loan_id, accrual.pricing, state.as_of)
    book.interest_exact = accrual.interest_exact
    running = book.running_interest()
    book.rows = [_row(item, state.as_of) for item in state.installments]
    open_row = book.open_row()
    if open_row is not None:
        open_row.interest_due -= running
    totals = state.totals
    book.disbursed = totals.disbursed.minor
    book.interest_closed = totals.interest_accrued.minor - running
    book.penalty_exact = accrual.penalty_exact
    book.penalty_paid = totals.penalty_repaid.minor
    book.penalty_waived = totals.penalty_waived.minor
    book.penalty_written_off = totals.penalty_written_off.minor
    book.credit = state.credit_balance.minor
    book.overpaid = totals.overpaid.minor
    book.credit_applied = totals.credit_applied.minor
    book.credit_refunded = totals.credit_refunded.minor
    book.written_off = state.status is LoanStatus.WRITTEN_OFF
    book.charged_off = state.status is LoanStatus.CHARGED_OFF
    book.status = state.status
    book.days_past_due = state.days_past_due
    book.oldest_unpaid_due = accrual.oldest_unpaid_due
    return book


def _row(item: InstallmentState, day: date) -> Row:
    row = Row(
        item.n,
        item.start_date,
        item.due_date,
        item.principal_due.minor,
        item.interest_due.minor,
        item.fee_due.minor,
    )
    row.principal_paid = item.principal_paid.minor
    row.interest_paid = item.interest_paid.minor
    row.fee_paid = item.fee_paid.minor
    row.interest_waived = item.interest_waived.minor
    row.fee_waived = item.fee_waived.minor
    row.principal_written_off = item.principal_written_off.minor
    row.interest_written_off = item.interest_written_off.minor
    row.fee_written_off = item.fee_written_off.minor
    row.reaged = item.status is InstallmentStatus.REAGED
    row.closed = row.reaged or item.due_date <= day
    return row
