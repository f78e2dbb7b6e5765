"""The numpy batch path equals `build_schedule` loan by loan, to the minor unit (hypothesis)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.lending.batch import RATE_SCALE, BatchTerms, _round_div_wide, build_batch, rate_scaled
from creditline.lending.errors import OptionInvalid
from creditline.lending.schedule import build_schedule
from creditline.money import Rate, RateUnit, Rounding


@st.composite
def batches(draw):
    daily_quote = draw(st.booleans())
    terms = BatchTerms(
        installments=draw(st.integers(1, 36)),
        currency=draw(st.sampled_from(["CNY", "JPY", "KWD"])),
        rate_unit=RateUnit.DAILY if daily_quote else RateUnit.ANNUAL,
        method=draw(st.sampled_from(["equal-installment", "equal-principal", "interest-only"])),
        frequency=draw(st.sampled_from(["monthly", "monthly", "weekly", "daily"])),
        every=draw(st.integers(1, 3)),
        interest_basis=draw(st.sampled_from(["period", "daily"])),
        days_in_year=draw(st.sampled_from(["360", "364", "365", "actual"])),
        days_in_month=draw(st.sampled_from(["30", "actual"])),
        installment_multiple_minor=draw(st.sampled_from([None, None, 100])),
        grace_principal=0,
        rounding=draw(st.sampled_from(list(Rounding))),
    )
    terms = BatchTerms(**{**_fields(terms), "grace_principal": draw(st.integers(0, terms.installments - 1))})
    loans = draw(st.integers(1, 12))
    principal = draw(st.lists(st.integers(1, 10**12), min_size=loans, max_size=loans))
    top = 10**8 if daily_quote else 36 * 10**8  # 0.1% a day, 36% a year
    rates = draw(st.lists(st.integers(0, top), min_size=loans, max_size=loans))
    starts = draw(st.lists(st.dates(date(2019, 1, 1), date(2031, 12, 31)), min_size=loans, max_size=loans))
    return terms, principal, rates, starts


def _fields(terms: BatchTerms) -> dict:
    return {name: getattr(terms, name) for name in terms.__dataclass_fields__}


@settings(max_examples=150)
@given(batches())
def test_batch_equals_the_per_loan_path(batch) -> None:
    terms, principal, rates, starts = batch
    result = build_batch(
        terms,
        np.array(principal, dtype=np.int64),
        np.array(rates, dtype=np.int64),
        np.array(starts, dtype="datetime64[D]"),
    )
    for index, (loan_principal, loan_rate, start) in enumerate(zip(principal, rates, starts, strict=True)):
        schedule = build_schedule(terms.loan_terms(loan_principal, loan_rate, np.datetime64(start)))
        assert [row.principal.minor for row in schedule.rows] == result.principal[index].tolist()
        assert [row.interest.minor for row in schedule.rows] == result.interest[index].tolist()
        assert [row.due_date for row in schedule.rows] == result.due[index].astype(object).tolist()
        assert [row.balance_after.minor for row in schedule.rows] == result.balance_after()[index].tolist()


def test_ties_in_the_level_installment_take_the_exact_path() -> None:
    # One month at 12%: the installment is 250 × 1.01 = 252.5 minor units exactly, a tie that a float
    # estimate (252.49999… or 252.50000…1) cannot settle; half-even gives 252, half-up 253.
    for rounding, expected in ((Rounding.HALF_EVEN, 252), (Rounding.HALF_UP, 253)):
        result = build_batch(
            BatchTerms(installments=1, rounding=rounding),
            np.array([250, 120000]),
            np.array([12 * RATE_SCALE // 100, 0]),
            np.array(["2024-01-31", "2024-01-31"], dtype="datetime64[D]"),
        )
        assert result.level.tolist() == [expected, 120000]


def test_wide_division_is_exact_where_int64_products_overflow() -> None:
    balance = np.array([10**12, 999_999_999_999, 7], dtype=np.int64)
    factor = np.array([3 * 10**15, 2 * 10**15 + 1, 1], dtype=np.int64)
    denominator = 365 * 366 * RATE_SCALE
    got = _round_div_wide(balance, factor, denominator, Rounding.HALF_UP)
    expected = [
        (int(b) * int(f) * 2 + denominator) // (2 * denominator) for b, f in zip(balance, factor, strict=True)
    ]
    assert got.tolist() == expected


def test_rates_finer_than_the_scale_and_uncovered_methods_are_refused() -> None:
    assert rate_scaled(Rate.annual_percent("9.4822")) == 948_220_000
    with pytest.raises(OptionInvalid):
        rate_scaled(Rate.annual_percent("0.000000001"))
    with pytest.raises(OptionInvalid) as caught:
        build_batch(
            BatchTerms(installments=3, method="flat"),
            np.array([100]),
            np.array([0]),
            np.array(["2024-01-01"], dtype="datetime64[D]"),
        )
    assert caught.value.field == "method"


def test_a_few_thousand_loans_agree_with_the_per_loan_path() -> None:
    generator = np.random.default_rng(7)
    count = 2000
    principal = generator.integers(100_00, 200_000_00, count)
    rates = generator.integers(0, 24 * RATE_SCALE // 100, count)
    starts = np.datetime64("2024-01-01") + generator.integers(0, 730, count).astype("timedelta64[D]")
    terms = BatchTerms(installments=12, interest_basis="daily", days_in_year="actual")
    result = build_batch(terms, principal, rates, starts)
    for index in range(0, count, 97):
        schedule = build_schedule(terms.loan_terms(int(principal[index]), int(rates[index]), starts[index]))
        assert [row.interest.minor for row in schedule.rows] == result.interest[index].tolist()
    assert (result.principal.sum(axis=1) == principal).all()
