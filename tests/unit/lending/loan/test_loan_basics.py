"""The fold on the common path: accrual, on-time repayments matching the schedule, Fineract's figure."""

from __future__ import annotations

from datetime import date

from loan_helpers import History, cny, contract, contract_of

from creditline.lending.loan import InstallmentStatus, LoanStatus, replay
from creditline.lending.schedule import DaysInYear, InterestBasis, ScheduleTerms
from creditline.money import Rate


def test_fineract_published_accrual_first_day_is_1_64() -> None:
    # Fineract's accrual documentation: 5,000.00 at 12% a year, actual/365, accrues 1.64 on day one.
    terms = ScheduleTerms(
        principal=cny("5000.00"),
        rate=Rate.annual_percent("12"),
        installments=12,
        disbursed=date(2025, 1, 1),
        interest_basis=InterestBasis.DAILY,
        days_in_year=DaysInYear.D365,
    )
    loan = contract_of(terms)
    history = History(loan)
    assert replay(loan, history.events, date(2025, 1, 1)).interest_receivable == cny("0.00")
    assert replay(loan, history.events, date(2025, 1, 2)).interest_receivable == cny("1.64")
    assert replay(loan, history.events, date(2025, 1, 2)).totals.interest_accrued == cny("1.64")


def test_daily_accrual_at_a_daily_rate() -> None:
    loan = contract(amount="12000.00", rate_daily="0.0005")
    state = replay(loan, History(loan).events, date(2025, 1, 25))
    assert state.interest_receivable == cny("60.00")  # 12,000 × 0.05% × 10 days
    assert state.status is LoanStatus.ACTIVE
    assert state.installments[0].status is InstallmentStatus.OPEN


def test_on_time_repayments_match_the_schedule_to_the_cent() -> None:
    loan = contract(term=6, method="equal-principal", rate_daily="0.0004")
    history = History(loan)
    for row in loan.schedule.rows:
        state = replay(loan, history.events, row.due_date)
        assert state.installments[row.n - 1].interest_due == row.interest
        assert state.installments[row.n - 1].status is InstallmentStatus.DUE
        history.repay(row.due_date, row.total.amount_str())
    final = replay(loan, history.events, loan.schedule.maturity)
    assert final.status is LoanStatus.PAID_OFF
    assert final.totals.interest_accrued == loan.schedule.total_interest
    assert final.totals.interest_repaid == loan.schedule.total_interest
    assert final.totals.principal_repaid == loan.terms.principal
    assert final.total_receivable == cny("0.00")
