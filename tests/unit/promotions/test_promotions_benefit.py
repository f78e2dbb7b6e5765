"""Savings from the schedule with and without a coupon; never negative interest; the APR shown with the coupon."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from promotions_builders import campaign, cny, schedule

from creditline.lending.apr import AprMethod, Payment, annual_rate
from creditline.promotions import coupon_benefit


def test_thirty_free_days_save_thirty_days_of_interest() -> None:
    # 12,000.00 at 0.05% a day: a day costs 6.00, so thirty free days in a 31-day first period save 180.00.
    benefit = coupon_benefit(schedule(), campaign(free_days=30))
    assert benefit.savings[0] == cny("180.00")
    assert all(saving.is_zero() for saving in benefit.savings[1:])
    assert benefit.total_saving == cny("180.00")
    assert benefit.installments_with()[0] == benefit.schedule.rows[0].total - cny("180.00")


def test_free_days_spanning_two_periods_use_each_periods_balance() -> None:
    plan = schedule()
    benefit = coupon_benefit(plan, campaign(free_days=45))
    assert benefit.savings[0] == plan.rows[0].interest  # the whole 31-day period
    # fourteen more days on the balance after the first installment, rounded once, half up
    balance = plan.rows[0].balance_after.minor
    assert benefit.savings[1].minor == (balance * 5 * 14 + 5000) // 10000
    assert benefit.savings[1] == cny("77.60")


def test_rate_discount_takes_its_percent_off_each_installments_interest() -> None:
    plan = schedule()
    benefit = coupon_benefit(plan, campaign("rate-discount", discount_pct=Decimal("20")))
    assert benefit.savings[0] == cny("37.20")  # 186.00 × 20%
    for row, saving in zip(plan.rows, benefit.savings, strict=True):
        exact = Decimal(row.interest.minor) * Decimal("0.2")
        assert abs(Decimal(saving.minor) - exact) <= Decimal("0.5")
    assert benefit.total_saving == cny("242.96")
    assert benefit.apr_without.apr_pct_display == Decimal("18.17")
    assert benefit.apr_with.apr_pct_display == Decimal("14.54")


def test_a_discount_limited_to_the_first_installments() -> None:
    plan = schedule()
    benefit = coupon_benefit(plan, campaign("rate-discount", discount_pct=Decimal("50"), installments_max=3))
    assert [saving.minor > 0 for saving in benefit.savings] == [True] * 3 + [False] * 9


def test_a_full_discount_makes_the_loan_interest_free_and_its_apr_zero() -> None:
    plan = schedule(term=6)
    benefit = coupon_benefit(plan, campaign("rate-discount", discount_pct=Decimal("100")))
    assert benefit.total_saving == plan.total_interest
    assert benefit.interest_with.is_zero()
    assert benefit.apr_with.apr_pct_display == Decimal("0.00")


def test_the_apr_with_the_coupon_is_the_irr_of_what_is_paid() -> None:
    plan = schedule(term=6, method="equal-principal")
    benefit = coupon_benefit(plan, campaign(free_days=20))
    paid = [Payment(row.due_date, total) for row, total in zip(plan.rows, benefit.installments_with(), strict=True)]
    expected = annual_rate(Payment(plan.terms.disbursed, plan.total_principal), paid, AprMethod.IRR)
    assert benefit.apr_with.apr_pct == expected.apr_pct
    assert benefit.apr_with.apr_pct < benefit.apr_without.apr_pct


def test_the_record_shows_every_installment_with_and_without() -> None:
    record = coupon_benefit(schedule(term=3), campaign(free_days=10)).to_json()
    assert record["total_saving"] == "60.00"
    assert record["installments"][0]["saving"] == "60.00"
    assert record["interest_with"] == format(Decimal(record["interest_without"]) - Decimal("60.00"), "f")


@settings(max_examples=80)
@given(
    amount_minor=st.integers(500_00, 200_000_00),
    term=st.sampled_from([3, 6, 12]),
    method=st.sampled_from(["equal-installment", "equal-principal"]),
    rate_units=st.integers(2, 6),
    free_days=st.integers(1, 366),
    discount=st.integers(1, 100),
    day=st.integers(0, 400),
)
def test_savings_never_exceed_interest_and_reconcile(  # type: ignore[no-untyped-def]
    amount_minor, term, method, rate_units, free_days, discount, day
) -> None:
    start = date.fromordinal(date(2025, 1, 1).toordinal() + day)
    plan = schedule(str(amount_minor / 100), term, method, f"0.000{rate_units}", start)
    for coupon in (campaign(free_days=free_days), campaign("rate-discount", discount_pct=Decimal(discount))):
        benefit = coupon_benefit(plan, coupon)
        for row, saving, paid in zip(plan.rows, benefit.savings, benefit.installments_with(), strict=True):
            assert 0 <= saving.minor <= row.interest.minor
            assert paid == row.principal + row.interest - saving
            assert paid >= row.principal  # interest never below zero
        assert sum(s.minor for s in benefit.savings) == benefit.total_saving.minor
        assert benefit.interest_with.minor == plan.total_interest.minor - benefit.total_saving.minor
        assert benefit.apr_with.apr_pct <= benefit.apr_without.apr_pct
