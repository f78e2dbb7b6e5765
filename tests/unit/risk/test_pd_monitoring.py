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


def test_the_scores_the_reference_was_drawn_from_are_stable_once_shown_as_whole_points():
    # An isotonic calibration gives a few PDs to many applicants: the reference's score deciles sit
    # on those tied values. The scorer shows (and decisions store) whole points; rounding a tie at
    # 612.6 up to 613 must not move the whole tie past its decile edge.
    specs = [ColumnSpec("income", "income", NUMBER)]
    features = np.arange(1000, dtype=np.float64).reshape(-1, 1)
    scores = np.repeat([480.3, 495.6, 512.7, 530.2, 547.8], 200)
    reference = baseline(features, specs, scores)
    result = compare(reference, features, specs, np.rint(scores))
    assert result["score"]["psi"] == pytest.approx(0.0, abs=1e-9)


def test_a_reference_stored_before_scores_were_whole_points_still_reads_its_own_population():
    specs = [ColumnSpec("income", "income", NUMBER)]
    features = np.arange(1000, dtype=np.float64).reshape(-1, 1)
    # what models trained before this fix hold: deciles of the unrounded scores, two of them within one point
    reference = {
        "score": {"edges": [480.3, 495.6, 495.9, 530.2], "shares": [0.2, 0.2, 0.2, 0.2, 0.2, 0.0]},
        "features": baseline(features, specs, features[:, 0])["features"],
    }
    scores = np.rint(np.repeat([480.3, 495.6, 495.9, 530.2, 547.8], 200))
    assert compare(reference, features, specs, scores)["score"]["psi"] == pytest.approx(0.0, abs=1e-9)


def test_monitoring_the_held_out_rows_themselves_is_stable(trained, applicants_csv):
    from creditline.risk.models import Scorer, read_table
    from creditline.risk.models.split import split_rows
    from creditline.risk.models.target import encode_target

    artifacts, _ = trained
    scorer = Scorer(artifacts)
    frame = read_table(applicants_csv).frame
    target = encode_target(frame["Default"], None).values
    test_rows = split_rows(target, None, artifacts.metadata["split"]["seed"]).test
    held_out = frame.iloc[test_rows].reset_index(drop=True)
    features = scorer.features_batch(held_out)
    scores = scorer.score_features(features)["score"].to_numpy(dtype=np.float64)
    result = compare(scorer.monitoring, features, scorer.specs, scores)
    assert result["score"]["psi"] < 0.01, (artifacts.metadata["champion"]["calibration"], result["score"])
