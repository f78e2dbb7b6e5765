"""Probability-of-default models on a lender's own data: train, evaluate, explain, monitor, serve.

Public API:
- `read_table(path)` → `RawTable`: any delimited text or (nested) zip, types left as text;
- `train(table, TrainingOptions(...), progress)` → `ModelArtifacts`: champion (LightGBM),
  scorecard, blend weight, calibration, metrics, monitoring reference;
- `save_model(artifacts, dir)` / `load_model(dir)`: the verified, atomic registry;
- `Scorer(artifacts)`: `score_one(dict)` → `Decision(pd, score, reasons)`, `score_batch(frame)`;
- `evaluate(target, pd)`: AUC with DeLong interval, Gini, KS, Brier, log loss, calibration;
- `monitoring.compare(...)`: PSI of the score and CSI of each feature against training.
"""

import os

# LightGBM's OpenMP threads spin while they wait by default. On a shared 2-core machine with other
# work running, that turned a 1.5 s two-thread fit into 49 s. Passive waiting must be chosen before
# the OpenMP runtime loads, i.e. before LightGBM is first imported; an explicit setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from creditline.risk.models.errors import InvalidData, InvalidModel, InvalidScoringRequest
from creditline.risk.models.metrics import evaluate
from creditline.risk.models.reading import RawTable, read_table, resolve_column
from creditline.risk.models.registry import ModelArtifacts, load_model, save_model
from creditline.risk.models.scorer import Decision, Scorer
from creditline.risk.models.training import TrainingOptions, train

__all__ = [
    "Decision",
    "InvalidData",
    "InvalidModel",
    "InvalidScoringRequest",
    "ModelArtifacts",
    "RawTable",
    "Scorer",
    "TrainingOptions",
    "evaluate",
    "load_model",
    "read_table",
    "resolve_column",
    "save_model",
    "train",
]
