"""Reading co-lending configuration text (YAML or TOML) exactly: numbers load as Decimal, never float.

The text arrives from the edge (a file the CLI read, a row the store kept); parsing it is pure. The
first problem pydantic finds becomes the caller's typed error naming the field's path.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from creditline.funding.colending.errors import ColendingError
from creditline.funding.errors import NegativeRate

FILE_CHARS_MAX = 20_000
Model = TypeVar("Model", bound=BaseModel)


def parse_text(text: str, source: str, error: type[ColendingError]) -> dict[str, Any]:
    """A YAML (.yaml/.yml) or TOML mapping; floats are kept as the Decimal written."""
    if len(text) > FILE_CHARS_MAX:
        raise error(f"a configuration file is at most {FILE_CHARS_MAX} characters", field="file")
    try:
        if source.lower().endswith((".yaml", ".yml")):
            data = _yaml(text)
        else:
            data = tomllib.loads(text, parse_float=Decimal)
    except (ValueError, ArithmeticError, RecursionError) as exc:  # RecursionError: nested deeper than the parser recurses
        reason = " ".join(str(exc).split()) or "cannot be read"
        raise error(f"{source} is not valid: {reason}", field="file") from None
    if not isinstance(data, dict):
        raise error(f"{source} must hold a mapping of settings", field="file")
    return data


def validate(model: type[Model], data: dict[str, Any], error: type[ColendingError]) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        if first["type"] == NegativeRate.code:
            raise NegativeRate(str(first["msg"]), field=where) from None
        raise error(_message(first), field=where) from None


def content_hash(model: BaseModel) -> str:
    canonical = json.dumps(
        model.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def source_format(source: str) -> str:
    return "yaml" if source.lower().endswith((".yaml", ".yml")) else "toml"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "is not a setting this file knows (check the spelling)"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")


def _yaml(text: str) -> Any:
    import yaml

    class DecimalLoader(yaml.SafeLoader):
        """SafeLoader that keeps YAML floats exact, as written."""

    def construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
        return Decimal(str(loader.construct_scalar(node)).replace("_", ""))  # type: ignore[arg-type]

    DecimalLoader.add_constructor("tag:yaml.org,2002:float", construct_decimal)
    try:
        return yaml.load(text, Loader=DecimalLoader)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None
