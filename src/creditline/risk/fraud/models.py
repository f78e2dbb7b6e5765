"""The two learned fraud signals: an unsupervised anomaly score and a supervised fraud probability.

Both are fitted in batch with scikit-learn and scored per application through compiled numpy
forms (an isolation forest's node table; a logistic regression's standardised weights), because
scoring one row through sklearn costs more than the whole decision's budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditline.risk.fraud.forest import CompiledForest, compile_forest

ANOMALY_TREES_DEFAULT = 100


@dataclass(frozen=True, slots=True)
class AnomalyModel:
    version: str
    feature_names: tuple[str, ...]
    forest: CompiledForest

    def score(self, row: np.ndarray) -> float:
        return self.forest.score(row)

    def score_batch(self, rows: np.ndarray) -> np.ndarray:
        return self.forest.score_batch(rows)


def fit_anomaly_model(
    rows: np.ndarray, feature_names: tuple[str, ...], *, version: str, seed: int = 7, trees: int = ANOMALY_TREES_DEFAULT
) -> tuple[AnomalyModel, object]:
    """Fit an IsolationForest on application features; returns the model and the sklearn forest."""
    from sklearn.ensemble import IsolationForest

    forest = IsolationForest(n_estimators=trees, random_state=seed).fit(np.asarray(rows, dtype=np.float64))
    return AnomalyModel(version, feature_names, compile_forest(forest)), forest


@dataclass(frozen=True, slots=True)
class SupervisedModel:
    """A logistic regression on standardised features: p = σ(w·(x − μ)/σ + b)."""

    version: str
    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float

    def probability(self, row: np.ndarray) -> float:
        z = float(np.dot((np.asarray(row, dtype=np.float64) - self.mean) / self.scale, self.weights)) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def probability_batch(self, rows: np.ndarray) -> np.ndarray:
        z = ((np.asarray(rows, dtype=np.float64) - self.mean) / self.scale) @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


def fit_supervised_model(
    rows: np.ndarray, labels: np.ndarray, feature_names: tuple[str, ...], *, version: str, c: float = 1.0
) -> tuple[SupervisedModel, object]:
    """Fit when labels exist (confirmed fraud = 1); balanced class weights for rare fraud."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=2000))
    pipeline.fit(np.asarray(rows, dtype=np.float64), np.asarray(labels))
    scaler, regression = pipeline[0], pipeline[1]
    scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
    model = SupervisedModel(
        version, feature_names, scaler.mean_.copy(), scale, regression.coef_[0].copy(), float(regression.intercept_[0])
    )
    return model, pipeline
