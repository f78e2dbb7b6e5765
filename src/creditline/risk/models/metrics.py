"""How well a PD ranks and how honest it is: AUC (with DeLong's 95% interval), Gini, KS, Brier,
log loss and predicted-versus-observed default rates by decile.

`target` is 1 for bad, 0 for good; `pd_` is the predicted probability of bad.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata

PD_FLOOR = 1e-15
DECILES = 10
Z_95 = 1.959963984540054


def auc(target: np.ndarray, score: np.ndarray) -> float:
    """Probability that a random bad scores above a random good (ties count one half)."""
    target = np.asarray(target, dtype=bool)
    bads, goods = int(target.sum()), int((~target).sum())
    assert bads > 0 and goods > 0, "AUC needs both classes"
    ranks = rankdata(score)
    return float((ranks[target].sum() - bads * (bads + 1) / 2) / (bads * goods))


def auc_ci95(target: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """DeLong's asymptotic 95% interval: the AUC's variance from each case's placement values."""
    target = np.asarray(target, dtype=bool)
    bad_scores, good_scores = score[target], score[~target]
    bads, goods = bad_scores.size, good_scores.size
    all_ranks = rankdata(np.concatenate([bad_scores, good_scores]))
    # A bad's placement: the share of goods it outranks; a good's: the share of bads above it.
    bad_placement = (all_ranks[:bads] - rankdata(bad_scores)) / goods
    good_placement = 1.0 - (all_ranks[bads:] - rankdata(good_scores)) / bads
    centre = float(bad_placement.mean())
    variance = bad_placement.var(ddof=1) / bads + good_placement.var(ddof=1) / goods if min(bads, goods) > 1 else 0.0
    half = Z_95 * math.sqrt(max(variance, 0.0))
    return max(0.0, centre - half), min(1.0, centre + half)


def ks(target: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the cumulative score distributions of bads and goods."""
    target = np.asarray(target, dtype=bool)
    order = np.argsort(score, kind="stable")
    sorted_score, sorted_bad = score[order], target[order]
    cum_bad = np.cumsum(sorted_bad) / max(sorted_bad.sum(), 1)
    cum_good = np.cumsum(~sorted_bad) / max((~sorted_bad).sum(), 1)
    last_of_tie = np.r_[sorted_score[1:] != sorted_score[:-1], True]
    return float(np.max(np.abs(cum_bad - cum_good)[last_of_tie]))


def brier(target: np.ndarray, pd_: np.ndarray) -> float:
    return float(np.mean((pd_ - target) ** 2))


def log_loss(target: np.ndarray, pd_: np.ndarray) -> float:
    clipped = np.clip(pd_, PD_FLOOR, 1 - PD_FLOOR)
    return float(-np.mean(target * np.log(clipped) + (1 - target) * np.log(1 - clipped)))


def calibration_table(target: np.ndarray, pd_: np.ndarray, groups: int = DECILES) -> list[dict]:
    """Rows ranked by PD and cut into equal-count groups: predicted and observed bad rate in each."""
    order = np.argsort(pd_, kind="stable")
    table = []
    for number, rows in enumerate(np.array_split(order, min(groups, pd_.size)), start=1):
        if rows.size == 0:
            continue
        predicted, observed = float(pd_[rows].mean()), float(target[rows].mean())
        table.append(
            {
                "decile": number,
                "n": int(rows.size),
                "pd_min": float(pd_[rows].min()),
                "pd_max": float(pd_[rows].max()),
                "predicted": predicted,
                "observed": observed,
            }
        )
    return table


def evaluate(target: np.ndarray, pd_: np.ndarray) -> dict:
    """The evaluation contract of `creditline model evaluate`."""
    target = np.asarray(target, dtype=np.float64)
    pd_ = np.asarray(pd_, dtype=np.float64)
    area = auc(target, pd_)
    low, high = auc_ci95(target, pd_)
    return {
        "n": int(target.size),
        "bad_rate": float(target.mean()),
        "auc": area,
        "gini": 2 * area - 1,
        "ks": ks(target, pd_),
        "brier": brier(target, pd_),
        "log_loss": log_loss(target, pd_),
        "calibration": calibration_table(target, pd_),
        "auc_ci95": [low, high],
    }
