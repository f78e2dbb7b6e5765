"""Changing a loan's remaining schedule: partial prepayment with re-amortisation, and re-ageing.

Both call the schedule's `reamortise` on the loan's own calendar, so the new due dates continue the
old ones. Only the principal of the new rows is taken from the new schedule; interest keeps accruing
day by day on the actual balance, as for every loan.
"""

from __future__ import annotations

from creditline.errors import DomainError
from creditline.lending.loan.allocation import ahead_buckets, due_buckets, fill
from creditline.lending.loan.book import Book, Row
from creditline.lending.product_allocation import AllocationRule
from creditline.lending.schedule import (
    EmiSolve,
    Method,
    Reamortise,
    Schedule,
    ScheduleTerms,
    level_from,
    reamortise,
)
from creditline.lending.schedule_terms import REAGE_EMI_SOLVE
from creditline.money import Money


def prepay(
    book: Book, terms: ScheduleTerms, rule: AllocationRule, amount_minor: int, mode: Reamortise
) -> int:
    """Pay what is due and the interest accrued so far, then prepay principal and re-amortise the rest.

    Returns what is left beyond the whole debt (the caller keeps it as credit).
    """
    left = fill(book, due_buckets(book, rule), amount_minor)
    left = fill(book, ahead_buckets(book, rule, principal=False), left)
    ahead = book.ahead_rows()
    not_due = sum(row.principal_unpaid() for row in ahead)
    if left == 0 or not_due == 0:
        return left
    if left >= not_due:
        return fill(book, ahead_buckets(book, rule), left)
    open_row = ahead[0]
    arrears_interest, arrears_fee = _merge_into(open_row, ahead[1:])
    open_row.principal_paid += left
    schedule = _reamortised(book, terms, not_due - left, len(ahead), mode)
    first, *rest = schedule.rows
    open_row.principal_due = open_row.principal_paid + open_row.principal_written_off + first.principal.minor
    open_row.due = first.due_date
    new_rows = [
        Row(open_row.n + i, r.start_date, r.due_date, r.principal.minor) for i, r in enumerate(rest, 1)
    ]
    _spread(new_rows or [open_row], arrears_interest, arrears_fee)
    book.rows = [row for row in book.rows if row.closed] + [open_row, *new_rows]
    return 0


def _merge_into(target: Row, rows: list[Row]) -> tuple[int, int]:
    """Fold what was settled on `rows` into `target`; return their unpaid interest and fees (arrears)."""
    arrears_interest = arrears_fee = 0
    for row in rows:
        target.principal_due += row.principal_paid + row.principal_written_off
        target.principal_paid += row.principal_paid
        target.principal_written_off += row.principal_written_off
        interest_unpaid, fee_unpaid = row.interest_unpaid(), row.fee_unpaid()
        target.interest_due += row.interest_due - interest_unpaid
        target.interest_paid += row.interest_paid
        target.interest_waived += row.interest_waived
        target.interest_written_off += row.interest_written_off
        target.fee_due += row.fee_due - fee_unpaid
        target.fee_paid += row.fee_paid
        target.fee_waived += row.fee_waived
        target.fee_written_off += row.fee_written_off
        arrears_interest += interest_unpaid
        arrears_fee += fee_unpaid
    return arrears_interest, arrears_fee


def _spread(rows: list[Row], interest_minor: int, fee_minor: int) -> None:
    """Add arrears evenly over `rows`, earlier rows taking the odd minor units."""
    count = len(rows)
    for index, row in enumerate(rows):
        row.interest_due += interest_minor // count + (1 if index < interest_minor % count else 0)
        row.fee_due += fee_minor // count + (1 if index < fee_minor % count else 0)


def _reamortised(
    book: Book, terms: ScheduleTerms, outstanding_minor: int, count: int, mode: Reamortise
) -> Schedule:
    outstanding = Money(outstanding_minor, terms.principal.currency)
    level = Money(book.level_minor, terms.principal.currency) if book.level_minor else None
    schedule: Schedule | None = None
    if mode is Reamortise.KEEP_INSTALLMENT and terms.method in (
        Method.EQUAL_INSTALLMENT,
        Method.EQUAL_PRINCIPAL,
    ):
        try:
            schedule = reamortise(
                terms,
                from_date=book.day,
                outstanding=outstanding,
                installments_left=count,
                mode=mode,
                current_installment=level,
            )
        except DomainError:
            schedule = None  # the kept installment cannot repay the balance: keep the term instead
    if schedule is None:
        schedule = reamortise(
            terms,
            from_date=book.day,
            outstanding=outstanding,
            installments_left=count,
            mode=Reamortise.KEEP_TERM,
        )
        book.level_minor = _level_of(schedule)
    return schedule


def _level_of(schedule: Schedule) -> int:
    # Row 1 on: the first new row can be a broken period (the rest of the one the change fell in).
    return level_from(schedule, 1 if len(schedule.rows) > 1 else 0)


def reage_data(installments: int) -> tuple[tuple[str, str], ...]:
    """A re-age event's data: its installments and its solve, kept so the re-age replays as it was made."""
    return (("installments", str(installments)), ("emi_solve", REAGE_EMI_SOLVE.value))


def reage(
    book: Book, terms: ScheduleTerms, installments: int, emi_solve: EmiSolve = REAGE_EMI_SOLVE
) -> None:
    """Spread everything unpaid over `installments` new installments starting today (hardship).

    The level installment is solved over the actual days of the new periods (`emi_solve`; a re-age
    recorded before it was, replays with the loan's own solve, see `fold.apply`).

    Principal is re-amortised; unpaid interest and fees become arrears added evenly to the new
    installments (no interest on interest); the running period closes today. Penalty already accrued
    stays a loan-level receivable, settled first by the next payment. Days past due restart at zero.
    """
    principal = book.principal_outstanding()
    open_row = book.open_row()
    if open_row is not None:
        book.close_running_period(open_row)
    moved_interest = moved_fee = 0
    kept: list[Row] = []
    for row in book.rows:
        principal_unpaid, interest_unpaid, fee_unpaid = (
            row.principal_unpaid(),
            row.interest_unpaid(),
            row.fee_unpaid(),
        )
        # Every installment not yet due is taken over too, so a row is closed only once its date has come.
        if principal_unpaid or interest_unpaid or fee_unpaid or row.due > book.day:
            row.principal_due -= principal_unpaid
            row.interest_due -= interest_unpaid
            row.fee_due -= fee_unpaid
            moved_interest += interest_unpaid
            moved_fee += fee_unpaid
            row.reaged = row.closed = True
        if row.principal_due or row.interest_due or row.fee_due or not row.reaged:
            kept.append(row)
    # With no principal left (only interest or fees overdue) the new installments carry the arrears
    # alone, on the dates a schedule of the loan's calendar would have (one minor unit stands in).
    schedule = reamortise(
        terms,
        from_date=book.day,
        outstanding=Money(max(principal, 1), terms.principal.currency),
        installments_left=installments,
        mode=Reamortise.KEEP_TERM,
        emi_solve=emi_solve,
    )
    number = max((row.n for row in kept), default=0)
    new_rows = [
        Row(number + i, r.start_date, r.due_date, r.principal.minor if principal else 0)
        for i, r in enumerate(schedule.rows, 1)
    ]
    _spread(new_rows, moved_interest, moved_fee)
    book.rows = kept + new_rows
    if principal:
        book.level_minor = _level_of(schedule)
