import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.fraud import fit_anomaly_model, fit_supervised_model
from creditline.risk.fraud.forest import average_path_length

NAMES = ("a", "b", "c", "d")


def _data(seed):
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(600, 4))
    rows[:12] += 6
    return rows


def test_average_path_length_known_values():
    assert list(average_path_length(np.array([0, 1, 2]))) == [0.0, 0.0, 1.0]
    # c(256) = 2(ln 255 + γ) − 2·255/256, the normaliser of the paper's default subsample size.
    expected = 2 * (math.log(255) + 0.5772156649015329) - 2 * 255 / 256
    assert abs(average_path_length(np.array([256]))[0] - expected) < 1e-12


@settings(max_examples=5)
@given(st.integers(0, 10_000))
def test_compiled_forest_equals_sklearn(seed):
    rows = _data(seed)
    model, forest = fit_anomaly_model(rows, NAMES, version="t", seed=seed, trees=30)
    expected = -forest.score_samples(rows)
    np.testing.assert_allclose(model.score_batch(rows), expected, rtol=0, atol=1e-12)
    for row, want in zip(rows[:25], expected[:25], strict=True):
        assert abs(model.score(row) - want) < 1e-12


def test_outliers_score_higher():
    model, _ = fit_anomaly_model(_data(3), NAMES, version="t")
    scores = model.score_batch(_data(3))
    assert scores[:12].mean() > scores[12:].mean() + 0.15


def test_compiled_logistic_regression_equals_sklearn():
    rows = _data(5)
    labels = (rows[:, 0] + rows[:, 1] > 1).astype(int)
    model, pipeline = fit_supervised_model(rows, labels, NAMES, version="t")
    expected = pipeline.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(model.probability_batch(rows), expected, atol=1e-12)
    assert abs(model.probability(rows[7]) - expected[7]) < 1e-12
