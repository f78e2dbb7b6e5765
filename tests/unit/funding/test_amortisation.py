"""Scheduled amortisation: the vectorised factors agree with the Decimal per-loan path."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.funding.amortisation import (
    AMORTISATION_CODES,
    level_payment_decimal,
    scheduled_balance_decimal,
    scheduled_balance_factors,
)
from creditline.funding.tape import Amortisation


@settings(max_examples=150)
@given(
    principal=st.integers(1, 10**12),
    rate=st.decimals(Decimal(0), Decimal("0.36"), places=4),
    term=st.integers(1, 360),
    kind=st.sampled_from(list(Amortisation)),
)
def test_vector_matches_decimal(principal, rate, term, kind) -> None:
    horizon = min(term + 2, 60)
    factors = scheduled_balance_factors(
        np.array([float(rate)]), np.array([term]), np.array([AMORTISATION_CODES[kind.value]]), horizon
    )[0]
    for month in range(horizon + 1):
        exact = scheduled_balance_decimal(principal, rate, term, month, kind)
        # float64 against 34-digit Decimal: within a billionth of the principal (plus 1e-6 minor units)
        assert abs(float(exact) - factors[month] * principal) <= 1e-9 * principal + 1e-6


def test_level_payment_amortises_to_zero() -> None:
    principal, rate, term = 1_000_000, Decimal("0.12"), 12
    payment = level_payment_decimal(principal, rate, term)
    balance = Decimal(principal)
    for _ in range(term):
        balance = balance * (1 + rate / 12) - payment
    assert abs(balance) < Decimal("1e-20")
    assert scheduled_balance_decimal(principal, rate, term, term, Amortisation.LEVEL) == 0


def test_shapes_of_the_three_kinds() -> None:
    factors = scheduled_balance_factors(np.array([0.12] * 3), np.array([4, 4, 4]), np.array([0, 1, 2]), 5)
    assert factors[1].tolist() == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]  # even principal
    assert factors[2].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]  # interest only: bullet at maturity
    assert factors[0, 0] == 1.0 and factors[0, 4] == 0.0
    assert np.all(np.diff(factors[0]) <= 0)
