"""Population stability: has the applicant population moved away from the one the model learnt on?

PSI = Σ (actual share − expected share) · ln(actual share / expected share) over bins fixed at
training time: deciles of each number (plus a missing bin), each kept category (plus "other" and
missing). Computed on the score it is the PSI; on a feature, the characteristic stability index
(CSI). Usual bands: below 0.1 stable, 0.1–0.25 watch, above 0.25 act.

The score is binned in whole points, as the scorer shows it and decisions store it: an isotonic
calibration gives one PD to many applicants, and a decile edge on such a tie (612.6) must hold the
same applicants whether their score is read as 612.6 or shown as 613.
"""

from __future__ import annotations

import numpy as np

from creditline.risk.models.columns import CATEGORY, ColumnSpec
from creditline.risk.models.errors import InvalidModel

BINS = 10
SHARE_FLOOR = 1e-4
WATCH_FROM, ACT_ABOVE = 0.1, 0.25


def band(index: float) -> str:
    if index < WATCH_FROM:
        return "stable"
    return "watch" if index <= ACT_ABOVE else "act"


def quantile_edges(values: np.ndarray) -> list[float]:
    """Inner edges of (up to) ten equal-count bins; ties collapse bins rather than split a value."""
    finite = values[~np.isnan(values)]
    if finite.size == 0:
        return []
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1], method="lower"))
    return [float(e) for e in edges]


def numeric_counts(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Counts per bin (x ≤ edge₁, …, x > last edge) with a final bin for missing values."""
    missing = np.isnan(values)
    index = np.searchsorted(np.asarray(edges), values[~missing], side="left")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    return np.append(counts, missing.sum())


def category_counts(codes: np.ndarray, spec: ColumnSpec) -> np.ndarray:
    missing = np.isnan(codes)
    counts = np.bincount(codes[~missing].astype(np.int64), minlength=spec.other_code + 1).astype(np.float64)
    return np.append(counts[: spec.other_code + 1], missing.sum())


def shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else counts


def stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(np.asarray(expected, dtype=np.float64), SHARE_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def whole_points(scores: np.ndarray) -> np.ndarray:
    """Scores as the scorer shows them (`Scorer.score_features` rounds the same way)."""
    return np.rint(np.asarray(scores, dtype=np.float64))


def score_bins_in_points(reference: dict) -> tuple[list[float], np.ndarray]:
    """(edges, shares) of the stored score reference with its edges in whole points.

    A reference stored before scores were binned in whole points holds fractional edges: rounded,
    two edges may fall on one point, and the bins between them merge (their shares summed)."""
    rounded = whole_points(np.asarray(reference["edges"], dtype=np.float64))
    edges = np.unique(rounded)
    bins = np.append(np.searchsorted(edges, rounded), [edges.size, edges.size + 1])
    merged = np.zeros(edges.size + 2)
    np.add.at(merged, bins, np.asarray(reference["shares"], dtype=np.float64))
    return edges.tolist(), merged


def baseline(features: np.ndarray, specs: list[ColumnSpec], scores: np.ndarray) -> dict:
    """The reference distributions stored with the model."""
    scores = whole_points(scores)
    score_edges = quantile_edges(scores)
    result = {"score": {"edges": score_edges, "shares": shares(numeric_counts(scores, score_edges)).tolist()}}
    columns = {}
    for position, spec in enumerate(specs):
        values = features[:, position]
        if spec.kind == CATEGORY:
            columns[spec.name] = {"shares": shares(category_counts(values, spec)).tolist()}
        else:
            edges = quantile_edges(values)
            columns[spec.name] = {"edges": edges, "shares": shares(numeric_counts(values, edges)).tolist()}
    result["features"] = columns
    return result


def check_reference(reference: object, specs: list[ColumnSpec]) -> None:
    """The stored reference holds the score's and every feature's bins (metadata.json can be edited)."""
    features = reference.get("features") if isinstance(reference, dict) else None
    if not isinstance(features, dict) or not reference_fits(reference.get("score"), None):
        raise InvalidModel("metadata.json holds no monitoring reference of the score; retrain the model", field="model")
    for spec in specs:
        if not reference_fits(features.get(spec.name), spec):
            raise InvalidModel(f"metadata.json's monitoring reference of {spec.name!r} is missing or malformed", field="model")


def reference_fits(part: object, spec: ColumnSpec | None) -> bool:
    """Shares for every bin: deciles' edges plus missing, or each category plus other and missing."""
    if not isinstance(part, dict) or not isinstance(part.get("shares"), list):
        return False
    if spec is not None and spec.kind == CATEGORY:
        return len(part["shares"]) == spec.other_code + 2
    return isinstance(part.get("edges"), list) and len(part["shares"]) == len(part["edges"]) + 2


def compare(reference: dict, features: np.ndarray, specs: list[ColumnSpec], scores: np.ndarray) -> dict:
    """PSI of the score and CSI of each feature between the stored reference and a new batch."""
    check_reference(reference, specs)
    score_edges, score_shares = score_bins_in_points(reference["score"])
    score_psi = stability_index(score_shares, shares(numeric_counts(whole_points(scores), score_edges)))
    rows = []
    for position, spec in enumerate(specs):
        ref = reference["features"][spec.name]
        values = features[:, position]
        counts = category_counts(values, spec) if spec.kind == CATEGORY else numeric_counts(values, ref["edges"])
        index = stability_index(ref["shares"], shares(counts))
        rows.append({"feature": spec.name, "csi": index, "band": band(index)})
    rows.sort(key=lambda row: row["csi"], reverse=True)
    return {
        "n": int(scores.size),
        "score": {"psi": score_psi, "band": band(score_psi)},
        "features": rows,
        "bands": {"stable": f"< {WATCH_FROM}", "watch": f"{WATCH_FROM}–{ACT_ABOVE}", "act": f"> {ACT_ABOVE}"},
    }
