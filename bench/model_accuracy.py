"""Full-size accuracy run: every shared credit dataset, raw, through `creditline model train`.

For each dataset: the CLI trains on the raw file (as a lender would run it, default options), then
an analyst's LightGBM is tuned on the very same development rows and validation folds (a grid of
common settings, early stopping on each fold) and scored on the very same test rows. Prints a
Markdown table for docs/model-benchmarks.md. Not part of the test suite: on a shared 2-core
machine it takes an hour or more; run it niced, one dataset at a time.

    nice .venv/bin/python -m bench.model_accuracy [--only NAME[,NAME…]]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

# Passive OpenMP waiting, as creditline.risk.models sets it, before this process first loads LightGBM.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DATA = Path(os.environ.get("CREDITLINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DATASETS = (
    # name, file, target, positive, published AUC to beat (None: the analyst's LightGBM is the bar)
    ("German (Statlog)", "german.data", "last", None, 0.801),
    ("South German (corrected)", "SouthGermanCredit.asc", "credit_risk", "0", 0.801),
    ("Australian", "australian.dat", "last", None, 0.933),
    ("Taiwan", "UCI_Credit_Card.csv", "default.payment.next.month", None, 0.79),
    ("Give Me Some Credit", "cs-training.csv.zip", "SeriousDlqin2yrs", None, 0.8696),
    ("PAKDD 2010", "PAKDD2010.zip", "last", None, 0.652),
    ("HMEQ", "hmeq.csv", "BAD", None, None),
    ("FICO HELOC", "heloc_dataset_v1.csv", "RiskPerformance", "Bad", None),
    ("Lending Club", "lendingclub_loan_data.csv", "not.fully.paid", None, None),
    ("Thomas", "thomas_loan_data.csv", "BAD", None, None),
    ("Superlender (loans table only)", "superlender/trainperf.csv", "good_bad_flag", "Bad", None),
    ("Superlender (3 tables joined)", "superlender/trainperf.csv+", "good_bad_flag", "Bad", None),
    ("ULB fraud (undersampled)", "creditcard_ulb_fraud_undersample.csv", "Class", None, None),
)
ANALYST_GRID = {
    "learning_rate": (0.05,),
    "num_leaves": (7, 15, 31),
    "min_data_in_leaf": (20, 100),
    "feature_fraction": (0.7, 1.0),
}


def train_cli(path: Path, target: str, positive: str | None, out: Path) -> tuple[dict, float]:
    command = [sys.executable, "-m", "creditline.cli.main", "model", "train", "--data", str(path), "--target", target,
               "--out", str(out), "--json"]
    if positive is not None:
        command += ["--positive", positive]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout), seconds


def joined_superlender(folder: Path) -> Path:
    """The loans with the customers' earlier loans and demographics, via `creditline model join`."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = DATA / "superlender"
    out = folder / "superlender_joined.csv"
    command = [sys.executable, "-m", "creditline.cli.main", "model", "join", "--data", str(tables / "trainperf.csv"),
               "--join", f"{tables / 'trainprevloans.csv'}:customerid",
               "--join", f"{tables / 'traindemographics.csv'}:customerid", "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out


def same_split(path: Path, target: str, positive: str | None) -> tuple[Any, Any, list[int]]:
    """(prepared table, split, categorical column indexes) exactly as `creditline model train` makes
    them with default options: the same converted fields, the same development and test rows."""
    from creditline.risk.models import TrainingOptions, read_table
    from creditline.risk.models.columns import CATEGORY
    from creditline.risk.models.split import split_rows
    from creditline.risk.models.training import guard_leakage, prepare

    options = TrainingOptions(target=target, positive=positive)
    prepared = prepare(read_table(path), options)
    split = split_rows(prepared.target, prepared.order, options.seed)
    guard_leakage(prepared, split)
    return prepared, split, [i for i, s in enumerate(prepared.specs) if s.kind == CATEGORY]


def analyst_lightgbm(path: Path, target: str, positive: str | None) -> float:
    """Test AUC of a grid-tuned LightGBM on the same rows and features as the CLI's split."""
    import lightgbm as lgb

    from creditline.risk.models.metrics import auc

    prepared, split, categorical = same_split(path, target, positive)
    x, y = prepared.features, prepared.target
    dev_x, dev_y = x[split.development], y[split.development]
    best = (-1.0, {}, 0)
    for values in itertools.product(*ANALYST_GRID.values()):
        params = {"objective": "binary", "verbosity": -1, "num_threads": 2, "seed": 1, **dict(zip(ANALYST_GRID, values, strict=True))}
        oof, rounds = np.zeros((split.repeats, dev_y.size)), []
        per_repeat = len(split.folds) // split.repeats
        for number, (train_rows, valid_rows) in enumerate(split.folds):
            fit = lgb.Dataset(dev_x[train_rows], dev_y[train_rows], categorical_feature=categorical)
            check = lgb.Dataset(dev_x[valid_rows], dev_y[valid_rows], reference=fit, categorical_feature=categorical)
            booster = lgb.train(params, fit, 3000, valid_sets=[check], callbacks=[lgb.early_stopping(100, verbose=False)])
            oof[number // per_repeat, valid_rows] = booster.predict(dev_x[valid_rows], num_iteration=booster.best_iteration)
            rounds.append(booster.best_iteration)
        valid = np.concatenate([v for _, v in split.folds[:per_repeat]])
        score = float(np.mean([auc(dev_y[valid], o[valid]) for o in oof]))
        if score > best[0]:
            best = (score, params, int(np.mean(rounds)))
    booster = lgb.train(best[1], lgb.Dataset(dev_x, dev_y, categorical_feature=categorical), best[2])
    return auc(y[split.test], booster.predict(x[split.test]))


def row(name: str, summary: dict, seconds: float, analyst: float, published: float | None) -> str:
    test = summary["test"]
    champion, card = test["champion"], test["scorecard"]
    bar = max(analyst, published or 0.0)
    verdict = "yes" if champion["auc"] >= bar else "no"
    shown = f"{published:.4f}" if published else "—"
    return (
        f"| {name} | {summary['rows']:,} | {summary['split']} | {summary['champion']} (w={summary['blend_weight']}) "
        f"| {champion['auc']:.4f} | {champion['ks']:.4f} | {champion['brier']:.4f} "
        f"| {card['auc']:.4f} | {card['ks']:.4f} | {card['brier']:.4f} | {test['lightgbm']['auc']:.4f} "
        f"| {analyst:.4f} | {shown} | {verdict} | {summary['search_trials']} / {summary['ensemble_members']} "
        f"| {len(summary['engineered_features'])} | {summary['cpu_seconds']:.0f} s | {seconds:.0f} s |"
    )


HEADER = (
    "| dataset | rows | split | champion | AUC | KS | Brier | scorecard AUC | scorecard KS | scorecard Brier "
    "| LightGBM alone AUC | analyst LightGBM AUC | published | beaten | settings / averaged | engineered "
    "| train CPU | train wall |\n"
    "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: "
    "| ---: | ---: |"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated parts of dataset names")
    parser.add_argument("--out", default="/tmp/creditline-accuracy")
    args = parser.parse_args(argv)
    print(HEADER, flush=True)
    for name, file, target, positive, published in DATASETS:
        path = DATA / file.rstrip("+")
        wanted = [part.strip().lower() for part in args.only.split(",")]
        if not any(part in name.lower() for part in wanted) or not path.exists():
            continue
        if file.endswith("+"):
            path = joined_superlender(Path(args.out))
        folder = Path(file.rstrip("+")).stem + ("_joined" if file.endswith("+") else "")  # its own model folder
        summary, seconds = train_cli(path, target, positive, Path(args.out) / folder)
        analyst = analyst_lightgbm(path, target, positive)
        print(row(name, summary, seconds, analyst, published), flush=True)
        record = {"name": name, "summary": summary, "wall_s": seconds, "analyst_auc": analyst, "published": published}
        with (Path(args.out) / "results.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(record, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
