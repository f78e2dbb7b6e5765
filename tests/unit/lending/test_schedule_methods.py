"""Each method, frequency and basis on a loan small enough to check by hand."""

from __future__ import annotations

from datetime import date

import numpy_financial as npf
import pytest

from creditline.lending.errors import OptionInvalid
from creditline.lending.schedule import Reamortise, ScheduleTerms, build_schedule, due_dates, reamortise
from creditline.money import Money, Rate


def loan(**overrides) -> ScheduleTerms:
    values = {
        "principal": Money.parse("12000", "CNY"),
        "rate": Rate.annual_percent("12"),
        "installments": 6,
        "disbursed": date(2024, 1, 15),
    }
    values.update(overrides)
    return ScheduleTerms(**values)


def rows(terms: ScheduleTerms) -> list[tuple[str, str, str]]:
    return [
        (r.due_date.isoformat(), r.principal.amount_str(), r.interest.amount_str())
        for r in build_schedule(terms).rows
    ]


def test_equal_installment_matches_the_annuity_formula() -> None:
    schedule = build_schedule(loan())
    # numpy-financial's pmt on the same inputs: 12000 at 1% a month over 6 months
    expected = round(-npf.pmt(0.01, 6, 12000), 2)
    assert float(schedule.rows[0].total.to_decimal()) == pytest.approx(expected, abs=0.005)
    assert [r.total.amount_str() for r in schedule.rows] == ["2070.58"] * 6


def test_interest_only_pays_principal_at_maturity() -> None:
    assert rows(loan(method="interest-only")) == [
        ("2024-02-15", "0.00", "120.00"),
        ("2024-03-15", "0.00", "120.00"),
        ("2024-04-15", "0.00", "120.00"),
        ("2024-05-15", "0.00", "120.00"),
        ("2024-06-15", "0.00", "120.00"),
        ("2024-07-15", "12000.00", "120.00"),
    ]


def test_bullet_is_one_payment_of_principal_and_simple_interest() -> None:
    assert rows(loan(method="bullet")) == [("2024-07-15", "12000.00", "720.00")]
    # daily basis over 182 days of a 365-day year: 12000 × 12% × 182 / 365 = 718.03
    assert rows(loan(method="bullet", interest_basis="daily", days_in_year="365")) == [
        ("2024-07-15", "12000.00", "718.03")
    ]


def test_flat_charges_interest_on_the_original_principal() -> None:
    assert {row[1:] for row in rows(loan(method="flat"))} == {("2000.00", "120.00")}


def test_flat_with_multiple_rounds_principal_and_interest_shares_separately() -> None:
    # 1000 over 3 months at 10%: interest 25.00 in all, 8.33 a month; principal 333.33 a month;
    # to whole units the principal share rounds to 333 and the interest share to 8: 341 a month
    terms = loan(
        principal=Money.parse("1000", "CNY"), rate=Rate.annual_percent("10"), installments=3, method="flat"
    )
    assert [r.total.amount_str() for r in build_schedule(terms).rows] == ["341.66", "341.66", "341.68"]
    whole = build_schedule(ScheduleTerms(**{**_fields(terms), "installment_multiple_minor": 100}))
    assert [r.total.amount_str() for r in whole.rows[:-1]] == ["341.00", "341.00"]
    assert whole.total_principal == terms.principal


def _fields(terms: ScheduleTerms) -> dict:
    return {name: getattr(terms, name) for name in terms.__dataclass_fields__}


def test_grace_on_principal_recomputes_the_installment_over_the_rest() -> None:
    result = rows(loan(grace_principal=2))
    assert result[:2] == [("2024-02-15", "0.00", "120.00"), ("2024-03-15", "0.00", "120.00")]
    level = round(-npf.pmt(0.01, 4, 12000), 2)
    assert float(result[2][1]) + float(result[2][2]) == pytest.approx(level, abs=0.005)
    assert rows(loan(method="equal-principal", grace_principal=2))[2:] == [
        ("2024-04-15", "3000.00", "120.00"),
        ("2024-05-15", "3000.00", "90.00"),
        ("2024-06-15", "3000.00", "60.00"),
        ("2024-07-15", "3000.00", "30.00"),
    ]


def test_weekly_and_every_n_days() -> None:
    weekly = rows(loan(frequency="weekly", installments=4))
    assert [r[0] for r in weekly] == ["2024-01-22", "2024-01-29", "2024-02-05", "2024-02-12"]
    assert weekly[0][2] == "27.69"  # 12000 × 12% / 52
    every_seven = rows(
        loan(frequency="daily", every=7, installments=4, interest_basis="daily", days_in_year="360")
    )
    assert every_seven[0][2] == "28.00"  # 12000 × 12% × 7 / 360


def test_daily_rate_times_days_and_its_nominal_month_of_30_days() -> None:
    result = build_schedule(loan(rate=Rate.daily_percent("0.05"), interest_basis="daily", installments=3))
    assert result.rows[0].interest.amount_str() == "186.00"  # 12000 × 0.05% × 31 days
    level = round(-npf.pmt(0.015, 3, 12000), 2)  # 0.05% × 30 days = 1.5% a month
    assert float(result.rows[0].total.to_decimal()) == pytest.approx(level, abs=0.005)


def test_broken_first_period_by_basis() -> None:
    first_due = date(2024, 3, 1)  # 46 days after 15 January
    assert rows(loan(first_due=first_due, installments=3))[0][2] == "120.00"  # period: whatever the days
    daily = rows(loan(first_due=first_due, installments=3, interest_basis="daily", days_in_year="360"))
    assert daily[0][2] == "184.00"  # 12000 × 12% × 46 / 360
    thirty = loan(
        first_due=first_due, installments=3, interest_basis="daily", days_in_year="360", days_in_month="30"
    )
    # one month to 15 Feb, then 15 of the 29 days to 15 Mar: 30 × (1 + 15/29) = 45.52 days
    assert rows(thirty)[0][2] == "182.07"
    assert due_dates(thirty) == [date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)]


def test_actual_year_counts_leap_days_over_366() -> None:
    across = loan(
        disbursed=date(2023, 12, 15),
        installments=1,
        method="bullet",
        interest_basis="daily",
        days_in_year="actual",
    )
    # 15 Dec 2023 → 15 Jan 2024: 17 days of 2023 over 365 and 14 days of 2024 over 366 (ACT/ACT ISDA)
    exact = 12000 * 0.12 * (17 / 365 + 14 / 366)
    assert float(build_schedule(across).rows[0].interest.to_decimal()) == pytest.approx(exact, abs=0.005)


def test_reamortise_keep_term_lowers_the_installment_keep_installment_shortens() -> None:
    terms = loan(installments=12)
    original = build_schedule(terms)
    after_third = original.rows[2]
    prepaid = Money(after_third.balance_after.minor - 300000, terms.principal.currency)
    lower = reamortise(
        terms,
        from_date=after_third.due_date,
        outstanding=prepaid,
        installments_left=9,
        mode=Reamortise.KEEP_TERM,
    )
    assert len(lower.rows) == 9
    assert lower.rows[0].total < original.rows[3].total
    assert [r.due_date for r in lower.rows] == [r.due_date for r in original.rows[3:]]
    shorter = reamortise(
        terms,
        from_date=after_third.due_date,
        outstanding=prepaid,
        installments_left=9,
        mode="keep-installment",
    )
    assert len(shorter.rows) < 9
    assert all(r.total == original.rows[3].total for r in shorter.rows[:-1])
    assert shorter.total_principal == prepaid


def test_reamortise_keep_installment_refuses_an_installment_below_the_interest() -> None:
    terms = loan(installments=12)
    with pytest.raises(OptionInvalid) as caught:
        reamortise(
            terms,
            from_date=date(2024, 2, 15),
            outstanding=Money.parse("11000", "CNY"),
            installments_left=11,
            mode="keep-installment",
            current_installment=Money.parse("50", "CNY"),
        )
    assert caught.value.field == "current_installment"


def test_zero_rate_splits_principal_evenly() -> None:
    assert {row[1:] for row in rows(loan(rate=Rate.annual_percent("0")))} == {("2000.00", "0.00")}


def test_zero_digit_currency_rounds_to_whole_yen() -> None:
    yen = build_schedule(loan(principal=Money.parse("100000", "JPY"), installments=3))
    assert [r.total.amount_str() for r in yen.rows] == ["34002", "34002", "34003"]
    assert yen.total_principal == Money.parse("100000", "JPY")


def test_reamortise_inside_a_period_charges_the_original_accrual_for_the_rest_of_it() -> None:
    from fractions import Fraction

    from creditline.lending.schedule import interest_exact

    for basis in ("period", "daily"):
        terms = loan(installments=12, interest_basis=basis)
        rest = reamortise(
            terms,
            from_date=date(2024, 3, 1),
            outstanding=Money.parse("9000", "CNY"),
            installments_left=10,
            mode="keep-term",
        )
        first = rest.rows[0]
        assert (first.start_date, first.due_date) == (date(2024, 3, 1), date(2024, 3, 15))
        exact = Fraction(interest_exact(900000, date(2024, 3, 1), date(2024, 3, 15), terms))
        assert first.interest.minor == int(exact + Fraction(1, 2))
    # period basis: 9000 × 1% for the 14 of the 29 days of 15 Feb → 15 Mar still to run = 43.45
    period = reamortise(
        loan(installments=12),
        from_date=date(2024, 3, 1),
        outstanding=Money.parse("9000", "CNY"),
        installments_left=10,
        mode="keep-term",
    )
    assert period.rows[0].interest.amount_str() == "43.45"
