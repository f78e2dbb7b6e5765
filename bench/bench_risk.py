"""PD model speed: training time, one-applicant latency (PD, score and reasons), batch throughput.

Full size uses Give Me Some Credit (150,000 rows) when ../shared/data has it, else a synthetic
population of the same size; smoke size trains on 3,000 synthetic rows in seconds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(os.environ.get("CREDITLINE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
GMSC = DATA / "cs-training.csv.zip"


def synthetic(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    late = rng.poisson(0.3, rows)
    utilisation = rng.uniform(0, 1.2, rows)
    income = rng.lognormal(8.5, 0.6, rows)
    age = rng.integers(21, 80, rows)
    logit = -3 + 0.9 * late + 1.8 * utilisation - 0.4 * (np.log(income) - 8.5) - 0.02 * (age - 45)
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({
        "Late90": late, "Utilisation": utilisation.round(4),
        "MonthlyIncome": np.where(rng.random(rows) < 0.1, np.nan, income.round(0)), "Age": age,
        "Region": rng.choice(["n", "s", "e", "w"], rows), "Bad": bad.astype(int),
    })


def training_file(smoke: bool, folder: Path) -> tuple[Path, str, str]:
    if not smoke and GMSC.exists():
        return GMSC, "SeriousDlqin2yrs", "Give Me Some Credit, 150,000 rows"
    rows = 3000 if smoke else 150_000
    path = folder / "synthetic.csv"
    synthetic(rows).to_csv(path, index=False)
    return path, "Bad", f"synthetic, {rows} rows"


def main(smoke: bool) -> list[dict]:
    import tempfile

    from creditline.risk.models import Scorer, TrainingOptions, load_model, read_table, save_model, train

    results = []
    with tempfile.TemporaryDirectory() as folder:
        path, target, label = training_file(smoke, Path(folder))
        started, cpu_started = time.perf_counter(), time.process_time()
        table = read_table(path)
        # Smoke size tries two settings; full size the default search (its work budget, the same on any machine).
        artifacts = train(table, TrainingOptions(target=target, trials=2 if smoke else None, threads=2))
        save_model(artifacts, Path(folder) / "model")
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        test = artifacts.metadata["metrics"]["test"]["champion"]
        results.append({"name": "train (read, search, scorecard, calibrate, save)", "data": label,
                        "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "test_auc": round(test["auc"], 4),
                        "trials": len(artifacts.metadata["champion"]["search_trials"]),
                        "trees": artifacts.metadata["champion"]["rounds"]})
        scorer = Scorer(load_model(Path(folder) / "model"), threads=2)
        frame = table.frame
        results.append(single_latency(scorer, frame, 300 if smoke else 5000))
        results.append(batch_throughput(scorer, frame, 20_000 if smoke else 200_000))
    return results


def single_latency(scorer, frame: pd.DataFrame, count: int) -> dict:
    """Wall time per call, and the calling thread's CPU time, which a busy shared machine cannot inflate."""
    rows = frame.sample(n=count, replace=count > len(frame), random_state=1).to_dict("records")
    for applicant in rows[:50]:
        scorer.score_one(applicant)
    wall, cpu = np.empty(len(rows)), np.empty(len(rows))
    for i, applicant in enumerate(rows):
        cpu_start, wall_start = time.thread_time_ns(), time.perf_counter_ns()
        scorer.score_one(applicant, reasons=4)
        wall[i], cpu[i] = time.perf_counter_ns() - wall_start, time.thread_time_ns() - cpu_start
    wall, cpu = wall / 1e3, cpu / 1e3
    return {"name": "score one applicant (raw dict → PD, score, 4 reasons)", "n": count,
            "p50_us": round(float(np.percentile(wall, 50)), 1), "p99_us": round(float(np.percentile(wall, 99)), 1),
            "cpu_p50_us": round(float(np.percentile(cpu, 50)), 1), "cpu_p99_us": round(float(np.percentile(cpu, 99)), 1)}


def batch_throughput(scorer, frame: pd.DataFrame, rows: int, repeats: int = 3) -> dict:
    """Rows per second of wall time and per second of CPU time (all threads), features in and raw text in.

    After one warm-up batch (the compiled path loads on first use); the best of `repeats` runs, and
    the split of one raw-text batch's CPU time by stage."""
    batch = frame.sample(n=rows, replace=rows > len(frame), random_state=2).reset_index(drop=True)
    features = scorer.features_batch(batch, strict=False)
    scorer.score_features(features[:5000])
    result = {"name": "score a batch (PD, score, points)", "rows": rows}
    for label, work in (("features", lambda: scorer.score_features(features)),
                        ("raw_text", lambda: scorer.score_batch(batch, strict=False))):
        walls, cpus = [], []
        for _ in range(repeats):
            cpu_start, wall_start = time.process_time(), time.perf_counter()
            work()
            walls.append(time.perf_counter() - wall_start)
            cpus.append(time.process_time() - cpu_start)
        result[f"rows_per_s_{label}"] = round(rows / min(walls))
        result[f"rows_per_cpu_s_{label}"] = round(rows / min(cpus))
    result["cpu_ms_by_stage"] = stage_split(scorer, batch)
    return result


def stage_split(scorer, batch: pd.DataFrame) -> dict:
    """CPU milliseconds of each step of `score_batch` on one batch: intake, engineered features,
    the booster (compiled path), the scorecard, calibration and score scaling, the result frame."""
    spent, tic = {}, time.process_time()

    def lap(name: str) -> None:
        nonlocal tic
        spent[name] = round((time.process_time() - tic) * 1e3, 1)
        tic = time.process_time()

    features = scorer.features_batch(batch, strict=False)
    lap("intake (raw text to features)")
    features = scorer.plan.extend(features)
    lap("engineered features")
    compiled = scorer.compiled()
    booster = compiled.raw(features, scorer.threads) if compiled else scorer.booster.predict(features, raw_score=True)
    lap("booster log-odds")
    card = scorer.card.logit(scorer.card.bins(features))
    lap("scorecard")
    pd_ = scorer.calibration.pd(scorer.weight * booster + (1 - scorer.weight) * card)
    score = np.rint(scorer.scaling.score(np.log(pd_ / (1 - pd_))))
    lap("calibration and score scaling")
    pd.DataFrame({"pd": pd_, "score": score.astype(np.int64)})
    lap("result frame")
    return spent


def serve(model: Path, data: Path) -> list[dict]:
    """Serving speed of a model already trained (e.g. by bench/model_accuracy.py) on `data`'s rows:
    what compares two versions of the search without training either again."""
    from creditline.risk.models import Scorer, load_model, read_table

    artifacts = load_model(model)
    scorer = Scorer(artifacts, threads=2)
    frame = read_table(data).frame
    trees = artifacts.metadata["champion"]["rounds"]
    return [{"model": str(model), "trees": trees}, single_latency(scorer, frame, 5000),
            batch_throughput(scorer, frame, 200_000)]


if __name__ == "__main__":
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--model", type=Path, help="serve this trained model instead of training one")
    parser.add_argument("--data", type=Path, default=GMSC, help="rows to score with --model")
    args = parser.parse_args()
    for row in serve(args.model, args.data) if args.model else main(smoke=args.smoke):
        print(json.dumps(row))
