"""Locale formatting (babel) with ISO 4217 digits, for the markets creditline serves."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.numbers import format_currency

from creditline.money import InvalidAmount, Money


@pytest.mark.parametrize(
    ("locale", "text", "code", "expected"),
    [
        ("zh_CN", "1234567.89", "CNY", "¥1,234,567.89"),
        ("zh_CN", "-1234.5", "USD", "-US$1,234.50"),
        ("en_US", "1234567.89", "CNY", "CN¥1,234,567.89"),
        ("en_US", "-1234.5", "USD", "-$1,234.50"),
        ("en_US", "1234", "JPY", "¥1,234"),
        ("en_US", "1.234", "KWD", "KWD1.234"),
        ("id_ID", "1500000", "IDR", "Rp1.500.000,00"),
        ("id_ID", "1234567.89", "CNY", "CN¥1.234.567,89"),
        ("ja_JP", "1234", "JPY", "￥1,234"),
        ("ja_JP", "1234567.89", "CNY", "元1,234,567.89"),
    ],
)
def test_format_per_locale_with_iso_digits(locale, text, code, expected) -> None:
    assert Money.parse(text, code).format(locale).replace("\xa0", " ") == expected


def test_formatting_leaves_babels_shared_patterns_alone() -> None:
    # Formatting yen (0 digits) must not change the cached en_US pattern other code formats with.
    Money.parse("1234", "JPY").format("en_US")
    assert Locale.parse("en_US").currency_formats["standard"].frac_prec == (2, 2)
    assert format_currency(1234.5, "USD", locale="en_US", currency_digits=False) == "$1,234.50"
    assert Money.parse("1234.5", "USD").format("en_US") == "$1,234.50"


def test_unknown_locale_is_a_typed_error() -> None:
    with pytest.raises(InvalidAmount) as caught:
        Money.parse("1", "CNY").format("xx_NOPE")
    assert caught.value.field == "locale"
