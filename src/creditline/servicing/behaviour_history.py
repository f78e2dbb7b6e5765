"""A loan's payment history from its events: how many installments fell due, how many were paid on
time, and the worst lateness — the payment facts behind the behaviour score and hardship rules.

The cash paid on the loan (repayments and prepayments that were not reversed), accumulated by date,
is matched oldest-first against what each installment required in cash (its total due less waivers;
a write-off is not a payment, so an installment written off unpaid stays unpaid, and one falling due after
the write-off never fell due): installment k is settled on the first day the cumulative cash reaches the cumulative
requirement through k. Lateness is the days from its due date to that day (to `as_of` if never). An
installment is on time when its lateness is within the product's grace days. Penalty is left out of
the requirement (it only arises once a payment is already late), so this is exact for loans that
never paid penalty and errs toward the borrower by the penalty paid otherwise.

A re-age takes the overdue installments off the schedule (their arrears move to new installments,
which are matched like any other): each re-age counts the installments overdue just before it as
due and late, and the loan's days past due then as a lateness — one replay up to the re-age, and
re-ages are rare.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.events import EventKind, LoanEvent, effective_history
from creditline.lending.loan.fold import replay
from creditline.lending.loan.standing import InstallmentFigures, LoanStanding, standing_of
from creditline.lending.loan.state import InstallmentStatus, LoanState

CASH_KINDS = frozenset({EventKind.REPAYMENT, EventKind.PREPAYMENT_REAMORTISE})
NOT_DUE = frozenset({InstallmentStatus.FUTURE, InstallmentStatus.OPEN})


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    installments_due: int  # due on or before as_of (re-aged ones included)
    installments_on_time: int
    installments_paid: int  # settled in full, on time or not
    days_past_due_max: int  # the worst lateness of an installment due within the window, or still unpaid
    reages: int

    def combine(self, other: PaymentRecord) -> PaymentRecord:
        return PaymentRecord(
            self.installments_due + other.installments_due,
            self.installments_on_time + other.installments_on_time,
            self.installments_paid + other.installments_paid,
            max(self.days_past_due_max, other.days_past_due_max),
            self.reages + other.reages,
        )


NO_HISTORY = PaymentRecord(0, 0, 0, 0, 0)


def payment_record(
    contract: LoanContract, state: LoanState, events: Iterable[LoanEvent], as_of: date, window_days: int = 365
) -> PaymentRecord:
    return standing_record(contract, standing_of(state), events, as_of, window_days)


def standing_record(
    contract: LoanContract,
    standing: LoanStanding,
    events: Iterable[LoanEvent],
    as_of: date,
    window_days: int = 365,
) -> PaymentRecord:
    """`payment_record` from the loan's standing (`lending.loan.standing`): what the limit review reads
    for every loan of a line, without freezing each replay into a `LoanState`."""
    events = list(events)
    history = effective_history(events)
    grace_days = contract.product.grace_days
    payments = sorted((e.effective_date, e.amount.minor) for e in history if e.kind in CASH_KINDS and e.amount)
    paid_dates = [day for day, _ in payments]
    paid_cumulative = list(accumulate(amount for _, amount in payments))
    window_start = as_of - timedelta(days=window_days)
    # Installments falling due after a write-off never fell due: the loan was closed by then.
    written_off_on = min((e.effective_date for e in history if e.kind is EventKind.WRITE_OFF), default=date.max)
    due = on_time = paid = lateness_max = 0
    required = 0
    for row in sorted(standing.installments, key=lambda r: r.due_date):
        if row.status in NOT_DUE or row.due_date > min(as_of, written_off_on):
            continue
        due += 1
        if row.status is InstallmentStatus.REAGED:
            due -= 1  # counted with its re-age below
            continue
        required += _cash_required(row)
        settled_on = _settled_on(required, paid_dates, paid_cumulative)
        if settled_on is not None and settled_on <= as_of:
            paid += 1
        lateness = max(0, ((settled_on if settled_on and settled_on <= as_of else as_of) - row.due_date).days)
        on_time += lateness <= grace_days
        if row.due_date >= window_start or settled_on is None:
            lateness_max = max(lateness_max, lateness)
    reages = [e for e in history if e.kind is EventKind.REAGE and e.effective_date <= as_of]
    for reage in reages:
        overdue_then, late_then = _before(contract, events, reage)
        due += overdue_then
        if reage.effective_date >= window_start:
            lateness_max = max(lateness_max, late_then)
    return PaymentRecord(due, on_time, paid, lateness_max, len(reages))


def _cash_required(row: InstallmentFigures) -> int:
    """What the borrower had to pay: a waiver forgives it, a write-off does not (the lender gave up on it unpaid)."""
    return max(0, row.total_due_minor - row.waived_minor)


def _settled_on(required: int, paid_dates: list[date], paid_cumulative: list[int]) -> date | None:
    if required <= 0:
        return date.min
    index = bisect.bisect_left(paid_cumulative, required)
    return paid_dates[index] if index < len(paid_cumulative) else None


def _before(contract: LoanContract, events: list[LoanEvent], reage: LoanEvent) -> tuple[int, int]:
    """(installments overdue, days past due) of the loan just before `reage`."""
    cut = (reage.effective_date, reage.sequence)
    earlier = [e for e in events if (e.effective_date, e.sequence) < cut]
    state = replay(contract, earlier, reage.effective_date)
    overdue = sum(1 for row in state.installments if row.status is InstallmentStatus.OVERDUE)
    return overdue, state.days_past_due
