"""Turning a model's log-odds into an honest probability of default.

Candidates: Platt scaling (a logistic regression on the log-odds), isotonic regression
(monotone, piecewise linear between its knots), and the identity. Each is fitted on one half of
the validation predictions and judged by Brier score on the other half, both ways round; the
best on average is refitted on all of them — except that isotonic regression, whose flat steps
tie applicants a ranking told apart, is refused when it costs more than `ISOTONIC_AUC_LOSS_MAX`
of validation AUC against Platt (which keeps the log-odds' order), as it does when validation
holds few bads; Platt is taken then. A Platt slope ≤ 0 (validation's bads at the low log-odds)
would invert the model's ranking: the identity is kept instead. And a method whose held-out gain in
Brier score over the identity is both negligible (under `BRIER_GAIN_NEGLIGIBLE` of the identity's
score) and within one standard error of the row-by-row gain gives way to the identity: a calibration
that cannot be told apart from none can only move the test Brier score by its own noise, either way
(a large set's Platt fit a hundredth of a percent better on validation was as much worse on test).
Stored as JSON (two numbers or the knots).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from creditline.risk.models.metrics import auc, brier

PLATT, ISOTONIC, IDENTITY = "platt", "isotonic", "identity"
ISOTONIC_AUC_LOSS_MAX = 0.005  # a rounding of the ranking, not a flattening of it
LOGIT_ABS_MAX = 35.0
BRIER_GAIN_NEGLIGIBLE = 0.01  # of the identity's held-out Brier score


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


def choose_calibration(logit: np.ndarray, target: np.ndarray, seed: int) -> tuple[Calibration, dict, str]:
    """The method with the lowest held-out Brier score (2-fold), refitted on all validation rows,
    its held-out Brier scores and the reason it was chosen.

    Platt scaling (a logistic regression) needs bad and good rows to fit on: when a half holds one
    class only (an out-of-time validation period with a single bad), it is left out (score None).
    Platt (with a positive slope) and identity keep the log-odds' order, so their AUC is the
    log-odds' own; isotonic is refused when its PDs, held out or refitted, lose more than
    `ISOTONIC_AUC_LOSS_MAX` of it, and Platt, fitted on all validation rows, is taken instead.
    A Platt fit (chosen either way) whose slope is not positive would rank the applicants the
    other way round from the model, or tie them all: it is refused and the identity kept."""
    rng = np.random.default_rng(seed)
    halves = np.array_split(rng.permutation(target.size), 2)
    scores: dict[str, float | None] = {}
    isotonic_held_out = np.empty(target.size)  # the held-out PDs the isotonic ranking check reads
    row_losses = {method: np.empty(target.size) for method in (IDENTITY, PLATT, ISOTONIC)}
    for method in (IDENTITY, PLATT, ISOTONIC):
        losses = []
        for fit_rows, check_rows in ((halves[0], halves[1]), (halves[1], halves[0])):
            if method == PLATT and np.unique(target[fit_rows]).size < 2:
                break
            held = fit_method(method, logit[fit_rows], target[fit_rows]).pd(logit[check_rows])
            if method == ISOTONIC:
                isotonic_held_out[check_rows] = held
            losses.append(brier(target[check_rows], held))
            row_losses[method][check_rows] = (held - target[check_rows]) ** 2
        scores[method] = float(np.mean(losses)) if len(losses) == 2 else None
    judged = [m for m in (IDENTITY, PLATT, ISOTONIC) if scores[m] is not None]
    best = min(judged, key=scores.__getitem__)  # ties: the first in that order
    chosen = fit_method(best, logit, target)
    reason = f"lowest held-out Brier score ({best})"
    if best == ISOTONIC and np.unique(target).size == 2:
        ranking_auc = auc(target, logit)
        isotonic_auc = min(auc(target, isotonic_held_out), auc(target, chosen.pd(logit)))
        if ranking_auc - isotonic_auc > ISOTONIC_AUC_LOSS_MAX:
            chosen = fit_method(PLATT, logit, target)  # all rows hold both classes, so Platt can be fitted
            reason = (
                f"isotonic had the lowest held-out Brier score but its steps cut validation AUC from "
                f"{ranking_auc:.4f} to {isotonic_auc:.4f} (more than {ISOTONIC_AUC_LOSS_MAX}); platt keeps the ranking"
            )
    if chosen.method != IDENTITY and scores[chosen.method] is not None:
        gain = row_losses[IDENTITY] - row_losses[chosen.method]  # > 0 where the calibration does better
        error = float(gain.std(ddof=1) / math.sqrt(gain.size)) if gain.size > 1 else math.inf
        if gain.mean() <= min(error, BRIER_GAIN_NEGLIGIBLE * row_losses[IDENTITY].mean()):
            reason = (
                f"{reason}; but it beats the identity's held-out Brier score by only {gain.mean():.3g}, "
                f"{error:.3g} being one standard error of the gain: the model's own PDs are kept"
            )
            chosen = Calibration(IDENTITY)
    if chosen.method == PLATT and chosen.slope <= 0:
        reason = (
            f"{reason}; but platt's slope on the log-odds is {chosen.slope:.4g} (≤ 0 would invert the ranking "
            "the model learnt), so the identity is kept"
        )
        chosen = Calibration(IDENTITY)
    return chosen, scores, reason
