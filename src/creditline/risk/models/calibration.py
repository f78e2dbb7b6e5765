"""Turning a model's log-odds into an honest probability of default.

Candidates: Platt scaling (a logistic regression on the log-odds), isotonic regression
(monotone, piecewise linear between its knots), and the identity. Each is fitted on one half of
the validation predictions and judged by Brier score on the other half, both ways round; the
best on average is refitted on all of them. Stored as JSON (two numbers or the knots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from creditline.risk.models.metrics import brier

PLATT, ISOTONIC, IDENTITY = "platt", "isotonic", "identity"
LOGIT_ABS_MAX = 35.0


def sigmoid(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -LOGIT_ABS_MAX, LOGIT_ABS_MAX)))


def logit_of(pd_: np.ndarray) -> np.ndarray:
    clipped = np.clip(pd_, 1e-12, 1 - 1e-12)
    return np.log(clipped / (1 - clipped))


@dataclass(frozen=True)
class Calibration:
    method: str
    slope: float = 1.0
    intercept: float = 0.0
    knots_logit: tuple[float, ...] = ()
    knots_pd: tuple[float, ...] = ()

    def pd(self, logit: np.ndarray) -> np.ndarray:
        logit = np.asarray(logit, dtype=np.float64)
        if self.method == ISOTONIC:
            return np.interp(logit, self.knots_logit, self.knots_pd)
        return sigmoid(self.slope * logit + self.intercept)

    def pd_one(self, logit: float) -> float:
        if self.method == ISOTONIC:
            return float(np.interp(logit, self.knots_logit, self.knots_pd))
        z = max(-LOGIT_ABS_MAX, min(LOGIT_ABS_MAX, self.slope * logit + self.intercept))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "slope": self.slope,
            "intercept": self.intercept,
            "knots_logit": list(self.knots_logit),
            "knots_pd": list(self.knots_pd),
        }

    @classmethod
    def from_json(cls, data: dict) -> Calibration:
        return cls(
            data["method"], float(data["slope"]), float(data["intercept"]),
            tuple(data.get("knots_logit", ())), tuple(data.get("knots_pd", ())),
        )


def fit_method(method: str, logit: np.ndarray, target: np.ndarray) -> Calibration:
    if method == IDENTITY:
        return Calibration(IDENTITY)
    if method == PLATT:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=1e6, max_iter=1000).fit(logit.reshape(-1, 1), target.astype(int))
        return Calibration(PLATT, float(model.coef_[0, 0]), float(model.intercept_[0]))
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(out_of_bounds="clip", y_min=1e-6, y_max=1 - 1e-6).fit(logit, target)
    return Calibration(ISOTONIC, knots_logit=tuple(model.X_thresholds_), knots_pd=tuple(model.y_thresholds_))


def choose_calibration(logit: np.ndarray, target: np.ndarray, seed: int) -> tuple[Calibration, dict]:
    """The method with the lowest held-out Brier score (2-fold), refitted on all validation rows.

    Platt scaling (a logistic regression) needs bad and good rows to fit on: when a half holds one
    class only (an out-of-time validation period with a single bad), it is left out (score None)."""
    rng = np.random.default_rng(seed)
    halves = np.array_split(rng.permutation(target.size), 2)
    scores: dict[str, float | None] = {}
    for method in (IDENTITY, PLATT, ISOTONIC):
        losses = []
        for fit_rows, check_rows in ((halves[0], halves[1]), (halves[1], halves[0])):
            if method == PLATT and np.unique(target[fit_rows]).size < 2:
                break
            fitted = fit_method(method, logit[fit_rows], target[fit_rows])
            losses.append(brier(target[check_rows], fitted.pd(logit[check_rows])))
        scores[method] = float(np.mean(losses)) if len(losses) == 2 else None
    judged = [m for m in (IDENTITY, PLATT, ISOTONIC) if scores[m] is not None]
    best = min(judged, key=lambda m: (scores[m], judged.index(m)))
    return fit_method(best, logit, target), scores
