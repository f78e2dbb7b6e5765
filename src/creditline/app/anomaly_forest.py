"""The origination anomaly model shipped as data: the compiled isolation forest, not refitted per process.

The fraud screen's anomaly score comes from an isolation forest fitted on 2,000 applicants of the
simulated population (seed 11; `apply_population.anomaly_training_rows`), 100 trees, seed 7. Fitting
it cost every process that decides applications 2.3 s of CPU, the API before /ready on every start
and restart (profiled: drawing the population 0.34 s, fitting 0.47 s, importing scikit-learn 1.25 s, which a
process scoring with LightGBM still pays: `lightgbm` imports it). Its compiled node table
(`risk.fraud.forest.CompiledForest`: 18,112 nodes) is written once to
`apply_models/anomaly_sim_1/` as numpy arrays (`forest.npz`, read with pickling refused) and a
manifest holding the scalars, the feature names, the population and fit it came from, the
scikit-learn version that fitted it and each file's SHA-256; loading checks the checksums and the
features against the application's and refuses a mismatch by name.

Regenerate after changing the population, the anomaly features or the fit (the test
`tests/unit/fraud/test_anomaly_forest_shipped.py` says when a refit under the recorded scikit-learn
no longer matches): `python -m creditline.app.anomaly_forest`.
"""

from __future__ import annotations

import hashlib
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from creditline.risk.fraud.forest import CompiledForest
from creditline.risk.fraud.models import AnomalyModel

FORMAT = "creditline-anomaly-forest"
VERSION = "anomaly-sim-1"
POPULATION = {"size": 2000, "seed": 11}
FIT = {"seed": 7, "trees": 100}
ARRAYS = {"feature": np.int8, "threshold": np.float64, "left": np.int32, "right": np.int32,
          "leaf_value": np.float64, "roots": np.int32}  # fmt: skip


class ShippedModelInvalid(Exception):
    """The shipped anomaly model's files do not match their manifest or the application's features."""


def shipped_dir() -> Path:
    return Path(str(resources.files("creditline.app") / "apply_models" / "anomaly_sim_1"))


def load_anomaly_model(directory: Path | None = None) -> AnomalyModel:
    """The shipped model, its files checked against the manifest's checksums and features."""
    from creditline.app.apply_features import ANOMALY_FEATURES

    folder = directory or shipped_dir()
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise ShippedModelInvalid(f"{folder / 'manifest.json'} is not a {FORMAT} manifest")
    data = (folder / "forest.npz").read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]["forest.npz"]:
        raise ShippedModelInvalid(f"{folder / 'forest.npz'} does not match its checksum in the manifest")
    if tuple(manifest["features"]) != tuple(ANOMALY_FEATURES):
        raise ShippedModelInvalid(f"the shipped anomaly model's features {manifest['features']} are not the application's "
                                  f"{list(ANOMALY_FEATURES)}: regenerate it (python -m creditline.app.anomaly_forest)")  # fmt: skip
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        forest = CompiledForest(
            feature=arrays["feature"].astype(np.int64), threshold=arrays["threshold"],
            left=arrays["left"].astype(np.int64), right=arrays["right"].astype(np.int64),
            leaf_value=arrays["leaf_value"], roots=arrays["roots"].astype(np.int64),
            depth_max=int(manifest["depth_max"]), normaliser=float(manifest["normaliser"]),
        )  # fmt: skip
    return AnomalyModel(manifest["version"], tuple(manifest["features"]), forest)


def fitted_anomaly_model() -> AnomalyModel:
    """The model fitted afresh, as the shipped one was (scikit-learn; 2.3 s of CPU)."""
    from creditline.app.apply_population import anomaly_training_rows
    from creditline.risk.fraud import fit_anomaly_model

    rows, names = anomaly_training_rows(POPULATION["size"], seed=POPULATION["seed"])
    model, _ = fit_anomaly_model(rows, names, version=VERSION, seed=FIT["seed"], trees=FIT["trees"])
    return model


def write_anomaly_model(model: AnomalyModel, directory: Path) -> dict[str, Any]:
    """Write `model` as the shipped files (arrays, then the manifest naming their checksum)."""
    import sklearn

    forest = model.forest
    narrow = {name: getattr(forest, name).astype(kind) for name, kind in ARRAYS.items()}
    for name, array in narrow.items():  # the narrow types hold every value (node ids, feature columns)
        assert np.array_equal(array, getattr(forest, name)), name
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **narrow)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "forest.npz").write_bytes(buffer.getvalue())
    manifest = {
        "format": FORMAT, "version": model.version, "features": list(model.feature_names),
        "depth_max": forest.depth_max, "normaliser": forest.normaliser, "nodes": int(forest.feature.size),
        "population": POPULATION, "fit": {**FIT, "scikit-learn": sklearn.__version__},
        "sha256": {"forest.npz": hashlib.sha256(buffer.getvalue()).hexdigest()},
    }  # fmt: skip
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def same_forest(a: CompiledForest, b: CompiledForest) -> bool:
    return a.depth_max == b.depth_max and a.normaliser == b.normaliser and all(
        np.array_equal(getattr(a, name), getattr(b, name)) for name in ARRAYS
    )


if __name__ == "__main__":
    written = write_anomaly_model(fitted_anomaly_model(), shipped_dir())  # the source tree, in an editable install
    print(f"wrote {written['nodes']} nodes to {shipped_dir()}, fitted with scikit-learn {written['fit']['scikit-learn']}")
