"""Decision tables as versioned data: validated with pydantic, compiled once, evaluated in microseconds.

A table declares its inputs (name and type), its outputs, a hit policy and rules whose cells are
unary tests (see `unary.py`). Hit policy `first` returns the first matching rule (bands, grids);
`collect` returns every matching rule in table order (knock-outs and referrals, where an analyst
wants to see all the reasons). A rule's id is stable: decisions record the ids that fired.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from creditline.risk.policy.errors import InvalidPolicyTable, PolicyInputMissing
from creditline.risk.policy.unary import CellError, Test, compile_cell

RULES_MAX = 1000
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    type: Literal["number", "boolean", "string"]
    description: str = ""


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    when: dict[str, str | bool | int | None] = Field(default_factory=dict)
    then: dict[str, str | bool | int | None]
    note: str = ""


class TableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    hit_policy: Literal["first", "collect"]
    inputs: list[InputSpec] = Field(min_length=1)
    outputs: list[str] = Field(min_length=1)
    rules: list[RuleSpec] = Field(max_length=RULES_MAX)
    description: str = ""

    @field_validator("outputs")
    @classmethod
    def _outputs_named(cls, outputs: list[str]) -> list[str]:
        if len(set(outputs)) != len(outputs):
            raise ValueError("output names repeat")
        return outputs

    @model_validator(mode="after")
    def _rules_fit_columns(self) -> TableSpec:
        inputs = {spec.name: spec.type for spec in self.inputs}
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            where = f"rules[{index}] ({rule.id})"
            if rule.id in seen:
                raise ValueError(f"{where}: rule id repeats")
            seen.add(rule.id)
            unknown = set(rule.when) - set(inputs)
            if unknown:
                raise ValueError(f"{where}: unknown inputs {sorted(unknown)}")
            if set(rule.then) != set(self.outputs):
                raise ValueError(f"{where}: `then` must set exactly {self.outputs}")
            for column, cell in rule.when.items():
                try:
                    compile_cell(cell, inputs[column])
                except CellError as exc:
                    raise ValueError(f"{where}.when.{column}: {exc}") from exc
        return self


@dataclass(frozen=True, slots=True)
class Hit:
    rule_id: str
    outputs: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule_id: str
    tests: tuple[tuple[str, Test], ...]
    outputs: Mapping[str, Any]


class DecisionTable:
    """A validated, compiled table. Build with `DecisionTable.from_spec` or `parse_table`."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        kinds = {i.name: i.type for i in spec.inputs}
        self._input_names = tuple(kinds)
        self._rules = tuple(
            _CompiledRule(
                rule.id,
                tuple((col, compile_cell(cell, kinds[col])) for col, cell in rule.when.items() if cell not in ("", "-")),
                dict(rule.then),
            )
            for rule in spec.rules
        )
        self.digest = table_digest(spec)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def input_names(self) -> tuple[str, ...]:
        return self._input_names

    def evaluate(self, facts: Mapping[str, object]) -> list[Hit]:
        missing = [name for name in self._input_names if name not in facts]
        if missing:
            raise PolicyInputMissing(f"table {self.name} needs {missing}", field=missing[0])
        hits: list[Hit] = []
        for rule in self._rules:
            if all(test(facts[column]) for column, test in rule.tests):
                hits.append(Hit(rule.rule_id, rule.outputs))
                if self.spec.hit_policy == "first":
                    break
        return hits


def table_digest(spec: TableSpec) -> str:
    """SHA-256 of the table's canonical JSON: two tables with one digest decide identically."""
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_table(data: object, *, field: str = "table") -> DecisionTable:
    """Validate a table given as parsed YAML/JSON; errors name the rule and cell at fault."""
    try:
        return DecisionTable(TableSpec.model_validate(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        where = f"{field}.{location}" if location else field
        raise InvalidPolicyTable(first["msg"].removeprefix("Value error, "), field=where) from exc
