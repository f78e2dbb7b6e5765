"""The origination anomaly model shipped as arrays (app.anomaly_forest): the forest a fresh fit gives,
loaded without scikit-learn, its files checked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from creditline.app.anomaly_forest import (
    ShippedModelInvalid,
    fitted_anomaly_model,
    load_anomaly_model,
    same_forest,
    shipped_dir,
    write_anomaly_model,
)


def test_the_shipped_forest_is_what_a_fit_gives_under_the_recorded_scikit_learn():
    import sklearn

    recorded = json.loads((shipped_dir() / "manifest.json").read_text())["fit"]["scikit-learn"]
    if sklearn.__version__ != recorded:
        pytest.skip(f"the shipped forest was fitted with scikit-learn {recorded}, this is {sklearn.__version__}: "
                    "a fit here need not draw the same trees")  # fmt: skip
    shipped, fitted = load_anomaly_model(), fitted_anomaly_model()
    assert shipped.version == fitted.version == "anomaly-sim-1" and shipped.feature_names == fitted.feature_names
    assert same_forest(shipped.forest, fitted.forest), "regenerate: python -m creditline.app.anomaly_forest"


def test_a_written_model_loads_back_scoring_alike(tmp_path):
    from creditline.app.apply_population import anomaly_training_rows

    model = load_anomaly_model()
    write_anomaly_model(model, tmp_path / "copy")
    again = load_anomaly_model(tmp_path / "copy")
    assert same_forest(model.forest, again.forest)
    rows, _ = anomaly_training_rows(300, seed=5)
    scores = again.score_batch(rows)
    assert np.array_equal(scores, model.score_batch(rows)) and 0.3 < float(np.median(scores)) < 0.6
    assert again.score(rows[0]) == pytest.approx(scores[0], abs=1e-12)


def test_a_changed_file_or_other_features_are_refused(tmp_path):
    folder = tmp_path / "shipped"
    shutil.copytree(shipped_dir(), folder)
    data = bytearray((folder / "forest.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "forest.npz").write_bytes(bytes(data))
    with pytest.raises(ShippedModelInvalid, match="does not match its checksum"):
        load_anomaly_model(folder)
    shutil.copy(shipped_dir() / "forest.npz", folder / "forest.npz")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "features": manifest["features"][:-1]}))
    with pytest.raises(ShippedModelInvalid, match="are not the application's"):
        load_anomaly_model(folder)


def test_loading_the_shipped_model_imports_no_scikit_learn():
    """A process that screens applications without the PD model's LightGBM (which imports scikit-learn
    itself) pays neither scikit-learn's import (1.25 s) nor the fit (0.75 s)."""
    code = ("import sys; from creditline.app.apply_setup import anomaly_model; m = anomaly_model(); "
            "print(m.version, 'sklearn' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["anomaly-sim-1", "False"]
