"""Population stability: zero for the same population, large for a moved one, the usual bands."""

from __future__ import annotations

import numpy as np
import pytest

from creditline.risk.models.columns import CATEGORY, NUMBER, ColumnSpec
from creditline.risk.models.monitoring import band, baseline, compare, stability_index


def test_bands():
    assert [band(x) for x in (0.0, 0.099, 0.1, 0.25, 0.2501)] == ["stable", "stable", "watch", "watch", "act"]


def test_stability_index_hand_worked():
    # (0.6-0.5)ln(0.6/0.5) + (0.4-0.5)ln(0.4/0.5)
    assert stability_index([0.5, 0.5], [0.6, 0.4]) == pytest.approx(0.1 * np.log(1.2) - 0.1 * np.log(0.8))


def test_same_population_is_stable_and_a_shift_is_flagged():
    rng = np.random.default_rng(4)
    specs = [ColumnSpec("income", "income", NUMBER), ColumnSpec("region", "region", CATEGORY, categories=("a", "b"))]

    def batch(shift: float, share_b: float) -> np.ndarray:
        income = rng.normal(100 + shift, 10, 20000)
        income[rng.random(20000) < 0.05] = np.nan
        return np.column_stack([income, (rng.random(20000) < share_b).astype(float)])

    reference_x = batch(0, 0.3)
    scores = np.nan_to_num(reference_x[:, 0])
    reference = baseline(reference_x, specs, scores)
    same = batch(0, 0.3)
    result = compare(reference, same, specs, np.nan_to_num(same[:, 0]))
    assert result["score"]["band"] == "stable"
    assert all(row["band"] == "stable" for row in result["features"])
    moved = batch(15, 0.7)
    result = compare(reference, moved, specs, np.nan_to_num(moved[:, 0]))
    assert result["score"]["band"] == "act"
    assert {row["feature"]: row["band"] for row in result["features"]} == {"income": "act", "region": "act"}
