"""The fold's working state: a loan's installments and loan-level balances, in integer minor units.

Private to the loan package. `replay` builds one from nothing and feeds it the events; the one-day
step rebuilds one from a `LoanState`. Either way the same methods move it forward, so the two
cannot disagree. Time moves in segments over which nothing changes (no due date, no event, no
penalty or charge-off threshold), and each segment adds exact integers, so accruing a segment at once
equals accruing it a day at a time.

Rules the methods keep:
- a unit of principal accrues either contract interest (not yet due), or nothing (due, within the
  grace days), or penalty interest (due for more than the grace days), never two at once;
- a period's interest is rounded once, when its installment falls due; before that the recognised
  amount is the running total rounded, so daily postings add up to exactly the period's figure;
- penalty is kept for the loan as a whole, its recognised amount always the exact total rounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from creditline.lending.loan.pricing import AccrualPricing
from creditline.lending.loan.state import LoanStatus


class Row:
    """One installment while the fold works on it (see `InstallmentState` for the frozen view)."""

    __slots__ = (
        "closed",
        "due",
        "fee_due",
        "fee_paid",
        "fee_waived",
        "fee_written_off",
        "interest_due",
        "interest_paid",
        "interest_waived",
        "interest_written_off",
        "n",
        "principal_due",
        "principal_paid",
        "principal_written_off",
        "reaged",
        "start",
    )

    def __init__(
        self, n: int, start: date, due: date, principal_due: int, interest_due: int = 0, fee_due: int = 0
    ):
        self.n, self.start, self.due = n, start, due
        self.principal_due, self.principal_paid, self.principal_written_off = principal_due, 0, 0
        # Closed rows: the period's rounded interest plus arrears moved in; open ones: the arrears only.
        self.interest_due, self.interest_paid, self.interest_waived, self.interest_written_off = (
            interest_due,
            0,
            0,
            0,
        )
        self.fee_due, self.fee_paid, self.fee_waived, self.fee_written_off = fee_due, 0, 0, 0
        self.closed = False  # its due date has come (or a re-age took it over)
        self.reaged = False

    def principal_unpaid(self) -> int:
        return self.principal_due - self.principal_paid - self.principal_written_off

    def interest_unpaid(self, running_minor: int = 0) -> int:
        return (
            self.interest_due
            + running_minor
            - self.interest_paid
            - self.interest_waived
            - self.interest_written_off
        )

    def fee_unpaid(self) -> int:
        return self.fee_due - self.fee_paid - self.fee_waived - self.fee_written_off

    def unpaid(self, running_minor: int = 0) -> int:
        return self.principal_unpaid() + self.interest_unpaid(running_minor) + self.fee_unpaid()


class Book:
    def __init__(self, loan_id: str, pricing: AccrualPricing, day: date) -> None:
        self.loan_id = loan_id
        self.pricing = pricing
        self.day = day
        self.rows: list[Row] = []
        self.disbursed = 0
        self.interest_exact = 0  # the running period, over pricing.interest_denominator
        self.interest_closed = 0  # rounded interest of every period already closed
        self.penalty_exact = 0  # every day's penalty ever, over pricing.penalty_denominator
        self.penalty_paid = self.penalty_waived = self.penalty_written_off = 0
        self.credit = self.overpaid = self.credit_applied = self.credit_refunded = 0
        self.charged_off = False
        self.charged_off_on: date | None = None  # the day it was decided: that day's later events may undo it
        self.written_off = False
        self.level_minor: int | None = None  # the installment kept by keep-installment prepayments
        self.status = LoanStatus.ACTIVE
        self.days_past_due = 0
        self.oldest_unpaid_due: date | None = None

    # -- reading ---------------------------------------------------------------------------------
    def open_row(self) -> Row | None:
        for row in self.rows:
            if not row.closed:
                return row
        return None

    def ahead_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.closed]

    def due_rows(self) -> list[Row]:
        """Installments already due with something unpaid, oldest first."""
        rows = [row for row in self.rows if row.closed and not row.reaged and row.unpaid() > 0]
        return sorted(rows, key=lambda row: row.due)

    def running_interest(self) -> int:
        """The running period's interest recognised so far: its exact total, rounded."""
        return self.pricing.round_interest(self.interest_exact)

    def running_for(self, row: Row) -> int:
        return self.running_interest() if row is self.open_row() else 0

    def penalty_accrued(self) -> int:
        return self.pricing.round_penalty(self.penalty_exact)

    def penalty_unpaid(self) -> int:
        return self.penalty_accrued() - self.penalty_paid - self.penalty_waived - self.penalty_written_off

    def principal_outstanding(self) -> int:
        return sum(row.principal_unpaid() for row in self.rows)

    def interest_receivable(self) -> int:
        return sum(row.interest_unpaid() for row in self.rows) + self.running_interest()

    def fee_receivable(self) -> int:
        return sum(row.fee_unpaid() for row in self.rows)

    def owes_anything(self) -> bool:
        return (
            self.principal_outstanding() > 0
            or self.interest_receivable() > 0
            or self.penalty_unpaid() > 0
            or self.fee_receivable() > 0
        )

    def accruing(self) -> bool:
        return self.disbursed > 0 and not self.written_off and not self.charged_off

    # -- time ------------------------------------------------------------------------------------
    def next_boundary(self, limit: date) -> date:
        """The first day after `self.day` (at most `limit`) on which what accrues, or how, may change."""
        stop = limit
        open_row = self.open_row()
        if open_row is not None:
            stop = min(stop, open_row.due)
        grace = self.pricing.grace_days
        for row in self.rows:
            if row.closed and not row.reaged and row.principal_unpaid() > 0:
                penalty_from = row.due + timedelta(days=grace)
                if penalty_from > self.day:
                    stop = min(stop, penalty_from)
        if self.oldest_unpaid_due is not None and not self.charged_off:
            charge_off = self.oldest_unpaid_due + timedelta(days=self.pricing.charge_off_days)
            if charge_off > self.day:
                stop = min(stop, charge_off)
        return stop

    def accrue(self, end: date) -> None:
        """Accrue the days [self.day, end), over which bases and status are constant, and move to `end`."""
        start = self.day
        assert start <= end, "time runs forward"
        if self.accruing() and start < end:
            not_due, penalised = self._bases(start)
            if not_due:
                self.interest_exact += not_due * self.pricing.interest_factor(start, end)
            if penalised:
                self.penalty_exact += penalised * self.pricing.penalty_factor(start, end)
        self.day = end

    def _bases(self, day: date) -> tuple[int, int]:
        """Principal bearing contract interest on `day`, and principal bearing penalty on it."""
        last_free_due = day - timedelta(days=self.pricing.grace_days)
        not_due = penalised = 0
        for row in self.rows:
            unpaid = row.principal_unpaid()
            if not row.closed:
                not_due += unpaid
            elif not row.reaged and row.due <= last_free_due:
                penalised += unpaid
        return not_due, penalised

    def close_due_rows(self) -> None:
        """Installments falling due today close their period: its interest is rounded, once."""
        for row in self.rows:
            if not row.closed and row.due <= self.day:
                self.close_running_period(row)

    def close_running_period(self, row: Row) -> None:
        if row is self.open_row():
            final = self.running_interest()
            row.interest_due += final
            self.interest_closed += final
            self.interest_exact = 0
        row.closed = True

    def settle(self) -> None:
        """Age the loan on `self.day`, after all that day's events: days past due, charge-off, status."""
        # One pass over the rows: this runs after every event and at every boundary of every replay.
        oldest: date | None = None
        owes = self.penalty_unpaid() > 0
        open_row, running = self.open_row(), self.running_interest()
        for row in self.rows:
            if row.unpaid(running if row is open_row else 0) > 0:
                owes = True
                if row.closed and not row.reaged and (oldest is None or row.due < oldest):
                    oldest = row.due
        self.oldest_unpaid_due = oldest
        self.days_past_due = (self.day - oldest).days if oldest is not None else 0
        if (
            not self.charged_off
            and oldest is not None
            and not self.written_off
            and self.days_past_due >= self.pricing.charge_off_days
        ):
            self.charged_off, self.charged_off_on = True, self.day
        self.status = self._status(owes)

    def reopen_day(self) -> None:
        """Before one more event on today's date: a charge-off decided today waits for the day's end again."""
        if self.charged_off and self.charged_off_on == self.day:
            self.charged_off, self.charged_off_on = False, None

    def _status(self, owes: bool) -> LoanStatus:
        if self.written_off:
            return LoanStatus.WRITTEN_OFF
        if self.disbursed > 0 and not owes:
            return LoanStatus.PAID_OFF
        if self.charged_off:
            return LoanStatus.CHARGED_OFF
        if self.days_past_due > 0:
            return LoanStatus.OVERDUE
        return LoanStatus.ACTIVE

    def advance(self, target: date) -> None:
        """Move to `target` with no events on the way, ageing at every boundary (not on `target` itself:
        the caller applies that day's events first, then settles)."""
        while self.day < target:
            self.accrue(self.next_boundary(target))
            self.close_due_rows()
            if self.day < target:
                self.settle()

    def iter_rows_by_due(self) -> Iterator[Row]:
        return iter(sorted(self.rows, key=lambda row: row.due))
