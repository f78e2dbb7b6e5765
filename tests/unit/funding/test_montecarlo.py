"""Monte Carlo over a one-factor Gaussian copula."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from creditline.funding.assumptions import assumptions
from creditline.funding.deal import build_deal, prepayment_rates, run_deal
from creditline.funding.errors import AssumptionError
from creditline.funding.metrics import tranche_losses
from creditline.funding.montecarlo import (
    CHUNK_PATHS,
    RUN_CELLS_MAX,
    chunk_paths,
    conditional_cumulative,
    grade_groups,
    hazard_from_cumulative,
    monte_carlo,
    monte_carlo_settings,
)
from creditline.funding.projection import project
from creditline.funding.structure import deal_spec
from creditline.funding.waterfall import run_waterfall

from .builders import deal_data, small_tape

ROWS = [
    {
        "risk_grade": g,
        "pd_annual": pd,
        "outstanding_principal_minor": "500000",
        "remaining_term_months": str(6 + i % 7),
    }
    for i, (g, pd) in enumerate([("A", "0.02"), ("B", "0.05"), ("C", "0.12")] * 20)
]
PD_MODEL = {"default_model": "pd", "cpr": "10%", "recovery_rate": "25%", "recovery_lag_months": 2}


@pytest.fixture(scope="module")
def deal():
    return build_deal(deal_spec(deal_data()), small_tape(ROWS))


def test_conditional_curve_averages_to_the_unconditional() -> None:
    cumulative = np.array([[0.0, 0.01, 0.03, 0.2]])
    quantiles = np.linspace(0.0005, 0.9995, 1000)
    from scipy.special import ndtri

    conditional = conditional_cumulative(cumulative, ndtri(quantiles), 0.3)
    assert conditional.mean(axis=0)[0].tolist() == pytest.approx(cumulative[0].tolist(), rel=0.01)
    assert (np.diff(conditional, axis=-1) >= 0).all(), "still a cumulative curve"
    assert (conditional[0] >= conditional[-1]).all(), "a bad economy (low Z) defaults more"


def test_hazards_rebuild_the_curve() -> None:
    cumulative = np.array([0.0, 0.1, 0.19, 0.19, 1.0])
    hazard = hazard_from_cumulative(cumulative)
    assert 1 - np.prod(1 - hazard) == pytest.approx(1.0)
    assert hazard[:4].tolist() == pytest.approx([0.0, 0.1, 0.1, 0.0])


def test_zero_correlation_large_pool_is_the_deterministic_case(deal) -> None:
    settings = monte_carlo_settings({"paths": 50, "correlation": "0", "granular": False})
    result = monte_carlo(deal, assumptions(PD_MODEL), settings)
    assert np.ptp(result.pool_default_rate) == pytest.approx(0.0, abs=1e-12)
    groups, mdr = grade_groups(deal, assumptions(PD_MODEL), 13)
    flows = project(groups, mdr[None], prepayment_rates(assumptions(PD_MODEL), 13))
    expected = run_waterfall(deal.structure, flows, Decimal("0.25"), 2).defaults.sum()
    assert result.pool_default_rate[0] * deal.structure.pool_balance_minor == pytest.approx(expected)


def test_seeded_runs_repeat_and_losses_are_ordered(deal) -> None:
    settings = monte_carlo_settings({"paths": 3000, "correlation": "20%", "seed": 5})
    first = monte_carlo(deal, assumptions(PD_MODEL | {"pd_multiplier": "3"}), settings)
    again = monte_carlo(deal, assumptions(PD_MODEL | {"pd_multiplier": "3"}), settings)
    assert np.array_equal(first.tranches[2].losses, again.tranches[2].losses)
    losses = [t.expected_loss for t in first.tranches]
    assert losses[2] > losses[1] >= losses[0]
    assert first.tranches[2].probability_of_loss > 0
    assert first.tranches[2].percentiles[99.0] >= first.tranches[2].percentiles[50.0]
    assert np.corrcoef(first.factor, first.pool_default_rate)[0, 1] < -0.5


def test_a_batch_of_paths_equals_each_path_alone(deal) -> None:
    a = assumptions(PD_MODEL | {"pd_multiplier": "4"})
    groups, mdr = grade_groups(deal, a, 13)
    curve = conditional_cumulative(1 - np.cumprod(1 - mdr, axis=1), np.array([-2.5, 0.0, 1.0, 2.5]), 0.2)
    hazards = hazard_from_cumulative(curve)
    smm = prepayment_rates(a, 13)
    batch = run_waterfall(
        deal.structure, project(groups, hazards, smm), a.recovery_rate, a.recovery_lag_months
    )
    for p in range(4):
        alone = run_waterfall(deal.structure, project(groups, hazards[p : p + 1], smm), a.recovery_rate, 2)
        assert np.array_equal(alone.tranche_balance[0], batch.tranche_balance[p])
        assert np.array_equal(alone.residual[0], batch.residual[p])


def test_batches_shrink_with_the_groups_and_months_and_the_result_does_not_change(deal, monkeypatch) -> None:
    # a batch was always 2,500 paths: a tape of 2,000 grades took 13.7 GB over 60 months
    assert chunk_paths(10_000, 40, 30) == CHUNK_PATHS
    assert chunk_paths(2_000, 2_000, 60) == 50
    assert chunk_paths(1, 100_000, 600) == 1
    settings = monte_carlo_settings({"paths": 700, "correlation": "20%", "seed": 3})
    whole = monte_carlo(deal, assumptions(PD_MODEL), settings)
    monkeypatch.setattr("creditline.funding.montecarlo.CHUNK_CELLS_MAX", 3 * 14 * 97)
    assert chunk_paths(700, 3, 13) == 97
    batched = monte_carlo(deal, assumptions(PD_MODEL), settings)
    for one, other in zip(whole.tranches, batched.tranches, strict=True):
        assert np.array_equal(one.losses, other.losses)
    assert np.array_equal(whole.pool_default_rate, batched.pool_default_rate)


def test_a_run_too_large_for_its_groups_and_months_is_refused_naming_the_paths(deal) -> None:
    # 100,000 paths of 2,000 grades over 600 months would have run for days
    with pytest.raises(AssumptionError) as caught:
        chunk_paths(100_000, 2_000, 600)
    assert caught.value.field == "paths"
    assert f"at most {RUN_CELLS_MAX // (2_000 * 601):,} paths here" in caught.value.message
    rows = [{"risk_grade": f"G{i}", "outstanding_principal_minor": "500000"} for i in range(200)]
    many_grades = build_deal(deal_spec(deal_data()), small_tape(rows))
    with pytest.raises(AssumptionError) as caught:
        monte_carlo(many_grades, assumptions({"horizon_months": 600}), monte_carlo_settings({"paths": 5_000}))
    assert caught.value.field == "paths"


def test_correlation_must_be_below_one() -> None:
    with pytest.raises(AssumptionError) as caught:
        monte_carlo_settings({"correlation": "1"})
    assert caught.value.field == "correlation"


@pytest.mark.parametrize("term", ["6", "24"])
def test_zero_correlation_reproduces_the_deterministic_run_when_pds_differ_within_a_grade(term) -> None:
    # One grade, three loans at 1% and one at 90%: the Monte Carlo must model each loan's own PD. Run at
    # the grade's average PD (23.25%) the defaults were 21.27% of the pool over 24 months (not 24.01%)
    # and the Sub lost 100% where the deterministic run on the same loans says it does.
    rows = [
        {
            "risk_grade": "A",
            "pd_annual": pd,
            "outstanding_principal_minor": "1000000",
            "remaining_term_months": term,
        }
        for pd in ("0.01", "0.01", "0.01", "0.90")
    ]
    deal = build_deal(deal_spec(deal_data()), small_tape(rows))
    a = assumptions({"default_model": "pd", "cpr": "5%", "recovery_rate": "20%", "recovery_lag_months": 1})
    settings = monte_carlo_settings({"paths": 3, "correlation": "0", "granular": False})
    result = monte_carlo(deal, a, settings)
    run = run_deal(deal, a)
    expected = int(run.result.defaults.sum())
    assert [round(r * deal.structure.pool_balance_minor) for r in result.pool_default_rate] == [expected] * 3
    expected_losses = tranche_losses(run.result, deal.structure)[0]
    assert [t.expected_loss for t in result.tranches] == pytest.approx(expected_losses.tolist(), abs=1e-12)


def test_a_grade_of_many_pds_stays_close_to_the_deterministic_run() -> None:
    # 20 distinct PDs a grade, 0.5% to 60%: at the grade's average PD the zero-correlation scenario
    # defaulted 5.8% less than the deterministic run on the same loans; PD bands keep it within 0.5%
    rows = [
        {
            "risk_grade": "AB"[i % 2],
            "pd_annual": f"{0.005 * (1 + i) ** 1.3:.4f}",
            "remaining_term_months": str(6 + i % 19),
        }
        for i in range(40)
    ]
    deal = build_deal(deal_spec(deal_data()), small_tape(rows))
    a = assumptions({"default_model": "pd", "cpr": "5%", "recovery_rate": "20%", "recovery_lag_months": 1})
    result = monte_carlo(deal, a, monte_carlo_settings({"paths": 1, "correlation": "0", "granular": False}))
    expected = run_deal(deal, a).result.defaults.sum()
    assert result.pool_default_rate[0] * deal.structure.pool_balance_minor == pytest.approx(
        expected, rel=0.005
    )
