"""Lifecycle rules one by one: grace, penalty, early payoff, prepayment, re-age, waivers, reversals,
backdating, charge-off, write-off, overpayment and credit, allocation styles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from loan_helpers import History, cny, contract, product

from creditline.lending.loan import (
    EventKind,
    InstallmentStatus,
    LoanEvent,
    LoanStatus,
    payoff_quote,
    record_event,
    replay,
)
from creditline.lending.product_allocation import AllocationRule, AllocationStyle
from creditline.lending.schedule_ratio import round_div
from creditline.money import Rounding

DAY = timedelta(days=1)


def test_paying_within_the_grace_days_costs_exactly_the_schedule() -> None:
    loan = contract(term=3)
    on_time, three_late, four_late = History(loan), History(loan), History(loan)
    for row in loan.schedule.rows:
        on_time.repay(row.due_date, row.total.amount_str())
        three_late.repay(row.due_date + 3 * DAY, row.total.amount_str())
    maturity = loan.schedule.maturity + 10 * DAY
    a = replay(loan, on_time.events, maturity)
    b = replay(loan, three_late.events, maturity)
    assert b.status is LoanStatus.PAID_OFF
    assert b.totals == a.totals
    first = loan.schedule.rows[0]
    four_late.repay(first.due_date + 4 * DAY, first.total.amount_str())
    state = replay(loan, four_late.events, first.due_date + 4 * DAY)
    # the fourth day of lateness is the first with penalty: 1.5 × 0.05% on the late principal
    expected = round_div(first.principal.minor * 75, 100_000, Rounding.HALF_UP)
    assert state.totals.penalty_accrued.minor == expected
    # penalty is settled first, so the installment's amount leaves that much principal overdue
    assert state.totals.penalty_repaid.minor == expected
    assert state.installments[0].principal_outstanding.minor == expected


def test_overdue_principal_bears_penalty_instead_of_interest() -> None:
    loan = contract(term=6)
    history = History(loan)
    first, second = loan.schedule.rows[:2]
    state = replay(loan, history.events, second.due_date)
    # period two's interest is on the principal not yet due, exactly as scheduled
    assert state.installments[1].interest_due == second.interest
    assert state.installments[0].status is InstallmentStatus.OVERDUE
    assert state.days_past_due == (second.due_date - first.due_date).days
    penalty_days = (second.due_date - first.due_date).days - 3
    assert state.totals.penalty_accrued.minor == round_div(
        first.principal.minor * 75 * penalty_days, 100_000, Rounding.HALF_UP
    )


def test_early_payoff_charges_interest_only_for_the_days_used() -> None:
    loan = contract(amount="10000.00", term=6, rate_daily="0.0004")
    history = History(loan)
    first = loan.schedule.rows[0]
    history.repay(first.due_date, first.total.amount_str())
    payoff_day = first.due_date + 9 * DAY
    quote = payoff_quote(loan, history.events, payoff_day)
    balance = first.balance_after
    assert quote.principal == balance
    assert quote.interest.minor == round_div(
        balance.minor * 4 * 9, 10_000, Rounding.HALF_UP
    )  # 9 days, not the month
    assert quote.interest < loan.schedule.rows[1].interest
    history.repay(payoff_day, quote.total.amount_str())
    later = replay(loan, history.events, loan.schedule.maturity + 30 * DAY)
    assert later.status is LoanStatus.PAID_OFF
    assert later.totals.interest_accrued == first.interest + quote.interest  # nothing accrues after payoff
    assert later.credit_balance == cny("0.00")


def test_overpayment_is_kept_as_credit_then_applied_and_refunded() -> None:
    loan = contract(term=3)
    history = History(loan)
    first = loan.schedule.rows[0]
    payment = history.repay(first.due_date, first.total.amount_str())
    quote = payoff_quote(loan, history.events, first.due_date + DAY)
    history.repay(first.due_date + DAY, (quote.total + cny("100.00")).amount_str())
    state = replay(loan, history.events, first.due_date + DAY)
    assert state.status is LoanStatus.PAID_OFF and state.credit_balance == cny("100.00")
    assert state.totals.overpaid == cny("100.00")
    # the first payment bounces: the credit balance covers what that leaves unpaid
    history.reverse(first.due_date + 2 * DAY, payment)
    state = replay(loan, history.events, first.due_date + 2 * DAY)
    assert state.totals.credit_applied == state.totals.overpaid - state.credit_balance
    assert state.credit_balance.is_zero() or state.total_receivable.is_zero()
    assert state.totals.cash_in == quote.total + cny("100.00")
    # what is left of the credit can be paid back out
    if state.credit_balance.is_positive():
        history.add(EventKind.CREDIT_REFUND, first.due_date + 2 * DAY, state.credit_balance.amount_str())
        refunded = replay(loan, history.events, first.due_date + 2 * DAY)
        assert refunded.credit_balance.is_zero() and refunded.totals.credit_refunded == state.credit_balance


def test_reversed_auto_debit_makes_the_loan_overdue_from_its_due_date() -> None:
    loan = contract(term=3)
    history = History(loan)
    first = loan.schedule.rows[0]
    debit = history.repay(first.due_date, first.total.amount_str())
    ten_later = first.due_date + 10 * DAY
    assert replay(loan, history.events, ten_later).status is LoanStatus.ACTIVE
    history.reverse(ten_later, debit)
    state = replay(loan, history.events, ten_later)
    assert state.status is LoanStatus.OVERDUE and state.days_past_due == 10
    assert state.totals.principal_repaid.is_zero()
    assert state.totals.penalty_accrued.minor == round_div(
        first.principal.minor * 75 * 7, 100_000, Rounding.HALF_UP
    )
    without = History(loan)  # a history that never had the debit is the same loan
    assert replay(loan, without.events, ten_later).totals == state.totals


def test_backdated_repayment_rewrites_what_followed() -> None:
    loan = contract(term=3)
    first = loan.schedule.rows[0]
    recorded_late, in_order = History(loan), History(loan)
    in_order.repay(first.due_date, first.total.amount_str())
    recorded_late.add(EventKind.FEE, first.due_date + 20 * DAY, "15.00")
    in_order.add(EventKind.FEE, first.due_date + 20 * DAY, "15.00")
    recorded_late.repay(first.due_date, first.total.amount_str())  # sequence 3, dated before the fee
    day = first.due_date + 25 * DAY
    a, b = replay(loan, recorded_late.events, day), replay(loan, in_order.events, day)
    assert a.totals == b.totals and a.status is LoanStatus.ACTIVE and a.totals.penalty_accrued.is_zero()


def test_partial_prepayment_keep_term_lowers_the_installments() -> None:
    loan = contract(amount="12000.00", term=12)
    history = History(loan)
    first = loan.schedule.rows[0]
    history.repay(first.due_date, first.total.amount_str())
    day = first.due_date + 5 * DAY
    history.add(EventKind.PREPAYMENT_REAMORTISE, day, "3000.00", mode="keep-term")
    state = replay(loan, history.events, day)
    interest_so_far = round_div(first.balance_after.minor * 5 * 5, 10_000, Rounding.HALF_UP)
    assert state.principal_outstanding.minor == first.balance_after.minor - (300_000 - interest_so_far)
    assert len(state.installments) == 12
    assert sum(r.principal_due.minor for r in state.installments) == loan.terms.principal.minor
    later = replay(loan, history.events, loan.schedule.rows[2].due_date)
    assert later.installments[2].total_due < loan.schedule.rows[2].total  # a lower installment
    assert later.status is LoanStatus.OVERDUE  # nothing paid on the second installment


def test_partial_prepayment_keep_installment_shortens_the_term() -> None:
    loan = contract(amount="12000.00", term=12)
    history = History(loan)
    first = loan.schedule.rows[0]
    history.repay(first.due_date, first.total.amount_str())
    history.add(EventKind.PREPAYMENT_REAMORTISE, first.due_date, "4000.00", mode="keep-installment")
    state = replay(loan, history.events, first.due_date)
    assert len(state.installments) < 12
    assert state.principal_outstanding == first.balance_after - cny("4000.00")
    assert sum(r.principal_due.minor for r in state.installments) == loan.terms.principal.minor
    # paid on time, every remaining installment but the last is the original level installment
    level = loan.schedule.rows[1].total
    remaining = [r for r in state.installments if r.n > 1]
    for index, row in enumerate(remaining):
        due = replay(loan, history.events, row.due_date).installments[row.n - 1]
        if index < len(remaining) - 1:
            assert due.outstanding == level
        history.repay(row.due_date, due.outstanding.amount_str())
    assert replay(loan, history.events, remaining[-1].due_date).status is LoanStatus.PAID_OFF


def test_reage_spreads_the_arrears_and_restarts_ageing() -> None:
    loan = contract(amount="6000.00", term=6)
    history = History(loan)
    third_due = loan.schedule.rows[2].due_date
    day = third_due + 5 * DAY
    before = replay(loan, history.events, day)
    assert before.status is LoanStatus.OVERDUE
    history.add(EventKind.REAGE, day, installments="9")
    state = replay(loan, history.events, day)
    assert state.status is LoanStatus.ACTIVE and state.days_past_due == 0
    new_rows = [r for r in state.installments if r.status is not InstallmentStatus.REAGED]
    assert len(new_rows) == 9 and new_rows[0].start_date == day
    assert sum((r.principal_due for r in new_rows), cny("0")) == before.principal_outstanding
    arrears = sum(r.interest_due.minor for r in new_rows)
    assert arrears == before.interest_receivable.minor  # moved, not capitalised
    assert state.penalty_receivable == before.penalty_receivable  # still owed, paid first
    assert state.totals == before.totals  # a re-age moves money between installments, never creates it


def test_reage_with_no_principal_left_spreads_the_interest_arrears() -> None:
    # Principal first across the due installments: after maturity, paying the principal leaves only
    # interest overdue. Re-ageing it was recorded and did nothing (still overdue, 75 days past due).
    rule = AllocationRule(AllocationStyle.DUE_FIRST, ("principal", "interest", "fee", "penalty"))
    loan = contract(amount="1000.00", term=3, the_product=replace(product(), allocation=rule))
    history = History(loan)
    day = date(2025, 5, 1)
    history.repay(day, "1000.00")
    before = replay(loan, history.events, day)
    assert before.status is LoanStatus.OVERDUE and before.principal_outstanding.is_zero()
    assert before.interest_receivable == cny("30.15")
    history.add(EventKind.REAGE, day, installments="3")
    state = replay(loan, history.events, day)
    assert state.status is LoanStatus.ACTIVE and state.days_past_due == 0
    new_rows = [r for r in state.installments if r.status is not InstallmentStatus.REAGED]
    assert [r.due_date for r in new_rows] == [date(2025, 5, 15), date(2025, 6, 15), date(2025, 7, 15)]
    assert [r.interest_due for r in new_rows] == [cny("10.05")] * 3
    assert all(r.principal_due.is_zero() for r in new_rows)
    assert state.totals == before.totals and state.penalty_receivable == before.penalty_receivable
    history.repay(date(2025, 5, 15), "10.05")
    assert replay(loan, history.events, date(2025, 6, 1)).status is LoanStatus.ACTIVE


def test_waivers_reduce_receivables_and_are_clamped_by_history() -> None:
    loan = contract(term=3)
    history = History(loan)
    day = loan.schedule.rows[0].due_date + 20 * DAY
    state = replay(loan, history.events, day)
    history.add(EventKind.WAIVER, day, state.penalty_receivable.amount_str(), component="penalty")
    history.add(EventKind.WAIVER, day, "1.00", component="interest")
    waived = replay(loan, history.events, day)
    assert waived.penalty_receivable.is_zero()
    assert waived.totals.penalty_waived == state.penalty_receivable
    assert waived.interest_receivable == state.interest_receivable - cny("1.00")


def test_charge_off_at_the_threshold_stops_accrual_then_write_off() -> None:
    loan = contract(amount="3000.00", term=3)
    history = History(loan)
    first_due = loan.schedule.rows[0].due_date
    day_179 = replay(loan, history.events, first_due + 179 * DAY)
    day_180 = replay(loan, history.events, first_due + 180 * DAY)
    day_250 = replay(loan, history.events, first_due + 250 * DAY)
    assert day_179.status is LoanStatus.OVERDUE
    assert day_180.status is LoanStatus.CHARGED_OFF and day_180.days_past_due == 180
    assert day_250.totals.interest_accrued == day_180.totals.interest_accrued
    assert day_250.totals.penalty_accrued == day_180.totals.penalty_accrued
    history.repay(first_due + 250 * DAY, "100.00")  # collections still apply
    history.add(EventKind.WRITE_OFF, first_due + 251 * DAY)
    state = replay(loan, history.events, first_due + 300 * DAY)
    assert state.status is LoanStatus.WRITTEN_OFF and state.total_receivable.is_zero()
    totals = state.totals
    assert totals.principal_written_off == loan.terms.principal - totals.principal_repaid
    assert totals.interest_written_off == totals.interest_accrued - totals.interest_repaid
    assert totals.penalty_written_off == totals.penalty_accrued - totals.penalty_repaid


def test_due_first_and_oldest_first_allocate_differently() -> None:
    oldest = contract(term=6)
    rule = AllocationRule(AllocationStyle.DUE_FIRST)
    due_first = contract(term=6, the_product=replace(product(), allocation=rule))
    rows = oldest.schedule.rows
    day = rows[1].due_date + 1 * DAY  # two installments due
    paying = rows[0].total + rows[1].interest
    results = []
    for loan in (oldest, due_first):
        history = History(loan)
        history.repay(day, paying.amount_str())
        results.append(replay(loan, history.events, day))
    by_oldest, by_due = results
    # oldest-first clears installment one, then interest of two; due-first takes all interest first
    assert by_oldest.installments[0].outstanding.is_zero()
    assert by_due.installments[1].interest_outstanding.is_zero()
    assert by_due.installments[0].principal_outstanding.is_positive()
    assert by_oldest.totals.cash_in == by_due.totals.cash_in == paying


def test_a_fee_falls_due_with_the_next_installment() -> None:
    loan = contract(term=3)
    history = History(loan)
    history.add(EventKind.FEE, date(2025, 1, 20), "30.00")
    state = replay(loan, history.events, date(2025, 1, 20))
    assert state.fee_receivable == cny("30.00") and state.status is LoanStatus.ACTIVE
    assert state.installments[0].fee_due == cny("30.00")
    first = loan.schedule.rows[0]
    history.repay(first.due_date, (first.total + cny("30.00")).amount_str())
    assert replay(loan, history.events, first.due_date).installments[0].status is InstallmentStatus.PAID


def test_a_payment_on_the_charge_off_day_is_counted_before_the_day_is_aged() -> None:
    loan = contract(amount="3000.00", term=3)
    history = History(loan)
    threshold_day = loan.schedule.rows[0].due_date + 180 * DAY
    snapshot = replay(loan, history.events, threshold_day)
    assert snapshot.status is LoanStatus.CHARGED_OFF  # end of day saw nothing paid
    oldest = snapshot.installments[0].outstanding + snapshot.penalty_receivable
    payment = LoanEvent("pay", EventKind.REPAYMENT, threshold_day, 2, oldest)
    recorded = record_event(loan, history.events, payment, threshold_day)
    assert recorded.after.status is LoanStatus.OVERDUE  # the oldest installment is cured
    assert recorded.after.days_past_due < 180
    assert recorded.after == replay(loan, [*history.events, payment], threshold_day)


def test_reage_over_360_installments_solves_over_the_actual_days() -> None:
    # Solved with 30-day months, 360 installments left the 31-day months' interest to grow into the
    # last one: 700.60 re-aged this way ended on 330.83 of principal. Over the actual days each new
    # installment repays its share; a re-age recorded before (no solve in its data) replays as it was.
    from creditline.lending.loan.restructure import reage_data
    from creditline.lending.schedule import Reamortise, reamortise

    loan = contract(amount="1000.00", term=3)
    day = loan.schedule.rows[1].due_date + 5 * DAY
    history = History(loan)
    before = replay(loan, history.events, day)
    assert before.status is LoanStatus.OVERDUE
    legacy = History(loan)
    history.add(EventKind.REAGE, day, **dict(reage_data(360)))
    legacy.add(EventKind.REAGE, day, installments="360")
    new_rows = [r for r in replay(loan, history.events, day).installments if r.status is not InstallmentStatus.REAGED]
    expected = reamortise(
        loan.terms, from_date=day, outstanding=before.principal_outstanding, installments_left=360,
        mode=Reamortise.KEEP_TERM, emi_solve="actual",
    )  # fmt: skip
    assert [r.principal_due for r in new_rows] == [row.principal for row in expected.rows]
    level = expected.rows[1].total
    assert all(row.total == level for row in expected.rows[1:-1] if row.principal.is_positive())
    assert new_rows[-1].principal_due < cny("20.00")
    old_rows = [r for r in replay(loan, legacy.events, day).installments if r.status is not InstallmentStatus.REAGED]
    assert old_rows[-1].principal_due > cny("300.00")
