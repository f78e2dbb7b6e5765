"""Money: parsing, arithmetic, currencies, allocation."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.money import (
    MINOR_ABS_MAX,
    CurrencyMismatch,
    InvalidAmount,
    Money,
    Rounding,
    UnknownCurrency,
    currency,
    total,
)


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("255", "CNY", 25500),
        ("255.00", "CNY", 25500),
        ("1,234.56", "USD", 123456),
        (" 12.5 ", "EUR", 1250),
        ("-0.01", "CNY", -1),
        ("+7", "CNY", 700),
        (".5", "USD", 50),
        ("1000", "JPY", 1000),
        ("1.234", "KWD", 1234),
        ("1.5", "BHD", 1500),
        ("15000", "IDR", 1500000),
        ("20000", "VND", 20000),
    ],
)
def test_parse_major_units_text(text, code, minor) -> None:
    assert Money.parse(text, code) == Money.of_minor(minor, code)


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E-2",
        "NaN",
        "Infinity",
        "-inf",
        "",
        " ",
        "1.2.3",
        "1,23",
        "12,34.5",
        "1,2345",
        "abc",
        "$5",
        "5 CNY",
        "0x10",
    ],
)
def test_parse_rejects_anything_but_plain_decimal_text(text) -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money.parse(text, "CNY", field="principal")
    assert caught.value.field == "principal"
    assert caught.value.code == "invalid_amount"


def test_parse_rejects_floats_and_excess_decimals() -> None:
    with pytest.raises(InvalidAmount, match="never floats"):
        Money.parse(0.1, "CNY")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="more decimal places"):
        Money.parse("1.005", "CNY")
    with pytest.raises(InvalidAmount, match="more decimal places"):
        Money.parse("1.5", "JPY")
    with pytest.raises(InvalidAmount, match="never float"):
        Money.from_decimal(0.5, "CNY", rounding=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(1.0, currency("CNY"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, currency("CNY"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.99999999999999999999999999999999999", "CNY"),
        ("1.000000000000000000000000000000000001", "CNY"),
        ("7.9999999999999999999999999999999999", "JPY"),
    ],
)
def test_parse_refuses_excess_decimals_however_many_digits(text: str, code: str) -> None:
    # Beyond 34 significant digits the check rounded first: 1.999…9 (35 nines) was taken as 2.00.
    with pytest.raises(InvalidAmount, match="more decimal places"):
        Money.parse(text, code)
    assert Money.parse("12345678901234567.00000000000000000000", "CNY").minor == 1234567890123456700


def test_from_decimal_refuses_extreme_exponents_with_the_rule_they_break() -> None:
    # A JSON number 1e999999999 (`creditline apr` reads numbers as Decimal) overflowed the decimal
    # context (a traceback), and 1e-999999999 underflowed to an amount of 0.00.
    with pytest.raises(InvalidAmount, match="beyond the storable range"):
        Money.from_decimal(Decimal("1e999999999"), "CNY", rounding=None)
    with pytest.raises(InvalidAmount, match="beyond the storable range"):
        Money.from_decimal(Decimal("-1e999999999"), "CNY", rounding=Rounding.HALF_UP)
    with pytest.raises(InvalidAmount, match="more decimal places"):
        Money.from_decimal(Decimal("1e-999999999"), "CNY", rounding=None)
    assert Money.from_decimal(Decimal("0E-999999999"), "CNY", rounding=None).minor == 0
    assert Money.from_decimal(Decimal("12.3400"), "CNY", rounding=None).minor == 1234
    assert Money.from_decimal(Decimal("1.2E+3"), "KWD", rounding=None).minor == 1_200_000


def test_from_decimal_rounds_only_with_a_named_mode() -> None:
    assert Money.from_decimal(Decimal("1.005"), "CNY", rounding=Rounding.HALF_UP).minor == 101
    assert Money.from_decimal(Decimal("1.005"), "CNY", rounding=Rounding.HALF_EVEN).minor == 100
    assert Money.from_decimal(Decimal("1.009"), "CNY", rounding=Rounding.DOWN).minor == 100
    assert Money.from_decimal(Decimal("1.001"), "CNY", rounding=Rounding.UP).minor == 101
    assert Money.from_decimal(Decimal("-1.005"), "CNY", rounding=Rounding.HALF_UP).minor == -101


def test_storable_range_is_bigint() -> None:
    Money.of_minor(MINOR_ABS_MAX, "CNY")
    with pytest.raises(InvalidAmount):
        Money.of_minor(MINOR_ABS_MAX + 1, "CNY")
    with pytest.raises(InvalidAmount):
        Money.parse("92233720368547758.08", "CNY")


def test_currencies_carry_iso_4217_minor_digits() -> None:
    digits = {
        code: currency(code).minor_digits
        for code in ["CNY", "USD", "EUR", "JPY", "KRW", "KWD", "BHD", "IDR", "PHP", "THB", "VND", "MYR"]
    }
    assert digits == {
        "CNY": 2,
        "USD": 2,
        "EUR": 2,
        "JPY": 0,
        "KRW": 0,
        "KWD": 3,
        "BHD": 3,
        "IDR": 2,
        "PHP": 2,
        "THB": 2,
        "VND": 0,
        "MYR": 2,
    }
    assert currency(" cny ").code == "CNY"
    with pytest.raises(UnknownCurrency) as caught:
        currency("XYZ")
    assert caught.value.field == "currency"


def test_amount_str_has_exactly_the_currency_digits() -> None:
    assert Money.parse("255", "CNY").amount_str() == "255.00"
    assert Money.of_minor(-5, "USD").amount_str() == "-0.05"
    assert Money.parse("1000", "JPY").amount_str() == "1000"
    assert Money.of_minor(1, "KWD").amount_str() == "0.001"
    assert str(Money.parse("3.5", "EUR")) == "3.50 EUR"


def test_arithmetic_in_one_currency_and_mixing_raises() -> None:
    a, b = Money.parse("10.25", "CNY"), Money.parse("0.75", "CNY")
    assert a + b == Money.parse("11", "CNY")
    assert a - b == Money.parse("9.5", "CNY")
    assert -a == Money.parse("-10.25", "CNY") and abs(-a) == a
    assert a * 3 == 3 * a == Money.parse("30.75", "CNY")
    assert a > b and b < a and a >= a and b <= b
    assert a.max(b) == a and a.min(b) == b
    usd = Money.parse("1", "USD")
    for operation in (lambda: a + usd, lambda: a - usd, lambda: a < usd, lambda: a >= usd):
        with pytest.raises(CurrencyMismatch):
            operation()
    with pytest.raises(TypeError):
        a * Decimal("1.5")  # type: ignore[operator]
    with pytest.raises(TypeError):
        a + 1  # type: ignore[operator]


def test_times_multiplies_by_a_decimal_and_rounds_with_its_mode() -> None:
    amount = Money.parse("10.05", "CNY")
    assert amount.times(Decimal("0.5"), Rounding.HALF_UP).minor == 503
    assert amount.times(Decimal("0.5"), Rounding.HALF_EVEN).minor == 502
    with pytest.raises(TypeError):
        amount.times(0.5, Rounding.HALF_UP)  # type: ignore[arg-type]


def test_total_of_an_empty_sum_is_zero_in_that_currency() -> None:
    assert total([], "USD") == Money.zero("USD")
    assert total([Money.parse("1", "USD"), Money.parse("2", "USD")], "USD") == Money.parse("3", "USD")


def test_split_and_allocate_examples() -> None:
    assert [m.minor for m in Money.parse("100", "CNY").split(3)] == [3334, 3333, 3333]
    assert [m.minor for m in Money.parse("-1", "CNY").split(3)] == [-34, -33, -33]
    assert [m.minor for m in Money.parse("1", "CNY").allocate([1, 1, 2])] == [25, 25, 50]
    assert [m.minor for m in Money.of_minor(5, "CNY").allocate([Decimal("0.7"), Decimal("0.3")])] == [4, 1]
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(InvalidAmount):
            Money.parse("1", "CNY").allocate(bad)
    with pytest.raises(InvalidAmount):
        Money.parse("1", "CNY").split(0)


def test_allocate_ignores_the_ambient_decimal_context() -> None:
    # the weights' total was once a bare sum(), rounded to the caller's 2 digits: 2.55 became 2.6
    # and the parts came to 98.09 of 100.00
    with decimal.localcontext() as context:
        context.prec = 2
        parts = Money.of_minor(10_000, "CNY").allocate([Decimal("1.5"), Decimal("1.05")])
    assert [m.minor for m in parts] == [5882, 4118]


@given(st.integers(-(10**15), 10**15), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_allocate_sums_exactly_and_stays_within_one_unit_of_each_share(minor, weights) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    whole = Money.of_minor(minor, "CNY")
    parts = whole.allocate(weights)
    assert sum(part.minor for part in parts) == minor
    for part, weight in zip(parts, weights, strict=True):
        exact = Decimal(minor) * weight / sum(weights)
        assert abs(Decimal(part.minor) - exact) < 1


@given(st.integers(-(10**15), 10**15), st.integers(1, 500))
def test_split_parts_differ_by_at_most_one_minor_unit(minor, parts) -> None:
    pieces = [piece.minor for piece in Money.of_minor(minor, "USD").split(parts)]
    assert sum(pieces) == minor
    assert max(pieces) - min(pieces) <= 1
    assert pieces == sorted(pieces, key=abs, reverse=True)  # earlier parts take the extra units


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_parse_round_trips_amount_str(value) -> None:
    money = Money.from_decimal(value, "CNY", rounding=None)
    assert Money.parse(money.amount_str(), "CNY") == money
    assert money.to_decimal() == value
