"""ECL invariants, PD term structures, the rounding point and workout LGD on a hand-made history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from portfolio_factories import row

from creditline.portfolio import pd_term, snapshot
from creditline.portfolio.ecl import (
    EclAssumptions,
    PdMethod,
    _weight_markov_batch,
    _weight_model_batch,
    ecl_table,
    horizon_months,
    loan_ecl,
    round_minor,
    round_minor_batch,
    weight_markov,
    weight_model,
)
from creditline.portfolio.errors import InsufficientHistory, InvalidAssumption
from creditline.portfolio.lgd import workout_lgd
from creditline.portfolio.pd_term import MarkovChain
from creditline.portfolio.roll_rates import TransitionMatrix

probabilities = st.floats(0.0, 1.0, allow_nan=False)
rates = st.floats(0.0, 2.0, allow_nan=False)


@given(st.lists(st.tuples(probabilities, st.integers(1, 60), rates), min_size=1, max_size=40))
def test_model_weights_are_bit_identical_per_loan_and_in_batch(loans):
    pd_12m, months, eir = (np.array(x) for x in zip(*loans, strict=True))
    batch = _weight_model_batch(pd_12m, months, eir)
    assert batch.tolist() == [weight_model(p, m, e) for p, m, e in loans]


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 36), rates), min_size=1, max_size=40))
def test_markov_weights_are_bit_identical_per_loan_and_in_batch(loans):
    chain = _example_chain()
    table = chain.cumulative_pd(36)
    buckets, months, eir = (np.array(x) for x in zip(*loans, strict=True))
    batch = _weight_markov_batch(table, buckets, months, eir)
    assert batch.tolist() == [weight_markov(table[b], m, e) for b, m, e in loans]


@given(st.floats(0.0, 1e12, allow_nan=False))
def test_the_rounding_point_is_half_up_on_the_exact_float_in_both_paths(value):
    assert round_minor_batch(np.array([value])).tolist() == [round_minor(value)]


def test_rounding_point_edge_cases():
    edges = [0.0, 0.5, 1.5, 2.5, 0.49999999999999994, 4503599627370495.5]
    assert round_minor_batch(np.array(edges)).tolist() == [0, 1, 2, 3, 0, 4503599627370496]
    assert [round_minor(v) for v in edges] == [0, 1, 2, 3, 0, 4503599627370496]


@given(probabilities, probabilities, st.integers(1, 48), rates)
def test_ecl_grows_with_pd_and_lifetime_is_at_least_twelve_months(pd_low, pd_high, months, eir):
    pd_low, pd_high = sorted((pd_low, pd_high))
    assert weight_model(pd_low, months, eir) <= weight_model(pd_high, months, eir) + 1e-15
    twelve = weight_model(pd_high, horizon_months(1, months), eir)
    lifetime = weight_model(pd_high, horizon_months(2, months), eir)
    assert lifetime >= twelve - 1e-15
    assert 0.0 <= lifetime <= 1.0


def test_horizons():
    assert horizon_months(1, 36) == 12
    assert horizon_months(1, 5) == 5
    assert horizon_months(2, 36) == 36
    assert horizon_months(2, 0) == 1  # past maturity but unpaid: still at risk next month


def test_zero_pd_or_zero_lgd_means_zero_ecl_and_discounting_lowers_it():
    assert loan_ecl(row(pd_12m=0.0), EclAssumptions()).ecl_minor == 0
    assert loan_ecl(row(lgd=0.0), EclAssumptions()).ecl_minor == 0
    undiscounted = loan_ecl(row(eir_annual=0.0), EclAssumptions()).ecl_minor
    assert undiscounted == 900  # 1,000.00 × 2% × 45%
    assert loan_ecl(row(eir_annual=0.2), EclAssumptions()).ecl_minor < undiscounted


def test_a_charged_off_loan_is_stage_3_on_what_it_owes_alone_in_both_paths():
    # its row says stage 2 and carries 500.00 undrawn; an active twin shows what the rule takes away
    owed = {"principal_minor": 123_456, "interest_minor": 1_001, "penalty_minor": 250, "undrawn_minor": 50_000}
    charged = row(loan_id="L1", status="charged_off", stage=2, days_past_due=181, **owed)
    active = row(loan_id="L2", status="overdue", stage=2, days_past_due=60, **owed)
    assumptions = EclAssumptions(ccf=Decimal("0.5"))
    table = ecl_table(snapshot.from_rows([charged, active]), assumptions)
    by_loan = {r["loan_id"]: r for r in table.iter_rows(named=True)}
    # 1,247.07 owed × 45%, undiscounted = 561.1815 → 561.18
    assert (by_loan["L1"]["stage"], by_loan["L1"]["ead"], by_loan["L1"]["ecl_minor"]) == (3, 124_707.0, 56_118)
    assert by_loan["L2"]["ead"] == 124_707.0 + 25_000.0  # half the undrawn 500.00 still counts
    per_loan = loan_ecl(charged, assumptions)
    assert (per_loan.stage, per_loan.ead, per_loan.ecl_minor) == (3, 124_707.0, 56_118)
    assert loan_ecl(active, assumptions).ecl_minor == by_loan["L2"]["ecl_minor"]
    assert table.schema["stage"] == pl.Int8


def test_a_loan_without_lgd_takes_the_pool_lgd_or_is_an_error():
    loan = row(lgd=None)
    assert loan_ecl(loan, EclAssumptions(lgd_pool=Decimal("0.45"))).ecl_minor == 878
    with pytest.raises(InvalidAssumption) as info:
        ecl_table(snapshot.from_rows([loan]), EclAssumptions())
    assert info.value.field == "lgd"


@pytest.mark.parametrize(("field", "kwargs"), [("ccf", {"ccf": Decimal("1.2")}), ("lgd", {"lgd_pool": Decimal(-1)}),
                                               ("pd_method", {"pd_method": PdMethod.MARKOV})])
def test_assumptions_out_of_range_are_rejected(field, kwargs):
    with pytest.raises(InvalidAssumption) as info:
        EclAssumptions(**kwargs)
    assert info.value.field == field


def _example_chain() -> MarkovChain:
    matrix = np.array([
        [0.95, 0.03, 0.00, 0.00, 0.00, 0.02],
        [0.50, 0.10, 0.40, 0.00, 0.00, 0.00],
        [0.20, 0.05, 0.05, 0.70, 0.00, 0.00],
        [0.10, 0.00, 0.00, 0.05, 0.85, 0.00],
        [0.00, 0.00, 0.00, 0.00, 1.00, 0.00],
        [0.00, 0.00, 0.00, 0.00, 0.00, 1.00],
    ])
    return MarkovChain(matrix)


def _matrix_power_reference(matrix: list[list[float]], months: int) -> list[list[float]]:
    size = len(matrix)
    power = [[float(i == j) for j in range(size)] for i in range(size)]
    table = [[0.0] * (months + 1) for _ in range(4)]
    for m in range(1, months + 1):
        power = [[sum(power[i][k] * matrix[k][j] for k in range(size)) for j in range(size)] for i in range(size)]
        for s in range(4):
            table[s][m] = power[s][4]
    return table


def test_markov_cumulative_pd_is_the_matrix_power_default_column():
    chain = _example_chain()
    table = chain.cumulative_pd(24)
    assert table[:, 0].tolist() == [0.0] * 4
    assert np.allclose(table, _matrix_power_reference(chain.matrix.tolist(), 24), rtol=0, atol=1e-14)
    assert table[3, 1] == pytest.approx(0.85)
    assert table[2, 2] == pytest.approx(0.70 * 0.85 + 0.05 * 0.0)
    assert np.all(np.diff(table, axis=1) >= 0), "cumulative PD never falls"


def test_the_markov_chain_collapses_m4_to_m7_and_charge_off_into_default():
    probabilities = np.zeros((8, 10))
    probabilities[0, [0, 1, 8]] = [0.9, 0.08, 0.02]
    probabilities[1, [0, 2]] = [0.6, 0.4]
    probabilities[2, [1, 3]] = [0.3, 0.7]
    probabilities[3, [4, 6, 9, 0]] = [0.5, 0.1, 0.2, 0.2]
    chain = MarkovChain.from_transitions(TransitionMatrix(probabilities, np.full(8, 10.0), "loans"))
    assert chain.matrix[3].tolist() == [0.2, 0.0, 0.0, 0.0, 0.8, 0.0]
    assert chain.matrix[0].tolist() == [0.9, 0.08, 0.0, 0.0, 0.0, 0.02]
    empty = TransitionMatrix(probabilities, np.array([10.0, 10.0, 0.0, 10.0, 0, 0, 0, 0]), "loans")
    with pytest.raises(InsufficientHistory, match="M2"):
        MarkovChain.from_transitions(empty)


def test_markov_ecl_of_a_current_loan_uses_the_m0_row():
    chain = _example_chain()
    loan = row(eir_annual=0.0, remaining_term_months=3, stage=1)
    result = loan_ecl(loan, EclAssumptions(pd_method=PdMethod.MARKOV, chain=chain), chain.cumulative_pd(12))
    expected_pd = chain.cumulative_pd(3)[0, 3]
    assert result.ecl_minor == round(100_000 * 0.45 * expected_pd)
    assert pd_term.discount(0.05, 0.5) == pytest.approx(1 / 1.05**0.5)


def test_workout_lgd_discounts_recoveries_back_to_the_default_date():
    """Default on 2023-03-31 with 10,000.00 owed; 2,000.00 recovered a year later, EIR 10%."""
    rows = [
        row(as_of=date(2023, 2, 28), days_past_due=60, status="overdue", stage=2, principal_minor=1_000_000,
            eir_annual=0.1, origination_date=date(2022, 1, 5), vintage_month=date(2022, 1, 1)),
        row(as_of=date(2023, 3, 31), days_past_due=91, status="overdue", stage=3, principal_minor=1_000_000,
            eir_annual=0.1, origination_date=date(2022, 1, 5), vintage_month=date(2022, 1, 1)),
        row(as_of=date(2024, 3, 30), days_past_due=400, status="charged_off", stage=3, principal_minor=1_000_000,
            recovered_minor=200_000, eir_annual=0.1, origination_date=date(2022, 1, 5),
            vintage_month=date(2022, 1, 1)),
    ]
    result = workout_lgd(snapshot.from_rows(rows), date(2024, 3, 31), workout_months=12)
    assert (result.defaults, result.ead_minor, result.recovered_minor) == (1, 1_000_000, 200_000)
    assert result.lgd == pytest.approx(1 - 200_000 / 1.1 / 1_000_000)
    too_recent = workout_lgd(snapshot.from_rows(rows), date(2024, 3, 30), workout_months=13)
    assert too_recent.defaults == 0 and too_recent.lgd is None
