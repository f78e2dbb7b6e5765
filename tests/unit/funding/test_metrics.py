"""Tranche analytics: WAL, yield, loss rates and the break-even (first-loss) CDR."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from creditline.funding.assumptions import assumptions
from creditline.funding.deal import break_even_cdrs, build_deal, run_deal
from creditline.funding.metrics import investor_yield, tranche_metrics, weighted_average_life
from creditline.funding.structure import add_months, deal_spec

from .builders import deal_data, small_tape

TWELVE_LOANS = [{"outstanding_principal_minor": "1000000", "remaining_term_months": "12"}] * 12


def test_wal_of_a_bullet_is_its_maturity() -> None:
    dates = (date(2025, 1, 1), date(2025, 7, 2), date(2026, 1, 1))
    assert weighted_average_life(np.array([0, 0, 500]), dates) == pytest.approx(1.0)
    assert weighted_average_life(np.array([0, 100, 100]), dates) == pytest.approx((182 / 365 + 1.0) / 2)
    assert weighted_average_life(np.zeros(3, dtype=np.int64), dates) is None


def test_yield_of_a_par_bond_is_its_coupon() -> None:
    start = date(2025, 1, 15)
    dates = tuple(add_months(start, m) for m in range(13))
    cash = np.array([0] + [5_000] * 11 + [1_005_000])  # 6% a year paid monthly on 1,000,000
    value = investor_yield(cash, dates, 1_000_000, 1.0)
    assert value == pytest.approx((1 + 0.06 / 12) ** 12 - 1, abs=2e-4)
    assert investor_yield(cash, dates, 1_000_000, 0.98) > value


def test_no_default_run_pays_coupons_and_returns_par() -> None:
    deal = build_deal(deal_spec(deal_data()), small_tape(TWELVE_LOANS))
    run = run_deal(deal, assumptions({}))
    metrics = tranche_metrics(run.result, deal.structure)
    assert [m.name for m in metrics] == ["A", "B", "Sub"]
    assert all(m.loss_rate == 0 for m in metrics)
    assert [m.principal_paid_minor for m in metrics] == [t.balance_minor for t in deal.structure.tranches]
    assert metrics[0].yield_annual == pytest.approx(0.0304, abs=0.001)  # 3% ACT/365 paid monthly
    assert metrics[1].yield_annual == pytest.approx(0.0511, abs=0.002)
    assert metrics[2].residual_minor > 0 and metrics[2].yield_annual > 0.2
    assert metrics[0].wal_years < metrics[1].wal_years <= metrics[2].wal_years


def test_break_even_is_ordered_and_is_the_first_loss_point() -> None:
    deal = build_deal(deal_spec(deal_data()), small_tape(TWELVE_LOANS))
    scenario = {"cpr": "5%", "recovery_rate": "30%", "recovery_lag_months": 3}
    points = break_even_cdrs(deal, assumptions(scenario))
    assert points[2] < points[1] < points[0]
    for k, cdr in enumerate(points):
        above = run_deal(deal, assumptions(scenario | {"cdr": str(min(cdr + 0.002, 1))})).result
        below = run_deal(deal, assumptions(scenario | {"cdr": str(max(cdr - 0.002, 0))})).result
        assert lost(above, k) > 0
        assert lost(below, k) == 0


def lost(result, tranche: int) -> int:
    return int(result.writedown[0, tranche].sum() + result.interest_shortfall[0, tranche, -1])
