"""Core schedule behaviour: the contract other packages build on."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from creditline.lending.errors import (
    FirstDueNotAfterDisbursement,
    InstallmentsOutOfRange,
    OptionInvalid,
    PrincipalNotPositive,
)
from creditline.lending.schedule import ScheduleTerms, build_schedule, due_dates, interest_exact
from creditline.money import Money, Rate


def terms(**overrides) -> ScheduleTerms:
    values = {
        "principal": Money.parse("10000", "CNY"),
        "rate": Rate.annual_percent("18"),
        "installments": 12,
        "disbursed": date(2024, 1, 31),
    }
    values.update(overrides)
    return ScheduleTerms(**values)


def test_month_end_rolling_keeps_the_anchor_day() -> None:
    dates = due_dates(terms(installments=3))
    assert dates == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_equal_installment_18pct_12_months_known_figures() -> None:
    # 10000 at 1.5% a month over 12 months: the annuity is 916.80 (P·r/(1−(1+r)^−12) = 916.7999…).
    schedule = build_schedule(terms())
    assert schedule.rows[0].total.amount_str() == "916.80"
    assert schedule.rows[0].interest.amount_str() == "150.00"
    assert schedule.total_principal == Money.parse("10000", "CNY")
    assert schedule.rows[-1].balance_after.is_zero()


def test_equal_principal_spreads_principal_and_last_absorbs() -> None:
    schedule = build_schedule(terms(method="equal-principal", installments=3))
    assert [row.principal.amount_str() for row in schedule.rows] == ["3333.33", "3333.33", "3333.34"]
    assert [row.interest.amount_str() for row in schedule.rows] == ["150.00", "100.00", "50.00"]


def test_daily_rate_charges_its_rate_per_day_whatever_the_year() -> None:
    for days_in_year in ("360", "365", "actual"):
        schedule = build_schedule(
            terms(rate=Rate.daily_percent("0.05"), interest_basis="daily", days_in_year=days_in_year)
        )
        # 10000 × 0.0005 × 29 days (31 Jan → 29 Feb 2024) = 145.00
        assert schedule.rows[0].interest.amount_str() == "145.00"


def test_interest_exact_accrued_daily_equals_each_period_interest() -> None:
    for basis in ("period", "daily"):
        for days_in_month in ("actual", "30"):
            loan = terms(interest_basis=basis, days_in_month=days_in_month, first_due=date(2024, 3, 15))
            for row in build_schedule(loan).rows:
                balance = row.balance_after.minor + row.principal.minor
                accrued = Fraction(0)
                day = row.start_date
                while day < row.due_date:
                    accrued += Fraction(interest_exact(balance, day, day + timedelta(days=1), loan))
                    day += timedelta(days=1)
                whole = Fraction(interest_exact(balance, row.start_date, row.due_date, loan))
                assert abs(accrued - whole) < Fraction(1, 10**20)
                # half-up, the terms' rounding: the period's interest is its exact accrual rounded once
                assert int(whole + Fraction(1, 2)) == row.interest.minor


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"principal": Money.parse("0", "CNY")}, PrincipalNotPositive, "principal"),
        ({"principal": Money.parse("-1", "CNY")}, PrincipalNotPositive, "principal"),
        ({"installments": 361}, InstallmentsOutOfRange, "installments"),
        ({"installments": 0}, InstallmentsOutOfRange, "installments"),
        ({"first_due": date(2024, 1, 30)}, FirstDueNotAfterDisbursement, "first_due"),
        ({"first_due": date(2024, 1, 31)}, FirstDueNotAfterDisbursement, "first_due"),
        ({"method": "balloon"}, OptionInvalid, "method"),
        ({"every": 0}, OptionInvalid, "every"),
        ({"grace_principal": 12}, OptionInvalid, "grace_principal"),
        ({"installment_multiple_minor": 0}, OptionInvalid, "installment_multiple"),
        # Due dates past year 9999 do not exist: these were a ValueError traceback (`creditline schedule`).
        ({"disbursed": date(9999, 6, 1)}, OptionInvalid, "disbursed"),
        ({"first_due": date(9999, 12, 31)}, OptionInvalid, "first_due"),
    ],
)
def test_bad_terms_raise_typed_errors_naming_the_field(overrides, error, field) -> None:
    with pytest.raises(error) as caught:
        build_schedule(terms(**overrides))
    assert caught.value.field == field
