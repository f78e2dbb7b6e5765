"""Repayment allocation: which receivable each unit of a payment settles (rules in `product_allocation`).

A payment is laid out as an ordered list of buckets — (component, installment) pairs, penalty being one
loan-level bucket — and fills them in turn. First the buckets already due (by the product's style and
order), then the installments not yet due in date order (paying ahead: the running period's interest
accrued so far, its fees, its principal, then the next installment's), and what is left beyond the
whole debt is the caller's to keep as the borrower's credit balance.
"""

from __future__ import annotations

from collections.abc import Iterator

from creditline.lending.loan.book import Book, Row
from creditline.lending.product_allocation import AllocationRule, AllocationStyle, Component

Bucket = tuple[Component, Row | None]


def due_buckets(book: Book, rule: AllocationRule) -> Iterator[Bucket]:
    due = book.due_rows()
    if rule.style is AllocationStyle.DUE_FIRST:
        for component in rule.order:
            if component is Component.PENALTY:
                yield component, None
            else:
                yield from ((component, row) for row in due)
        return
    if not due:
        yield Component.PENALTY, None
    for index, row in enumerate(due):
        for component in rule.order:
            if component is not Component.PENALTY:
                yield component, row
            elif index == 0:
                yield component, None


def ahead_buckets(book: Book, rule: AllocationRule, *, principal: bool = True) -> Iterator[Bucket]:
    for row in book.ahead_rows():
        for component in rule.ahead_order:
            if principal or component is not Component.PRINCIPAL:
                yield component, row


def outstanding(book: Book, bucket: Bucket) -> int:
    component, row = bucket
    if row is None:
        return book.penalty_unpaid()
    if component is Component.PRINCIPAL:
        return row.principal_unpaid()
    if component is Component.INTEREST:
        return row.interest_unpaid(book.running_for(row))
    return row.fee_unpaid()


def settle(book: Book, bucket: Bucket, amount_minor: int) -> None:
    component, row = bucket
    if row is None:
        book.penalty_paid += amount_minor
    elif component is Component.PRINCIPAL:
        row.principal_paid += amount_minor
    elif component is Component.INTEREST:
        row.interest_paid += amount_minor
    else:
        row.fee_paid += amount_minor


def fill(book: Book, buckets: Iterator[Bucket], amount_minor: int) -> int:
    """Pay `amount_minor` into the buckets in order; return what is left over."""
    left = amount_minor
    for bucket in buckets:
        if left == 0:
            break
        owed = outstanding(book, bucket)
        if owed > 0:
            paid = min(owed, left)
            settle(book, bucket, paid)
            left -= paid
    assert left >= 0, "a payment never settles more than it brings"
    return left


def pay(book: Book, rule: AllocationRule, amount_minor: int) -> int:
    """A repayment: what is due, then ahead; returns the part beyond the whole debt."""
    left = fill(book, due_buckets(book, rule), amount_minor)
    return fill(book, ahead_buckets(book, rule), left)


def waive(book: Book, component: Component, amount_minor: int) -> int:
    """Give up up to `amount_minor` of one receivable, oldest installment first; return what was waived."""
    if component is Component.PENALTY:
        waived = min(amount_minor, book.penalty_unpaid())
        book.penalty_waived += waived
        return waived
    assert component in (Component.INTEREST, Component.FEE), "principal is written off, not waived"
    left = amount_minor
    for row in book.iter_rows_by_due():
        if left == 0:
            break
        if component is Component.INTEREST:
            part = min(left, row.interest_unpaid(book.running_for(row)))
            row.interest_waived += part
        else:
            part = min(left, row.fee_unpaid())
            row.fee_waived += part
        left -= part
    return amount_minor - left
