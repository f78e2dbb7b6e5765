"""Fraud rules as versioned data: velocity windows, graph thresholds and model weights."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditline.risk.fraud.errors import InvalidFraudRules
from creditline.risk.fraud.keys import SignalKind

RULE_ID = r"^[A-Z][A-Z0-9_]{0,63}$"


class VelocityRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=RULE_ID)
    kind: SignalKind
    window_hours: int = Field(gt=0, le=24 * 366)
    prior_min: int = Field(gt=0)  # fires when this many earlier applications fall in the window
    weight: float = Field(gt=0, lt=1)


class GraphRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=RULE_ID)
    cluster_size_min: int = Field(default=1, ge=1)
    cluster_bad_min: int = Field(default=0, ge=0)
    shared_links_min: int = Field(default=0, ge=0)
    contact_fan_in_min: int = Field(default=0, ge=0)
    weight: float = Field(gt=0, lt=1)


class ModelWeight(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=RULE_ID)
    threshold: float = Field(ge=0, le=1)  # the rule fires (and is listed) above this score
    weight: float = Field(gt=0, le=1)  # how much of the model's excess over threshold counts


class FraudRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    version: str
    velocity: list[VelocityRule] = Field(max_length=100)
    graph: list[GraphRule] = Field(max_length=100)
    anomaly: ModelWeight
    supervised: ModelWeight

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def parse_fraud_rules(text: str, *, source: str = "fraud_rules") -> FraudRules:
    try:
        return FraudRules.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        raise InvalidFraudRules(first["msg"], field=where) from exc
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2025-02-30
        raise InvalidFraudRules(f"not valid YAML: {exc}", field=source) from exc


def builtin_fraud_rules(name: str = "fraud_rules") -> FraudRules:
    resource = resources.files("creditline.risk.fraud") / "config" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise InvalidFraudRules(f"no fraud rules named {name!r}", field="fraud_rules")
    return parse_fraud_rules(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
