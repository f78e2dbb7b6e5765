"""Two trained PD models on the same held-out test rows: their AUCs and DeLong's paired interval of the
difference (both models score the same applicants, so the difference is far less noisy than either
AUC's own interval). For judging a change to the search: train the old and the new version with
bench/model_accuracy.py into two folders, then

    .venv/bin/python -m bench.model_compare --data FILE --target COL [--positive V] OLD_DIR NEW_DIR

The test rows are those `creditline model train` held out (the same stratified split, seed 7).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

Z_95 = 1.959963984540054


def placements(target: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each bad's share of goods it outranks and each good's share of bads above it (ties count half)."""
    bad_scores, good_scores = score[target], score[~target]
    ranks = rankdata(np.concatenate([bad_scores, good_scores]))
    bads = bad_scores.size
    bad_placement = (ranks[:bads] - rankdata(bad_scores)) / good_scores.size
    good_placement = 1.0 - (ranks[bads:] - rankdata(good_scores)) / bads
    return bad_placement, good_placement


def paired_delong(target: np.ndarray, old: np.ndarray, new: np.ndarray) -> dict:
    """AUC of each, the difference new − old and its DeLong 95% interval (DeLong, DeLong & Clarke-Pearson 1988)."""
    target = np.asarray(target, dtype=bool)
    (bad_old, good_old), (bad_new, good_new) = placements(target, old), placements(target, new)
    auc_old, auc_new = float(bad_old.mean()), float(bad_new.mean())
    variance = (
        np.var(bad_new - bad_old, ddof=1) / bad_old.size + np.var(good_new - good_old, ddof=1) / good_old.size
    )
    half = Z_95 * math.sqrt(max(float(variance), 0.0))
    difference = auc_new - auc_old
    return {
        "rows": int(target.size),
        "auc_old": round(auc_old, 4),
        "auc_new": round(auc_new, 4),
        "difference": round(difference, 4),
        "difference_ci95": [round(difference - half, 4), round(difference + half, 4)],
    }


def test_rows(data: Path, target: str, positive: str | None):
    from creditline.risk.models import TrainingOptions, read_table
    from creditline.risk.models.split import split_rows
    from creditline.risk.models.training import prepare

    table = read_table(data)
    prepared = prepare(table, TrainingOptions(target=target, positive=positive))
    split = split_rows(prepared.target, prepared.order, TrainingOptions(target=target).seed)
    return table.frame.iloc[split.test].reset_index(drop=True), prepared.target[split.test]


def main(argv: list[str] | None = None) -> int:
    from creditline.risk.models import Scorer, load_model

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--positive")
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    frame, target = test_rows(args.data, args.target, args.positive)
    old, new = (
        Scorer(load_model(d), threads=2).score_batch(frame, strict=False)["pd"].to_numpy()
        for d in (args.old, args.new)
    )
    print(json.dumps({"data": args.data.name, **paired_delong(target, old, new)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
