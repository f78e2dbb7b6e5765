"""Exact ratios from policy text: huge exponents are refused before Fraction expands them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from creditline.risk.limits.ratio import EXPONENT_MAX, exact_fraction, parse_ratio


def test_an_exponent_up_to_the_bound_is_exact() -> None:
    assert exact_fraction("25e-2") == Fraction(1, 4)
    assert exact_fraction(f"1e-{EXPONENT_MAX}") == Fraction(1, 10**EXPONENT_MAX)


@pytest.mark.parametrize("text", ["1e999999999", "1e-999999999", "3/1E+1_000_000", " 1e101 "])
def test_an_exponent_beyond_the_bound_is_a_value_error_at_once(text: str) -> None:
    """Fraction("1e999999999") computes 10**999999999: minutes of CPU and gigabytes before any answer."""
    with pytest.raises(ValueError, match="exponent"):
        parse_ratio(text)
