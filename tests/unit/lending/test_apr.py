"""Annualised rates: PBOC IRR and Regulation Z Appendix J (unit periods, odd days, single payments, tolerance)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from creditline.lending.apr import Payment, annual_rate
from creditline.lending.apr_periods import UnitPeriod, infer_unit_period, time_in_periods
from creditline.lending.calendar import add_months
from creditline.lending.errors import AprNotFound, CashFlowInvalid
from creditline.money import Money


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def monthly(first: date, count: int, amount: str) -> list[Payment]:
    return [Payment(add_months(first, k), usd(amount)) for k in range(count)]


def test_odd_first_period_counts_odd_days_over_30_with_simple_interest() -> None:
    # HP 12C manual example: 3950 advanced 19 Jul 2004, 42 monthly payments of 120 from 1 Sep 2004:
    # 13 odd days (19 Jul → 1 Aug) and an APR of 13.95%.
    payments = monthly(date(2004, 9, 1), 42, "120")
    assert time_in_periods(date(2004, 7, 19), date(2004, 9, 1), UnitPeriod("month")) == (
        1,
        pytest.approx(13 / 30),
    )
    result = annual_rate(Payment(date(2004, 7, 19), usd("3950")), payments, "reg-z")
    assert result.apr_pct_display == Decimal("13.95")
    assert result.regular  # an odd first period keeps a transaction regular
    irr = annual_rate(Payment(date(2004, 7, 19), usd("3950")), payments, "irr")
    # compounding the odd fraction instead of simple interest moves the rate, slightly
    assert irr.apr_pct != result.apr_pct and abs(irr.apr_pct - result.apr_pct) < Decimal("0.01")


def test_effective_annual_rate_compounds_the_periodic_rate() -> None:
    result = annual_rate(
        Payment(date(1978, 1, 10), usd("5000")), monthly(date(1978, 2, 10), 24, "230"), "irr"
    )
    periodic = float(result.periodic_rate)
    assert float(result.effective_annual_pct) == pytest.approx(((1 + periodic) ** 12 - 1) * 100, rel=1e-9)
    assert result.apr_pct_display == Decimal("9.69")


@pytest.mark.parametrize(("repaid", "apr_pct"), [("111", "4015.00"), ("300", "73000.00"), ("5000", "1788500.00")])
def test_a_rate_of_a_payday_loan_compounds_to_a_huge_but_finite_effective_rate(repaid: str, apr_pct: str) -> None:
    # 100 repaid with 11 (200, 4900) the next day: 11% (200%, 4900%) a day compounds to more digits than
    # a float or a 28-digit Decimal holds; the quantize (or math.pow) raised instead of answering.
    advance, payment = Payment(date(2025, 1, 10), usd("100")), Payment(date(2025, 1, 11), usd(repaid))
    for method in ("irr", "reg-z"):
        result = annual_rate(advance, [payment], method)
        assert result.unit_period == UnitPeriod("day") and result.apr_pct_display == Decimal(apr_pct)
        growth = Decimal(repaid) / 100
        expected = (growth**365 - 1) * 100
        assert abs(result.effective_annual_pct - expected) <= expected * Decimal("1e-12")


def test_the_search_covers_every_rate_up_to_its_10000_percent_limit() -> None:
    # 9,000 for 100 the next day is 8,900% a day, under the 10,000% a period the search claims to cover;
    # it doubled its bound from 64 to 128 and gave up with "no rate below 10000% a period".
    advance = Payment(date(2025, 1, 10), usd("100"))
    result = annual_rate(advance, [Payment(date(2025, 1, 11), usd("9000"))], "irr")
    assert result.periodic_rate.quantize(Decimal("0.0001")) == Decimal("89.0000")
    with pytest.raises(AprNotFound):
        annual_rate(advance, [Payment(date(2025, 1, 11), usd("10200"))], "irr")
    # A payment 200 days off at such a rate is worth nothing now: math.pow raised OverflowError.
    later = [Payment(date(2025, 1, 11), usd("8000")), Payment(date(2025, 7, 30), usd("1"))]
    for method in ("irr", "reg-z"):
        result = annual_rate(advance, later, method, UnitPeriod("day"))
        assert result.periodic_rate.quantize(Decimal("0.0001")) == Decimal("79.0000")


def test_payments_on_one_date_count_as_one_payment_of_their_sum() -> None:
    # An interval of no days is no period: three payments on each of two dates made the unit period
    # "0 weeks" (a ZeroDivisionError traceback from `creditline apr`), and two payments on one date
    # averaged a month with nothing into a semimonth (229.07% instead of 240.00%).
    advance = Payment(date(2025, 1, 1), usd("100"))
    split = [Payment(date(2025, 2, 1), usd("60")), Payment(date(2025, 2, 1), usd("60"))]
    whole = [Payment(date(2025, 2, 1), usd("120"))]
    for method in ("reg-z", "irr"):
        assert annual_rate(advance, split, method) == annual_rate(advance, whole, method)
        assert annual_rate(advance, split, method).apr_pct_display == Decimal("240.00")
    thirds = [Payment(day, usd("20")) for day in (date(2025, 2, 1), date(2025, 3, 1)) for _ in range(3)]
    twice = [Payment(date(2025, 2, 1), usd("60")), Payment(date(2025, 3, 1), usd("60"))]
    result = annual_rate(advance, thirds, "irr")
    assert result == annual_rate(advance, twice, "irr") and result.unit_period == UnitPeriod("month")


def test_single_payment_whole_months_unit_period_is_the_term() -> None:
    result = annual_rate(Payment(date(2024, 1, 1), usd("1000")), [Payment(date(2024, 7, 1), usd("1080"))])
    assert result.unit_period.name == "half-year"
    assert result.periods_per_year == 2
    assert result.apr_pct_display == Decimal("16.00")


def test_single_payment_odd_days_unit_period_is_its_days() -> None:
    result = annual_rate(Payment(date(2024, 1, 1), usd("1000")), [Payment(date(2024, 2, 15), usd("1010"))])
    assert result.unit_period == UnitPeriod("day", 45)
    # 1% over 45 days, 365/45 such periods a year
    assert float(result.apr_pct) == pytest.approx(1 * 365 / 45, abs=1e-6)


def test_single_payment_beyond_a_year_uses_years_and_a_fraction() -> None:
    result = annual_rate(Payment(date(2024, 1, 1), usd("1000")), [Payment(date(2025, 7, 1), usd("1150"))])
    assert result.unit_period.name == "year"
    assert time_in_periods(date(2024, 1, 1), date(2025, 7, 1), result.unit_period) == (1, pytest.approx(0.5))


def test_unit_period_inference() -> None:
    weekly = [date(2024, 1, 8) + timedelta(days=7 * k) for k in range(6)]
    assert infer_unit_period(date(2024, 1, 1), weekly) == UnitPeriod("week")
    fortnightly = [date(2024, 1, 15) + timedelta(days=14 * k) for k in range(6)]
    assert infer_unit_period(date(2024, 1, 1), fortnightly) == UnitPeriod("week", 2)
    semimonthly = [
        date(2024, 1, 15),
        date(2024, 1, 31),
        date(2024, 2, 15),
        date(2024, 2, 29),
        date(2024, 3, 15),
    ]
    assert infer_unit_period(date(2024, 1, 1), semimonthly) == UnitPeriod("semimonth")
    quarterly = [add_months(date(2024, 4, 1), 3 * k) for k in range(4)]
    assert infer_unit_period(date(2024, 1, 1), quarterly).name == "quarter"
    month_ends = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    assert infer_unit_period(date(2023, 12, 31), month_ends) == UnitPeriod("month")


def test_semimonthly_counts_30_day_months_over_15() -> None:
    # 1 Jan → 15 Feb: one month back from 15 Feb is 15 Jan (30 days), plus 14 odd days: 44 / 15
    assert time_in_periods(date(2024, 1, 1), date(2024, 2, 15), UnitPeriod("semimonth")) == (
        2,
        pytest.approx(14 / 15),
    )


def test_tolerance_is_an_eighth_point_regular_and_a_quarter_irregular() -> None:
    regular = annual_rate(Payment(date(1978, 1, 10), usd("5000")), monthly(date(1978, 2, 10), 24, "230"))
    assert regular.regular and regular.tolerance_pct == Decimal("0.125")
    assert regular.within_tolerance(Decimal("9.80"))
    assert not regular.within_tolerance(Decimal("9.82"))
    uneven = monthly(date(1978, 2, 10), 12, "230") + monthly(date(1979, 2, 10), 12, "250")
    irregular = annual_rate(Payment(date(1978, 1, 10), usd("5000")), uneven)
    assert not irregular.regular and irregular.tolerance_pct == Decimal("0.25")
    assert irregular.within_tolerance(irregular.apr_pct + Decimal("0.24"))
    assert not irregular.within_tolerance(irregular.apr_pct + Decimal("0.26"))


def test_odd_last_payment_keeps_the_transaction_regular() -> None:
    payments = [*monthly(date(2024, 2, 1), 11, "100"), Payment(date(2025, 1, 1), usd("37.50"))]
    assert annual_rate(Payment(date(2024, 1, 1), usd("1100")), payments).regular


def test_zero_interest_is_zero_percent() -> None:
    result = annual_rate(Payment(date(2024, 1, 1), usd("1200")), monthly(date(2024, 2, 1), 12, "100"))
    assert result.apr_pct == 0


@pytest.mark.parametrize(
    ("payments", "error", "field"),
    [
        ([], CashFlowInvalid, "payments"),
        ([Payment(date(2023, 12, 1), usd("100"))], CashFlowInvalid, "payments"),
        ([Payment(date(2024, 2, 1), usd("0"))], CashFlowInvalid, "payments"),
        ([Payment(date(2024, 2, 1), Money.parse("1100", "EUR"))], CashFlowInvalid, "payments"),
        ([Payment(date(2024, 2, 1), usd("900"))], AprNotFound, "payments"),
    ],
)
def test_malformed_cash_flows_raise_typed_errors(payments, error, field) -> None:
    with pytest.raises(error) as caught:
        annual_rate(Payment(date(2024, 1, 1), usd("1000")), payments)
    assert caught.value.field == field


def _level_annuity_minor(rate: float, payment_minor: int, count: int) -> float:
    """What `count` payments, one at the end of each whole unit period, are worth at `rate` a period."""
    return sum(payment_minor / (1 + rate) ** k for k in range(1, count + 1))


def test_payments_every_14_days_are_biweekly_even_where_they_fall_on_two_fixed_days() -> None:
    # Appendix J (b)(4): the unit period is the payment interval, here 14 days, 26 a year. In a
    # non-leap February and March a 14-day series falls on the 1st and 15th, and two payments 14 days
    # apart fall on two days of a month: both were taken for semimonthly (24 a year, every payment
    # 13/15 or 14/15 of a period off), so the APR depended on the calendar, not on the loan.
    elsewhere = annual_rate(Payment(date(2024, 4, 3), usd("1000")),
                            [Payment(date(2024, 4, 17) + timedelta(days=14 * k), usd("260")) for k in range(4)])
    assert elsewhere.unit_period == UnitPeriod("week", 2)
    february = [date(2023, 2, 1), date(2023, 2, 15), date(2023, 3, 1), date(2023, 3, 15)]
    assert infer_unit_period(date(2023, 1, 18), february) == UnitPeriod("week", 2)
    on_two_days = annual_rate(Payment(date(2023, 1, 18), usd("1000")), [Payment(day, usd("260")) for day in february])
    assert (on_two_days.unit_period, on_two_days.periods_per_year) == (UnitPeriod("week", 2), 26)
    assert on_two_days.apr_pct == elsewhere.apr_pct and on_two_days.regular
    rate = float(on_two_days.periodic_rate)
    assert _level_annuity_minor(rate, 26000, 4) == pytest.approx(100000, abs=1e-6)
    assert on_two_days.apr_pct_display == (on_two_days.periodic_rate * 26 * 100).quantize(Decimal("0.01"))
    twice = [date(2024, 1, 15), date(2024, 1, 29)]
    assert infer_unit_period(date(2024, 1, 1), twice) == UnitPeriod("week", 2)


def test_payments_on_the_1st_and_16th_are_semimonthly_24_a_year() -> None:
    days = [date(2024, month, day) for month in range(1, 8) for day in (1, 16)][1:13]  # 16 Jan … 1 Jul
    assert infer_unit_period(date(2024, 1, 1), days) == UnitPeriod("semimonth")
    result = annual_rate(Payment(date(2024, 1, 1), usd("2000")), [Payment(day, usd("175")) for day in days])
    assert (result.unit_period, result.periods_per_year, result.regular) == (UnitPeriod("semimonth"), 24, True)
    # counted back from each payment in 30-day months ÷ 15: the k-th payment is k whole semimonths on
    assert [time_in_periods(date(2024, 1, 1), day, result.unit_period, 16) for day in days] == [
        (k, 0) for k in range(1, 13)
    ]
    assert _level_annuity_minor(float(result.periodic_rate), 17500, 12) == pytest.approx(200000, abs=1e-6)
    days = [*days[1:], date(2024, 7, 16)]  # 1 Feb … 16 Jul
    # a short first period (advance on 23 January, first payment 1 February): 9 odd days ÷ 15
    short = annual_rate(Payment(date(2024, 1, 23), usd("2000")), [Payment(day, usd("175")) for day in days])
    assert short.unit_period == UnitPeriod("semimonth") and short.regular
    assert time_in_periods(date(2024, 1, 23), date(2024, 2, 1), short.unit_period, 16) == (0, Fraction(9, 15))
