"""Rounding modes, rates and their conversions, day counts."""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.money import (
    DayCount,
    InvalidRate,
    Rate,
    RateUnit,
    Rounding,
    day_count,
    days_30_360,
    days_in_year,
    divide,
    parse_decimal,
    round_to_int,
    round_to_multiple,
    to_minor,
    year_fraction,
)


@pytest.mark.parametrize(
    ("value", "half_up", "half_even", "down", "up"),
    [
        ("2.5", 3, 2, 2, 3),
        ("3.5", 4, 4, 3, 4),
        ("-2.5", -3, -2, -2, -3),
        ("2.4999", 2, 2, 2, 3),
        ("2.5001", 3, 3, 2, 3),
        ("7", 7, 7, 7, 7),
    ],
)
def test_every_rounding_mode(value, half_up, half_even, down, up) -> None:
    number = Decimal(value)
    assert round_to_int(number, Rounding.HALF_UP) == half_up
    assert round_to_int(number, Rounding.HALF_EVEN) == half_even
    assert round_to_int(number, Rounding.DOWN) == down
    assert round_to_int(number, Rounding.UP) == up


def test_rounding_ignores_the_ambient_decimal_context() -> None:
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        assert to_minor(Decimal("12345.675"), 2, Rounding.HALF_UP) == 1234568
        assert divide(1, 3) == Decimal("0.3333333333333333333333333333333333")
        # these two once summed with a bare +, which rounded to the caller's 3 digits
        across = year_fraction(date(2023, 7, 1), date(2024, 7, 1), DayCount.ACT_ACT_ISDA)
        assert across == Decimal("1.001377348603937420465603712852758")
        assert Rate.annual_percent("12").effective_annual(12) == Decimal("0.126825030131969720661201")


def test_round_to_multiple() -> None:
    assert round_to_multiple(32750, 100, Rounding.HALF_UP) == 32800
    assert round_to_multiple(32750, 100, Rounding.HALF_EVEN) == 32800
    assert round_to_multiple(32650, 100, Rounding.HALF_EVEN) == 32600
    assert round_to_multiple(Decimal("32749.9"), 100, Rounding.HALF_UP) == 32700
    assert round_to_multiple(32701, 100, Rounding.UP) == 32800


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6), st.sampled_from(list(Rounding)))
def test_to_minor_is_within_one_unit_and_respects_direction(value, rounding) -> None:
    minor = to_minor(value, 2, rounding)
    scaled = value * 100
    assert abs(minor - scaled) < 1
    if rounding is Rounding.DOWN:
        assert abs(minor) <= abs(scaled)
    if rounding is Rounding.UP:
        assert abs(minor) >= abs(scaled)
    if rounding in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert abs(minor - scaled) <= Decimal("0.5")


def test_rate_quotes_and_conversions() -> None:
    annual = Rate.annual_percent("18")
    assert annual.value == Decimal("0.18") and annual.unit is RateUnit.ANNUAL
    assert annual.monthly() == Decimal("0.015")
    assert annual.daily() == Decimal("0.0005")
    assert annual.daily(365) == divide(Decimal("0.18"), 365)
    assert annual.periodic(52) == divide(Decimal("0.18"), 52)
    daily = Rate.daily_percent("0.05")
    assert daily.value == Decimal("0.0005") and daily.unit is RateUnit.DAILY
    assert daily.annual() == Decimal("0.18")  # ×360, the market's convention
    assert daily.annual(365) == Decimal("0.1825")
    assert daily.daily(365) == Decimal("0.0005")  # a daily quote stays what it was quoted
    monthly = Rate.monthly_percent("1.5")
    assert monthly.annual() == Decimal("0.18") and monthly.monthly() == Decimal("0.015")
    assert annual.annual_percent_value() == Decimal("18")
    assert str(daily) == "0.05% daily"


def test_effective_annual_rate_compounds() -> None:
    assert Rate.annual_percent("12").effective_annual(12) == pytest.approx(
        Decimal("0.1268250301319697"), abs=Decimal("1e-15")
    )
    assert Rate.annual_percent("0").effective_annual(12) == 0


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "-1", "5%", "", "1001"])
def test_bad_rates_raise_invalid_rate_naming_the_field(text) -> None:
    with pytest.raises(InvalidRate) as caught:
        Rate.annual_percent(text, field="annual_rate")
    assert caught.value.field == "annual_rate"


@pytest.mark.parametrize("quote", [Rate.annual_percent, Rate.monthly_percent, Rate.daily_percent])
@pytest.mark.parametrize("text", ["9e999999", "1e999998", "-9e999999", "1e999999999"])
def test_a_rate_beyond_the_decimal_range_is_refused_not_an_overflow(quote, text) -> None:
    """`--daily-rate 9e999999` raised decimal.Overflow (a traceback, exit 1): the range check multiplied
    first, beyond the context's Emax (and `* 100` in the ambient context overflowed from 1e999998)."""
    with pytest.raises(InvalidRate) as caught:
        quote(text, field="daily_rate")
    assert caught.value.field == "daily_rate"
    assert "1000%" in caught.value.message or "negative" in caught.value.message


def test_rates_refuse_floats() -> None:
    with pytest.raises(InvalidRate):
        Rate.annual_percent(0.18)  # type: ignore[arg-type]
    with pytest.raises(InvalidRate):
        parse_decimal(True, field="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Rate(0.18)  # type: ignore[arg-type]
    with pytest.raises(InvalidRate):
        Rate.daily_percent("3")  # 3% a day is 1080% a year


@given(st.decimals(min_value=0, max_value=100, places=6))
def test_annual_daily_annual_round_trip(percent) -> None:
    rate = Rate.annual_percent(percent)
    for year in (360, 365):
        assert abs(rate.daily(year) * year - rate.value) < Decimal("1e-30")


def test_act_act_isda_across_leap_years() -> None:
    # 2023-07-01 → 2024-07-01: 184 days over 365 and 182 days over 366
    fraction = year_fraction(date(2023, 7, 1), date(2024, 7, 1), DayCount.ACT_ACT_ISDA)
    assert fraction == pytest.approx(Decimal(184) / 365 + Decimal(182) / 366, abs=Decimal("1e-26"))
    assert year_fraction(date(2024, 1, 1), date(2025, 1, 1), DayCount.ACT_ACT_ISDA) == 1
    assert year_fraction(date(2023, 1, 1), date(2024, 1, 1), DayCount.ACT_ACT_ISDA) == 1
    assert year_fraction(date(2024, 3, 1), date(2024, 2, 1), DayCount.ACT_ACT_ISDA) == -year_fraction(
        date(2024, 2, 1), date(2024, 3, 1), DayCount.ACT_ACT_ISDA
    )
    assert days_in_year(DayCount.ACT_ACT_ISDA, 2024) == 366
    assert days_in_year(DayCount.ACT_ACT_ISDA, 2100) == 365
    assert days_in_year(DayCount.ACT_ACT_ISDA, 2000) == 366


def test_fixed_year_day_counts() -> None:
    start, end = date(2024, 1, 1), date(2024, 3, 1)
    assert day_count(start, end, DayCount.ACT_365F) == 60
    assert year_fraction(start, end, DayCount.ACT_365F) == divide(60, 365)
    assert year_fraction(start, end, DayCount.ACT_360) == divide(60, 360)
    assert year_fraction(start, end, DayCount.ACT_364) == divide(60, 364)
    assert year_fraction(start, end, DayCount.THIRTY_360) == divide(60, 360)


@pytest.mark.parametrize(
    ("start", "end", "us", "european"),
    [
        (date(2024, 1, 31), date(2024, 3, 31), 60, 60),  # 31st → 30th on both ends
        (date(2024, 1, 30), date(2024, 3, 31), 60, 60),  # end 31st → 30th because start is the 30th
        (date(2024, 1, 15), date(2024, 3, 31), 76, 75),  # US keeps the 31st when the start is before the 30th
        (date(2024, 2, 29), date(2024, 3, 31), 32, 31),  # no February month-end rule in bond basis
        (date(2024, 1, 31), date(2024, 2, 29), 29, 29),
        (date(2023, 12, 15), date(2024, 1, 15), 30, 30),
    ],
)
def test_30_360_end_of_month_rules(start, end, us, european) -> None:
    assert days_30_360(start, end) == us
    assert days_30_360(start, end, european=True) == european
    assert day_count(start, end, DayCount.THIRTY_360) == us
    assert day_count(start, end, DayCount.THIRTY_E_360) == european


def test_day_count_from_loan_settings() -> None:
    assert DayCount.from_settings("actual", "actual") is DayCount.ACT_ACT_ISDA
    assert DayCount.from_settings(365, "actual") is DayCount.ACT_365F
    assert DayCount.from_settings("360", "30") is DayCount.THIRTY_360


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(0, 3000), st.integers(0, 3000))
def test_act_act_year_fraction_is_additive(start, first, second) -> None:
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    whole = year_fraction(start, end, DayCount.ACT_ACT_ISDA)
    parts = year_fraction(start, middle, DayCount.ACT_ACT_ISDA) + year_fraction(
        middle, end, DayCount.ACT_ACT_ISDA
    )
    assert abs(whole - parts) <= Decimal("1e-26")  # 34-digit pieces, summed here at 28
