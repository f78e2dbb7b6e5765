"""File edges of `creditline abs`: read loan tapes (CSV, Parquet) and deal or scenario files (YAML,
TOML, JSON) exactly — numbers in deal files load as Decimal, tape columns as text — and write
outputs atomically (a temporary file renamed into place), so a failed command leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from creditline.errors import DomainError

TAPE_SUFFIXES = (".csv", ".parquet", ".pq")
SPEC_SUFFIXES = (".yaml", ".yml", ".toml", ".json")
SPEC_BYTES_MAX = 1_000_000


class FileProblem(DomainError):
    code = "file_problem"


def read_tape_columns(path: Path, *, field: str = "tape") -> dict[str, list[Any]]:
    """A tape file as columns of values; CSV cells stay text so amounts never pass through floats."""
    import polars

    suffix = path.suffix.lower()
    if suffix not in TAPE_SUFFIXES:
        raise FileProblem(f"{path.name}: a tape is {', '.join(TAPE_SUFFIXES)}", field=field)
    _must_exist(path, field)
    try:
        frame = polars.read_csv(path, infer_schema=False) if suffix == ".csv" else polars.read_parquet(path)
    except (polars.exceptions.PolarsError, OSError, ValueError) as exc:
        raise FileProblem(
            f"{path.name} cannot be read as {suffix[1:]}: {exc}".splitlines()[0], field=field
        ) from None
    return frame.to_dict(as_series=False)


def read_spec(path: Path, *, field: str) -> dict[str, Any]:
    """A YAML, TOML or JSON mapping with every number as Decimal (ints stay int)."""
    suffix = path.suffix.lower()
    if suffix not in SPEC_SUFFIXES:
        raise FileProblem(f"{path.name}: expected one of {', '.join(SPEC_SUFFIXES)}", field=field)
    _must_exist(path, field)
    if path.stat().st_size > SPEC_BYTES_MAX:
        raise FileProblem(f"{path.name} is larger than {SPEC_BYTES_MAX} bytes", field=field)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{path.name} is not UTF-8 text (byte {exc.start})", field=field) from None
    try:
        data = _parse_spec(text, suffix)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser recurses
        raise FileProblem(
            f"{path.name} is not valid {suffix[1:]}: {exc}".splitlines()[0], field=field
        ) from None
    if not isinstance(data, dict):
        raise FileProblem(f"{path.name} must hold a mapping of settings", field=field)
    return data


def _parse_spec(text: str, suffix: str) -> Any:
    if suffix == ".json":
        return json.loads(text, parse_float=Decimal)
    if suffix == ".toml":
        import tomllib

        return tomllib.loads(text, parse_float=Decimal)
    import yaml

    try:
        return yaml.load(text, Loader=_decimal_loader())
    except (yaml.YAMLError, ArithmeticError) as exc:
        raise ValueError(str(exc) or "a number cannot be read") from None


def _decimal_loader():
    import yaml

    class DecimalLoader(yaml.SafeLoader):
        """SafeLoader that keeps YAML floats exact, as written."""

    def construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
        return Decimal(loader.construct_scalar(node).replace("_", ""))  # type: ignore[arg-type]

    DecimalLoader.add_constructor("tag:yaml.org,2002:float", construct_decimal)
    return DecimalLoader


def _must_exist(path: Path, field: str) -> None:
    if not path.is_file():
        raise FileProblem(f"{path} does not exist or is not a file", field=field)


def write_atomic(path: Path, content: bytes, *, field: str = "out") -> None:
    """Write through a temporary file renamed into place; a path that cannot be written is refused
    (`FileProblem` naming `field`: a directory under a file, a directory where the file goes, ...)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise FileProblem(f"cannot write {path}: {exc.strerror or exc}", field=field) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        os.replace(temporary, path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise FileProblem(f"cannot write {path}: {exc.strerror or exc}", field=field) from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def table_bytes(columns: dict[str, list[Any]], path: Path, *, field: str) -> bytes:
    """Columns as CSV or Parquet bytes, chosen by the file's suffix."""
    import io

    import polars

    suffix = path.suffix.lower()
    if suffix not in TAPE_SUFFIXES:
        raise FileProblem(f"{path.name}: write {', '.join(TAPE_SUFFIXES)}", field=field)
    frame = polars.DataFrame(columns)
    buffer = io.BytesIO()
    if suffix == ".csv":
        frame.write_csv(buffer)
    else:
        frame.write_parquet(buffer)
    return buffer.getvalue()
