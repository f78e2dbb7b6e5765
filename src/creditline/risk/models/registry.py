"""The model registry: one directory per model version, plain files, verified on every load.

    model.txt         LightGBM's own text model
    scorecard.json    bins, WoE, log-odds and points of every characteristic
    calibration.json  the log-odds → PD map
    metadata.json     data hash, feature schema (types, allowed categories), metrics, split,
                      search log, monitoring reference, creation time, package versions
    manifest.json     SHA-256 of each file above

Nothing is pickled. A model is written into a temporary sibling directory and renamed into
place, so a failure leaves either the old model or nothing, never half a model. Loading checks
the manifest's checksums and the metadata's format and schema, and refuses a mismatch by name.

Format versions: 1 = one LightGBM model on the raw features; 2 adds engineered features (the
`derived` plan in metadata.json, whose columns follow the raw ones in model.txt) and an ensemble
champion (still one model.txt). Version 1 models hold a subset of version 2 and load unchanged;
a version this code does not know is refused with the versions it reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from creditline.risk.models.errors import InvalidModel

FORMAT = "creditline-pd-model"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MODEL_FILE, SCORECARD_FILE, CALIBRATION_FILE = "model.txt", "scorecard.json", "calibration.json"
METADATA_FILE, MANIFEST_FILE = "metadata.json", "manifest.json"
ARTEFACTS = (MODEL_FILE, SCORECARD_FILE, CALIBRATION_FILE, METADATA_FILE)
METADATA_KEYS = ("model_id", "created_at", "data", "target", "features", "champion", "metrics", "packages")


@dataclass(frozen=True)
class ModelArtifacts:
    booster_text: str
    scorecard: dict
    calibration: dict
    metadata: dict


def serialise(artifacts: ModelArtifacts) -> dict[str, bytes]:
    """The bytes of each artefact file: what is written and what the manifest's checksum is of."""
    texts = {
        MODEL_FILE: artifacts.booster_text,
        SCORECARD_FILE: json.dumps(artifacts.scorecard, indent=1, allow_nan=False),
        CALIBRATION_FILE: json.dumps(artifacts.calibration, indent=1, allow_nan=False),
        METADATA_FILE: json.dumps(artifacts.metadata, indent=1, allow_nan=False, default=str),
    }
    return {name: text.encode("utf-8") for name, text in texts.items()}


def save_model(artifacts: ModelArtifacts, directory: str | Path, *, field: str = "out") -> Path:
    """Write atomically; an existing model at `directory` is replaced, any other non-empty directory refused."""
    given = check_writable(directory, field=field)
    # A link to a model (`current -> v12`) is followed: the model it points to is replaced, the link kept.
    target = given.resolve() if given.is_symlink() and given.exists() else given
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        files = serialise(artifacts)
        for name, data in files.items():
            (staging / name).write_bytes(data)
        manifest = {"format": FORMAT, "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}}
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        replace_directory(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return given


def check_writable(directory: str | Path, *, field: str = "out") -> Path:
    """Where a model may be written: nowhere yet, an empty directory or a model (which it replaces)."""
    target = Path(directory)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not is_model_dir(target))):
        raise InvalidModel(f"{target} exists and is not a creditline model directory; refusing to overwrite", field=field)
    existing = next(parent for parent in target.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise InvalidModel(f"{existing} is a file, not a folder to write {target.name} in", field=field)
    return target


def replace_directory(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    os.rmdir(retired)
    os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def is_model_dir(directory: Path) -> bool:
    manifest = directory / MANIFEST_FILE
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def load_model(directory: str | Path, *, field: str = "model") -> ModelArtifacts:
    """Read and verify a model directory; any missing file, bad checksum or schema is refused by name."""
    source = Path(directory)
    if not source.is_dir():
        raise InvalidModel(f"{source} is not a directory", field=field)
    manifest = read_json(source / MANIFEST_FILE, field, "is not a creditline model (no manifest.json)")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidModel(f"{source} is not a creditline model (manifest format is not {FORMAT!r})", field=field)
    checksums = manifest.get("files")
    if not isinstance(checksums, dict):
        raise InvalidModel(f"{source}: manifest.json's files is not an object of file: SHA-256", field=field)
    texts = {}
    for name in ARTEFACTS:
        path = source / name
        if not path.is_file():
            raise InvalidModel(f"{source}: {name} is missing", field=field)
        # The bytes are checked, then decoded: a flipped byte is a checksum mismatch, not a decoding traceback.
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != checksums.get(name):
            raise InvalidModel(f"{source}: {name} does not match its checksum in manifest.json", field=field)
        texts[name] = utf8_text(data, path, field)
    parsed = {name: parse_json(texts[name], source / name, field) for name in ARTEFACTS if name.endswith(".json")}
    metadata = parsed[METADATA_FILE]
    check_metadata(metadata, source, field)
    return ModelArtifacts(texts[MODEL_FILE], parsed[SCORECARD_FILE], parsed[CALIBRATION_FILE], metadata)


def check_metadata(metadata: object, source: Path, field: str) -> None:
    if not isinstance(metadata, dict):
        raise InvalidModel(f"{source}: metadata.json is not an object", field=field)
    version = metadata.get("format_version")
    if version not in READABLE_VERSIONS:
        raise InvalidModel(
            f"{source}: model format version {version!r} is not one this creditline reads "
            f"({', '.join(map(str, READABLE_VERSIONS))}); retrain it with `creditline model train`",
            field=field,
        )
    missing = [key for key in METADATA_KEYS if key not in metadata]
    if missing:
        raise InvalidModel(f"{source}: metadata.json lacks {', '.join(missing)}", field=field)
    if not isinstance(metadata["features"], list):
        raise InvalidModel(f"{source}: metadata.json's features is not a list", field=field)
    for position, feature in enumerate(metadata["features"]):
        if not isinstance(feature, dict) or not {"name", "feature", "kind"} <= feature.keys():
            raise InvalidModel(f"{source}: feature schema entry {position} is malformed", field=field)


def read_json(path: Path, field: str, absent: str) -> object:
    if not path.is_file():
        raise InvalidModel(f"{path.parent} {absent}", field=field)
    return parse_json(utf8_text(path.read_bytes(), path, field), path, field)


def utf8_text(data: bytes, path: Path, field: str) -> str:
    """The text of a model file as `save_model` wrote it (UTF-8, newlines as written)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidModel(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})", field=field) from exc


def parse_json(text: str, path: Path, field: str) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidModel(f"{path} is not valid JSON ({exc})", field=field) from exc
