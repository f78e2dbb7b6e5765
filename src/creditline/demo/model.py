"""The demo PD model: drawn applicants, then the same read → train → save → report path as
`creditline model train` and `creditline model report`.

The population is the one the shipped origination model was trained on (`app.apply_population`:
identities checked by the simulated bureau, carrier and face match, a default outcome from a known
logistic risk), written to a CSV first so that the model is trained from a file exactly as a
lender's export would be. The training budget is small and fixed: the search always tries the
analyst's first setting, so a few seconds give the same champion the shipped model has.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROWS_MIN = 2_000
ROWS_MAX = 12_000  # the shipped model's population (apply_population.POPULATION_DEFAULT)
ROWS_PER_BORROWER = 6
BUDGET_S_MAX = 6.0  # at 12,000 rows; smaller populations get proportionally less (at least 1 s)
BUDGET_S_MIN = 1.0

Stage = Callable[[str], None]


def training_rows(borrowers: int) -> int:
    """Six training applicants per simulated borrower, within 2,000–12,000: a tiny demo trains quickly."""
    return max(ROWS_MIN, min(ROWS_MAX, borrowers * ROWS_PER_BORROWER))


def budget_s(rows: int) -> float:
    return max(BUDGET_S_MIN, BUDGET_S_MAX * rows / ROWS_MAX)


def stage_count() -> int:
    """Stages `train_demo_model` reports: population, read, training's own, save, report."""
    from creditline.risk.models.training import STAGES

    return len(STAGES) + 4


def write_population(path: Path, rows: int, seed: int) -> None:
    from creditline.app.apply_population import population

    frame, _ = population(rows, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def train_demo_model(data: Path, out: Path, report: Path, seed: int, stage: Stage) -> dict[str, Any]:
    """Train on `data` into `out`, write its HTML report to `report`; the summary `model train --json` prints."""
    import time

    from creditline.cli.model_cmd import load_scorer, training_summary
    from creditline.risk.models import TrainingOptions, read_table, save_model, train
    from creditline.risk.models.report import write_report

    started = time.monotonic()
    stage("read")
    table = read_table(data)
    rows = len(table.frame)
    options = TrainingOptions(target="bad", positive="1", budget_s=budget_s(rows), seed=seed,
                              created_at=datetime.now(UTC).isoformat(timespec="seconds"))  # fmt: skip
    artifacts = train(table, options, progress=stage)
    stage("save")
    save_model(artifacts, out)
    summary = training_summary(artifacts.metadata, out, time.monotonic() - started)
    stage("report")
    summary["report"] = str(write_report(load_scorer(out), report, None))
    summary["shipped"] = shipped_model_metrics()
    return summary


def shipped_model_metrics() -> dict[str, Any]:
    """The test metrics of the model the origination path decides with, to show beside the demo's own."""
    import json

    from creditline.app.apply_setup import shipped_model_dir

    metadata = json.loads((shipped_model_dir() / "metadata.json").read_text(encoding="utf-8"))
    test = metadata["metrics"]["test"]["champion"]
    return {
        "model_id": metadata["model_id"],
        "rows": metadata["data"]["rows"],
        "auc": test["auc"],
        "ks": test["ks"],
    }
