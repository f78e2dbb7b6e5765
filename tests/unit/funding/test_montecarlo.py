"""Monte Carlo over a one-factor Gaussian copula."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from creditline.funding.assumptions import assumptions
from creditline.funding.deal import build_deal, prepayment_rates
from creditline.funding.errors import AssumptionError
from creditline.funding.montecarlo import (
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


def test_correlation_must_be_below_one() -> None:
    with pytest.raises(AssumptionError) as caught:
        monte_carlo_settings({"correlation": "1"})
    assert caught.value.field == "correlation"
