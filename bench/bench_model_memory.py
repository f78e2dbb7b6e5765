"""PD model memory: the peak resident size of reading and of training on a wide lender export.

A lender's own export is wider and longer than the shared sets: `lender_export` writes one of
`rows` × 122 columns in the forms such files take (amounts and ratios with many decimals, day counts,
codes, Y/N flags, text categories, dates, blanks and a sentinel code), with a default rate near 8 %.
Each measurement runs in a fresh process (`python -m bench.bench_model_memory --stage read|train`)
so its peak (`ru_maxrss`) is its own; the figure is that peak against the file's size.

`python -m bench.bench_model_memory --rows 300000` measures one size; smoke size is 3,000 rows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

NUMBERS = 80  # amounts, ratios and scores written with many decimals, some blank
COUNTS = 16  # day counts and small integer counts
CATEGORIES = 12  # text levels
FLAGS = 8  # Y/N
DATES = 2


def lender_export(rows: int, path: Path, seed: int = 5) -> Path:
    """Write a Home-Credit-like export of `rows` × 122 columns (target `TARGET`, id `SK_ID`, `APPLIED` date)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=rows)
    columns: dict[str, object] = {"SK_ID": np.arange(100_000, 100_000 + rows)}
    for i in range(NUMBERS):
        weight = 0.35 if i < 12 else 0.0
        base = weight * signal + rng.normal(size=rows)
        values = np.exp(base) * 10 ** (i % 5) if i % 3 else 1 / (1 + np.exp(-base))
        values = values.round(2 if i % 3 else 12)
        blank = rng.random(rows) < (0.02 + 0.3 * (i % 7 == 0))
        columns[f"NUM_{i:02d}"] = np.where(blank, np.nan, values)
    for i in range(COUNTS):
        days = -(rng.gamma(2.0, 800 + 100 * i, rows) + 60 * (i < 4) * signal).round(0)
        columns[f"DAYS_{i:02d}"] = np.where(rng.random(rows) < 0.01, 365243, days).astype(np.int64)
    levels = ["Working", "Commercial associate", "Pensioner", "State servant", "Unemployed", "Student",
              "Businessman", "Maternity leave", "Secondary / secondary special", "Higher education"]
    for i in range(CATEGORIES):
        drawn = np.clip((np.abs(signal * (i < 3) + rng.normal(size=rows)) * 2).astype(int), 0, len(levels) - 1)
        columns[f"CAT_{i:02d}"] = np.array(levels, dtype=object)[drawn]
    for i in range(FLAGS):
        columns[f"FLAG_{i}"] = np.where(rng.random(rows) < 0.3 + 0.05 * i, "Y", "N")
    start = np.datetime64("2019-01-01")
    for i in range(DATES):
        offsets = rng.integers(0, 1_400, rows)
        columns[f"DATE_{i}"] = (start + offsets.astype("timedelta64[D]")).astype(str)
    columns["APPLIED"] = (start + np.sort(rng.integers(0, 1_000, rows)).astype("timedelta64[D]")).astype(str)
    logit = -2.8 + 0.9 * signal
    columns["TARGET"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def stage(name: str, path: Path, out: Path) -> dict:
    """Run one stage as a child of this small process and report the child's peak: `read` reads the
    file; `train` runs `creditline model train`, the command a lender runs. (A child forked from the
    process that generated the file would start from that process's size: Linux counts it in.)"""
    if name == "train":
        command = [sys.executable, "-m", "creditline.cli.main", "model", "train", "--data", str(path),
                   "--target", "TARGET", "--id", "SK_ID", "--time", "APPLIED", "--trials", "2", "--out", str(out), "--json"]
    else:
        command = [sys.executable, "-c", "import sys; from creditline.risk.models import read_table; read_table(sys.argv[1])",
                   str(path)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {"peak_mb": round(usage.ru_maxrss / 1024, 1), "seconds": round(time.perf_counter() - started, 1),
               "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}
    if name == "train":
        figures["test_auc"] = round(json.loads(done.stdout)["test"]["champion"]["auc"], 4)
    return figures


def measure(rows: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = lender_export(rows, Path(folder) / "export.csv")
        size_mb = path.stat().st_size / 1e6
        for name in ("read", "train"):
            command = [sys.executable, "-m", "bench.bench_model_memory", "--stage", name, "--file", str(path),
                       "--out", str(Path(folder) / f"model-{name}")]
            done = subprocess.run(command, capture_output=True, text=True, check=True,
                                  cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONPATH": "src"})
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            results.append({"name": f"PD model {name}: peak resident size", "rows": rows, "columns": 122,
                            "file_mb": round(size_mb, 1), **figures,
                            "peak_per_file_mb": round(figures["peak_mb"] / size_mb, 1)})
    return results


def main(smoke: bool) -> list[dict]:
    return measure(3_000 if smoke else 300_000)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--stage", choices=("read", "train"))
    parser.add_argument("--file", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage, args.file, args.out)))
    else:
        for row in measure(args.rows):
            print(json.dumps(row))
