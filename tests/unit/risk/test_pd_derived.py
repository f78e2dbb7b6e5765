"""Engineered features: which columns feed them, hand-worked values, one row = the batch, JSON round trip."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from creditline.risk.models.columns import CATEGORY, NUMBER, ColumnSpec
from creditline.risk.models.derived import FeaturePlan, is_amount_name, plan_features


def specs_of(*names: str, kind: str = NUMBER) -> list[ColumnSpec]:
    return [ColumnSpec(name, name, kind) for name in names]


def money(rng: np.random.Generator, rows: int) -> np.ndarray:
    return np.round(rng.lognormal(8, 1, rows), 2)


@pytest.mark.parametrize(
    ("name", "amount"),
    [
        ("LIMIT_BAL", True), ("BILL_AMT1", True), ("MonthlyIncome", True), ("loanamount", True), ("DHVAL", True),
        ("revol.bal", True), ("DebtRatio", False), ("revol.util", False), ("log.annual.inc", False),
        ("NumberRealEstateLoansOrLines", False), ("int.rate", False), ("age", False), ("c7", False),
    ],
)
def test_money_columns_are_recognised_by_name(name, amount):
    assert is_amount_name(name) is amount


def test_a_series_yields_its_mean_max_min_and_trend():
    specs = specs_of("PAY_0", "PAY_2", "PAY_3", "LIMIT")
    base = np.array([[2.0, 1.0, 0.0, 5.0], [0.0, np.nan, 2.0, 5.0], [np.nan, np.nan, 1.0, 5.0]])
    plan = plan_features(specs, base)
    assert plan.names == ["missing_count", "PAY_mean", "PAY_max", "PAY_min", "PAY_trend"]
    assert plan.extend(base)[:, 4].tolist() == [0.0, 1.0, 2.0]
    extra = plan.extend(base)[:, 5:]
    # first row: values 2, 1, 0 at positions 0, 1, 2 — the trend is −1 per step
    assert extra[0].tolist() == [1.0, 2.0, 0.0, -1.0]
    # a blank member is left out: 0 at position 0 and 2 at position 2 rise by 1 per step
    assert extra[1].tolist() == [1.0, 2.0, 0.0, 1.0]
    # one member present: no trend
    assert extra[2, :3].tolist() == [1.0, 1.0, 1.0] and math.isnan(extra[2, 3])
    assert plan.features[1].label == "PAY (mean of 3)"


def test_amount_ratios_missing_counts_and_delinquency_totals():
    rng = np.random.default_rng(1)
    rows = 200
    specs = specs_of("Balance", "CreditLimit", "NumberOfTimesLate", "DaysPastDue30", "DebtRatio")
    base = np.column_stack([
        money(rng, rows), money(rng, rows), rng.poisson(1, rows), rng.poisson(1, rows), rng.random(rows),
    ]).astype(float)
    base[0, 0] = np.nan
    base[1, 1] = 0.0
    base[2, 2] = np.nan
    plan = plan_features(specs, base)
    assert plan.names == [
        "missing_count", "delinquency_total", "delinquency_kinds", "CreditLimit_per_Balance",
    ]
    extra = plan.extend(base)[:, 5:]
    assert extra[:3, 0].tolist() == [1.0, 0.0, 1.0]
    assert extra[3, 1] == base[3, 2] + base[3, 3]
    assert extra[3, 2] == int(base[3, 2] > 0) + int(base[3, 3] > 0)
    assert extra[3, 3] == pytest.approx(base[3, 1] / base[3, 0])
    assert math.isnan(extra[0, 3])  # a blank denominator gives a blank ratio


def test_a_date_written_as_yyyymmdd_is_no_amount_to_divide():
    """`LoanIssued` holds 20230115-style numbers: sized like money and named 'loan', but a date."""
    rng = np.random.default_rng(2)
    dates = (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 700, 300), unit="D")).strftime("%Y%m%d")
    base = np.column_stack([money(rng, 300), dates.astype(float), money(rng, 300)])
    plan = plan_features(specs_of("LoanAmount", "LoanIssued", "MonthlyIncome"), base)
    assert plan.names == ["MonthlyIncome_per_LoanAmount"]
    assert not any(is_amount_name(name) for name in ("DueDate", "payment_date", "PaidDt", "BalanceAsOfDate"))


def test_zero_denominator_gives_a_blank_ratio():
    rng = np.random.default_rng(2)
    base = np.column_stack([money(rng, 100), money(rng, 100)])
    base[5, 0] = 0.0
    plan = plan_features(specs_of("Limit", "Balance"), base)
    ratio = plan.extend(base)[:, 2]
    assert math.isnan(ratio[5]) and not np.isnan(np.delete(ratio, 5)).any()


def test_no_engineered_features_from_anonymous_or_categorical_columns():
    rng = np.random.default_rng(3)
    base = np.column_stack([money(rng, 100), money(rng, 100), money(rng, 100), rng.integers(0, 3, 100)]).astype(float)
    positional = specs_of("c1", "c2", "c3") + specs_of("c4", kind=CATEGORY)
    assert plan_features(positional, base).features == ()
    small = np.column_stack([rng.integers(0, 5, 100), rng.integers(0, 5, 100)]).astype(float)
    assert plan_features(specs_of("LoanAmount", "Income"), small).features == ()  # not sized like money


def test_json_round_trip_and_a_model_without_a_plan():
    rng = np.random.default_rng(4)
    base = np.column_stack([money(rng, 100) for _ in range(3)] + [rng.poisson(1, (100, 3))]).astype(float)
    plan = plan_features(specs_of("Income", "Limit", "Bill", "Late1", "Late2", "Late3"), base)
    assert plan.features
    again = FeaturePlan.from_json(plan.to_json(), 6)
    assert again.to_json() == plan.to_json()
    assert np.array_equal(again.extend(base), plan.extend(base), equal_nan=True)
    empty = FeaturePlan.from_json(None, 6)
    assert empty.extend(base) is base


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (12, 7), elements=st.one_of(st.just(np.nan), st.floats(-50, 5000, allow_nan=False))))
def test_one_row_gives_what_the_batch_gives(values):
    rng = np.random.default_rng(5)
    train = np.column_stack([money(rng, 60) for _ in range(3)] + [rng.poisson(1, (60, 4))]).astype(float)
    train[::7, 1] = np.nan
    plan = plan_features(specs_of("Income", "Limit", "Balance", "Late1", "Late2", "Late3", "OverdueCount"), train)
    assert len(plan.features) > 6
    batch = plan.extend(values)
    for row in range(values.shape[0]):
        assert np.array_equal(plan.extend(values[row : row + 1])[0], batch[row], equal_nan=True)


def test_a_ratio_that_overflows_is_missing_not_infinite():
    import warnings

    from creditline.risk.models.derived import ratio

    matrix = np.array([[1e300, 1e-300], [5.0, 2.0], [np.nan, 1.0], [3.0, 0.0], [-1e300, 1e-300]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warning is no longer raised
        found = ratio(matrix, {"pairs": [[0, 1]]})
    assert np.array_equal(found[:, 0], [np.nan, 2.5, np.nan, np.nan, np.nan], equal_nan=True)
