"""Payment history from a real loan's events: installments due, on time within grace, worst lateness."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditline.lending.loan import EventKind, LoanContract, LoanEvent, replay
from creditline.lending.product import builtin_product
from creditline.money import Money
from creditline.servicing.behaviour_history import payment_record

PRODUCT = builtin_product("revolving-consumer")  # three grace days
START = date(2025, 1, 1)


def _contract() -> LoanContract:
    return LoanContract.draw(
        loan_id="L", borrower_id="B", line_id="LN", product=PRODUCT, amount=Money.parse("3000", "CNY"),
        term_months=3, method="equal-installment", rate_daily=Decimal("0.0005"), disbursed=START,
    )  # fmt: skip


def _paying(late_days: dict[int, int | None]) -> tuple[LoanContract, list[LoanEvent]]:
    """Installment n paid `late_days[n]` days after it fell due (None: never), everything owed then."""
    contract = _contract()
    events = [contract.disbursement("E0")]
    for n, row in enumerate(contract.schedule.rows, 1):
        late = late_days.get(n)
        if late is None:
            continue
        on = row.due_date + timedelta(days=late)
        state = replay(contract, events, on)
        owed = sum((r.outstanding for r in state.installments if r.due_date <= on), Money.zero("CNY"))
        events.append(LoanEvent(f"E{n}", EventKind.REPAYMENT, on, len(events) + 1, owed + state.penalty_receivable))
    return contract, events


def _record(late_days: dict[int, int | None], as_of: date):
    contract, events = _paying(late_days)
    return payment_record(contract, replay(contract, events, as_of), events, as_of)


def test_a_loan_paid_on_every_due_date_is_all_on_time() -> None:
    record = _record({1: 0, 2: 0, 3: 0}, date(2025, 4, 10))
    assert (record.installments_due, record.installments_on_time, record.installments_paid) == (3, 3, 3)
    assert (record.days_past_due_max, record.reages) == (0, 0)


def test_paying_within_the_grace_days_is_on_time_and_after_them_is_late() -> None:
    record = _record({1: 3, 2: 10, 3: 0}, date(2025, 4, 10))
    assert (record.installments_due, record.installments_on_time, record.installments_paid) == (3, 2, 3)
    assert record.days_past_due_max == 10


def test_an_installment_never_paid_is_late_up_to_today() -> None:
    record = _record({1: 0}, date(2025, 3, 15))  # the second fell due on 1 March and is unpaid
    assert (record.installments_due, record.installments_on_time, record.installments_paid) == (2, 1, 1)
    assert record.days_past_due_max == 14


def test_installments_not_yet_due_do_not_count() -> None:
    record = _record({}, date(2025, 1, 20))
    assert (record.installments_due, record.installments_on_time, record.days_past_due_max) == (0, 0, 0)


def test_a_reversed_repayment_is_as_if_never_paid() -> None:
    contract, events = _paying({1: 0})
    events.append(LoanEvent("R1", EventKind.REVERSAL, date(2025, 2, 5), len(events) + 1, reverses="E1"))
    as_of = date(2025, 2, 20)
    record = payment_record(contract, replay(contract, events, as_of), events, as_of)
    assert (record.installments_due, record.installments_on_time, record.days_past_due_max) == (1, 0, 19)


def test_a_reaged_installment_counts_as_late_until_the_reage() -> None:
    contract, events = _paying({})
    reaged_on = date(2025, 2, 21)
    events.append(LoanEvent("A1", EventKind.REAGE, reaged_on, 2, data=(("installments", "3"),)))
    as_of = date(2025, 3, 5)
    state = replay(contract, events, as_of)
    assert not any(r.due_date == date(2025, 2, 1) for r in state.installments), "the engine dropped the old row"
    record = payment_record(contract, state, events, as_of)
    assert record.reages == 1
    # The first installment was 20 days late when re-aged; the first new one (1 March) is 4 days late.
    assert (record.installments_due, record.installments_on_time) == (2, 0)
    assert record.days_past_due_max == (reaged_on - date(2025, 2, 1)).days


def test_installments_written_off_were_never_paid_and_those_due_after_the_write_off_never_fell_due() -> None:
    """A write-off takes the debt off the books; the borrower paid none of it. The written-off amount was taken
    off each installment's cash requirement, so an installment written off unpaid was 'settled' from the start:
    paid and on time. A borrower whose loan was written off at 19 days past due scored as a perfect payer."""
    contract, events = _paying({1: 0})  # the first paid on its due date, nothing after
    events.append(LoanEvent("WO", EventKind.WRITE_OFF, date(2025, 3, 20), len(events) + 1, None))
    as_of = date(2025, 5, 15)  # the third installment's date (1 April) passed after the write-off
    record = payment_record(contract, replay(contract, events, as_of), events, as_of)
    assert (record.installments_due, record.installments_on_time, record.installments_paid) == (2, 1, 1)
    assert record.days_past_due_max == (as_of - date(2025, 3, 1)).days  # the second, never paid: late up to today
