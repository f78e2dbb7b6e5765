"""The registry: plain files, checksums verified, refusals by name, atomic writes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from creditline.risk.models import InvalidModel, ModelArtifacts, Scorer, load_model, save_model
from creditline.risk.models.registry import MANIFEST_FILE


def test_round_trip_keeps_every_artefact(trained, tmp_path):
    artifacts, _ = trained
    directory = save_model(artifacts, tmp_path / "m")
    assert sorted(p.name for p in directory.iterdir()) == [
        "calibration.json", "manifest.json", "metadata.json", "model.txt", "scorecard.json",
    ]
    loaded = load_model(directory)
    assert loaded.booster_text == artifacts.booster_text
    assert loaded.scorecard == json.loads(json.dumps(artifacts.scorecard))
    assert loaded.metadata["model_id"] == artifacts.metadata["model_id"]
    assert not list(tmp_path.glob(".m.*"))


def test_a_tampered_file_is_refused(trained, tmp_path):
    artifacts, _ = trained
    directory = save_model(artifacts, tmp_path / "m")
    card = directory / "scorecard.json"
    card.write_text(card.read_text().replace('"points": ', '"points": 1', 1))
    with pytest.raises(InvalidModel, match=r"scorecard\.json does not match its checksum"):
        load_model(directory)


@pytest.mark.parametrize("damage", ["no_manifest", "no_model", "not_a_dir"])
def test_a_directory_that_is_not_a_model_is_refused(trained, tmp_path, damage):
    artifacts, _ = trained
    directory = save_model(artifacts, tmp_path / "m")
    if damage == "no_manifest":
        (directory / MANIFEST_FILE).unlink()
    elif damage == "no_model":
        (directory / "model.txt").unlink()
    else:
        directory = tmp_path / "m" / "model.txt"
    with pytest.raises(InvalidModel) as raised:
        load_model(directory)
    assert raised.value.field == "model"


def test_schema_mismatch_between_booster_and_metadata_is_refused(trained, tmp_path):
    artifacts, _ = trained
    features = artifacts.metadata["features"]
    renamed = [{**features[0], "feature": "something_else"}, *features[1:]]
    broken = ModelArtifacts(artifacts.booster_text, artifacts.scorecard, artifacts.calibration,
                            {**artifacts.metadata, "features": renamed})
    with pytest.raises(InvalidModel, match="do not match the feature schema"):
        Scorer(load_model(save_model(broken, tmp_path / "m")))


def test_overwrites_a_model_but_never_other_files(trained, tmp_path):
    artifacts, _ = trained
    save_model(artifacts, tmp_path / "m")
    save_model(artifacts, tmp_path / "m")
    load_model(tmp_path / "m")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidModel) as raised:
        save_model(artifacts, tmp_path / "docs")
    assert raised.value.field == "out"
    assert (tmp_path / "docs" / "keep.txt").read_text() == "mine"


def test_a_failed_write_leaves_nothing_behind(trained, tmp_path):
    artifacts, _ = trained
    broken = ModelArtifacts(artifacts.booster_text, artifacts.scorecard, artifacts.calibration,
                            {**artifacts.metadata, "bad": math.nan})
    with pytest.raises(ValueError):
        save_model(broken, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_a_version_1_model_still_loads_and_scores():
    """The shipped origination model predates engineered features and ensembles (format version 1)."""
    from importlib import resources
    from pathlib import Path

    directory = Path(str(resources.files("creditline.app") / "apply_models" / "pd_simulated_cn"))
    artifacts = load_model(directory)
    assert artifacts.metadata["format_version"] == 1 and "derived" not in artifacts.metadata
    scorer = Scorer(artifacts)
    assert scorer.plan.features == ()
    applicant = {spec.name: spec.categories[0] if spec.categories else spec.median for spec in scorer.specs}
    decision = scorer.score_one(applicant)
    assert 0 < decision.pd < 1
    assert scorer.score_batch(pd_frame([applicant]))["pd"][0] == pytest.approx(decision.pd, rel=1e-9)


def test_saving_a_loaded_model_rewrites_its_files_byte_for_byte(tmp_path):
    """Each artefact is encoded once; the manifest's checksum is of the bytes on disk, as before."""
    import hashlib
    from importlib import resources
    from pathlib import Path

    shipped = Path(str(resources.files("creditline.app") / "apply_models" / "pd_simulated_cn"))
    saved = save_model(load_model(shipped), tmp_path / "m")
    assert {p.name: p.read_bytes() for p in saved.iterdir()} == {p.name: p.read_bytes() for p in shipped.iterdir()}
    checksums = json.loads((saved / MANIFEST_FILE).read_text())["files"]
    assert checksums == {name: hashlib.sha256((saved / name).read_bytes()).hexdigest() for name in checksums}
    assert len(checksums) == 4


def test_an_unknown_format_version_is_refused_with_the_versions_read(trained, tmp_path):
    artifacts, _ = trained
    assert artifacts.metadata["format_version"] == 2
    future = ModelArtifacts(artifacts.booster_text, artifacts.scorecard, artifacts.calibration,
                            {**artifacts.metadata, "format_version": 3})
    save_model(future, tmp_path / "m")
    with pytest.raises(InvalidModel, match=r"format version 3 is not one this creditline reads \(1, 2\); retrain"):
        load_model(tmp_path / "m")


def pd_frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)


def edited(artifacts: ModelArtifacts, *, metadata=None, scorecard=None, calibration=None, booster=None) -> ModelArtifacts:
    """The model with one file's content replaced, saved with matching checksums (a hand-edited model)."""
    return ModelArtifacts(booster if booster is not None else artifacts.booster_text,
                          scorecard if scorecard is not None else artifacts.scorecard,
                          calibration if calibration is not None else artifacts.calibration,
                          {**artifacts.metadata, **(metadata or {})})


@pytest.mark.parametrize(
    "edit",
    [
        {"metadata": {"features": None}},
        {"metadata": {"champion": {"blend_weight": "half"}}},
        {"metadata": {"target": ["1"]}},
        {"metadata": {"derived": {"steps": []}}},
        {"scorecard": {"variables": []}},
        {"scorecard": {"scaling": {"pdo": 0, "odds": 50, "points_at_odds": 600}, "intercept": 0, "variables": []}},
        {"calibration": {"method": "isotonic"}},
        {"booster": "hello"},
    ],
    ids=["features-null", "weight-text", "target-list", "plan-no-features", "card-no-scaling", "pdo-zero",
         "calibration-no-knots", "booster-text"],
)
def test_a_malformed_model_with_matching_checksums_is_refused(trained, tmp_path, edit):
    artifacts, _ = trained
    directory = save_model(edited(artifacts, **edit), tmp_path / "m")
    with pytest.raises(InvalidModel) as raised:
        Scorer(load_model(directory))
    assert raised.value.field == "model"


@pytest.mark.parametrize("reference", [{}, {"score": {"edges": [], "shares": [1.0]}, "features": {}}, "none"])
def test_a_model_without_a_complete_monitoring_reference_is_refused_on_monitor(trained, tmp_path, reference):
    from creditline.risk.models.monitoring import compare

    artifacts, _ = trained
    scorer = Scorer(load_model(save_model(edited(artifacts, metadata={"monitoring": reference}), tmp_path / "m")))
    features = np.zeros((3, len(scorer.specs)))
    with pytest.raises(InvalidModel) as raised:
        compare(scorer.monitoring, features, scorer.specs, np.array([600.0, 610.0, 620.0]))
    assert raised.value.field == "model"


def test_a_link_to_a_model_is_followed_and_nothing_is_left_beside_it(trained, tmp_path):
    artifacts, _ = trained
    save_model(artifacts, tmp_path / "v1")
    (tmp_path / "current").symlink_to("v1")
    newer = edited(artifacts, metadata={"model_id": "pd-newer"})
    assert save_model(newer, tmp_path / "current") == tmp_path / "current"
    assert (tmp_path / "current").is_symlink()
    assert load_model(tmp_path / "v1").metadata["model_id"] == "pd-newer"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v1"]


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("flipped_byte", r"model\.txt does not match its checksum"),
        ("manifest_not_utf8", r"manifest\.json is not UTF-8 text"),
        ("files_not_an_object", r"manifest\.json's files is not an object"),
        ("metadata_not_utf8_but_listed", r"metadata\.json is not UTF-8 text"),
    ],
)
def test_damaged_bytes_are_refused_by_name_not_a_traceback(trained, tmp_path, damage, words):
    """A disk error can leave bytes that are not UTF-8: the checksum (or the file's name) says so."""
    import hashlib

    artifacts, _ = trained
    directory = save_model(artifacts, tmp_path / "m")
    manifest = directory / MANIFEST_FILE
    if damage == "flipped_byte":
        model = directory / "model.txt"
        model.write_bytes(model.read_bytes()[:-1] + b"\xff")
    elif damage == "manifest_not_utf8":
        manifest.write_bytes(b"\xff\xfe{}")
    elif damage == "files_not_an_object":
        manifest.write_text(json.dumps({"format": "creditline-pd-model", "files": [1]}))
    else:
        bad = b'{"model_id": "\xff"}'
        (directory / "metadata.json").write_bytes(bad)
        listed = json.loads(manifest.read_text())
        listed["files"]["metadata.json"] = hashlib.sha256(bad).hexdigest()
        manifest.write_text(json.dumps(listed))
    with pytest.raises(InvalidModel, match=words) as raised:
        load_model(directory)
    assert raised.value.field == "model"
