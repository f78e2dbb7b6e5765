"""A loan's whole life reconciles to the cent: a year of daily accrual, eleven installments on time,
one late with penalty, then an early payoff that charges interest only for the days used.

The test runs the loan like production does: end of day advances the snapshot (`accrue_one_day`),
days with a payment replay the history, and every change of the totals is posted to the ledger
with its posting rules; the journal must balance and rebuild the loan's own balances.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

from loan_helpers import History, cny, contract

from creditline.ledger import LoanBalances, balances_from_postings, postings_for_totals_delta
from creditline.lending.loan import LoanState, LoanStatus, accrue_one_day, payoff_quote, replay
from creditline.lending.product import Product, load_product
from creditline.lending.schedule_ratio import round_div
from creditline.money import Money, Rounding


def product_with_18_months() -> Product:
    folder = resources.files("creditline.lending").joinpath("products")
    text = folder.joinpath("revolving-consumer.toml").read_text(encoding="utf-8")
    return load_product(
        text.replace("terms_months = [3, 6, 12]", "terms_months = [3, 6, 12, 18]"), source="t.toml"
    )


def loan_balances(state: LoanState) -> LoanBalances:
    return LoanBalances(
        state.principal_outstanding.minor,
        state.interest_receivable.minor,
        state.penalty_receivable.minor,
        state.fee_receivable.minor,
        state.credit_balance.minor,
    )


def test_whole_life_reconciles_to_the_cent() -> None:
    loan = contract(amount="18000.00", term=18, rate_daily="0.0005", the_product=product_with_18_months())
    rows = loan.schedule.rows
    history = History(loan)
    late_row, days_late = rows[6], 10
    payoff_day = rows[11].due_date + timedelta(days=12)
    pay_days = {row.due_date for row in rows[:12] if row is not late_row}
    pay_days |= {late_row.due_date + timedelta(days=days_late), payoff_day}

    journal = []
    paid_in = Money.zero("CNY")
    state = replay(loan, history.events, loan.terms.disbursed)
    journal += postings_for_totals_delta(state.totals.as_dict(), shard=0, loan_id="L1")
    day = loan.terms.disbursed
    while day < payoff_day:
        day += timedelta(days=1)
        before = state
        state = accrue_one_day(state)  # end of day: no replay
        if day in pay_days:
            amount = payoff_quote(loan, history.events, day).total if day == payoff_day else _due_today(state)
            history.repay(day, amount.amount_str())
            paid_in += amount
            state = replay(loan, history.events, day)
        assert state == replay(loan, history.events, day)  # the snapshot never drifts from the replay
        entry = postings_for_totals_delta(state.totals.minus(before.totals).as_dict(), shard=0, loan_id="L1")
        assert sum(p.amount.minor for p in entry) == 0  # each day's entry balances
        journal += entry

    # eleven on time and the late one: each period's interest is the schedule's, to the cent
    for row, actual in zip(rows[:12], state.installments[:12], strict=True):
        assert actual.interest_due == row.interest
    # penalty: 1.5 × 0.05% a day on the late principal, for the days beyond the three grace days
    penalty = round_div(late_row.principal.minor * 75 * (days_late - 3), 100_000, Rounding.HALF_UP)
    assert state.totals.penalty_accrued == Money(penalty, loan.terms.principal.currency)
    assert state.totals.penalty_repaid == state.totals.penalty_accrued
    # early payoff: interest only for the 12 days used of the 13th period
    balance = rows[11].balance_after.minor
    payoff_interest = round_div(balance * 5 * 12, 10_000, Rounding.HALF_UP)
    assert state.installments[12].interest_due.minor == payoff_interest
    assert payoff_interest < rows[12].interest.minor
    expected_interest = sum(row.interest.minor for row in rows[:12]) + payoff_interest
    assert state.totals.interest_accrued.minor == expected_interest
    assert state.totals.interest_repaid.minor == expected_interest

    assert state.status is LoanStatus.PAID_OFF
    assert state.total_receivable == cny("0.00") and state.credit_balance == cny("0.00")
    assert state.totals.principal_repaid == loan.terms.principal
    assert state.totals.cash_in == paid_in
    assert paid_in == loan.terms.principal + state.totals.interest_accrued + state.totals.penalty_accrued
    # the journal rebuilds the loan (all zero now) and the books balance
    assert balances_from_postings(journal).get("L1", LoanBalances()) == loan_balances(state)
    assert sum(p.amount.minor for p in journal) == 0
    cash = sum(p.amount.minor for p in journal if p.account.value == "settlement_cash")
    assert cash == paid_in.minor - loan.terms.principal.minor


def _due_today(state: LoanState) -> Money:
    due = [row.outstanding for row in state.installments if row.due_date <= state.as_of]
    return sum(due, state.penalty_receivable + state.fee_receivable)
