"""Accrual in exact integers (batch) agrees with the Decimal per-item path on every input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.funding.accrual import accrue_decimal, accrue_minor, period_fraction, scale_minor
from creditline.money import DayCount, Rounding

BALANCES = st.lists(st.integers(0, 10**15), min_size=1, max_size=20)
RATES = st.decimals(Decimal(0), Decimal("0.5"), places=6)
STARTS = st.dates(date(2020, 1, 1), date(2030, 12, 31))


@settings(max_examples=200)
@given(
    balances=BALANCES,
    rate=RATES,
    start=STARTS,
    days=st.integers(0, 400),
    convention=st.sampled_from(list(DayCount)),
    rounding=st.sampled_from(list(Rounding)),
)
def test_batch_equals_per_item(balances, rate, start, days, convention, rounding) -> None:
    end = start + timedelta(days=days)
    batch = accrue_minor(
        np.array(balances, dtype=np.int64), rate, period_fraction(start, end, convention), rounding
    )
    single = [accrue_decimal(b, rate, start, end, convention, rounding) for b in balances]
    assert batch.tolist() == single


def test_rounding_modes_on_a_tie() -> None:
    amounts = np.array([5, 15, 25])
    half = Fraction(1, 10)  # 0.5, 1.5, 2.5
    assert scale_minor(amounts, half, Rounding.HALF_UP).tolist() == [1, 2, 3]
    assert scale_minor(amounts, half, Rounding.HALF_EVEN).tolist() == [0, 2, 2]
    assert scale_minor(amounts, half, Rounding.DOWN).tolist() == [0, 1, 2]
    assert scale_minor(amounts, half, Rounding.UP).tolist() == [1, 2, 3]


def test_large_products_do_not_overflow() -> None:
    factor = Fraction(Decimal("0.0312345")) * Fraction(31, 365)
    big = np.array([9 * 10**15])
    expected = (9 * 10**15 * factor.numerator * 2 + factor.denominator) // (2 * factor.denominator)
    assert scale_minor(big, factor, Rounding.HALF_UP).tolist() == [expected]


def test_act_act_splits_at_the_year_end() -> None:
    fraction = period_fraction(date(2023, 12, 1), date(2024, 2, 1), DayCount.ACT_ACT_ISDA)
    assert fraction == Fraction(31, 365) + Fraction(31, 366)


def test_thirty_360_month_is_a_twelfth() -> None:
    assert period_fraction(date(2025, 1, 26), date(2025, 2, 26), DayCount.THIRTY_360) == Fraction(1, 12)
