"""A policy set: the versioned bundle of tables one decision uses, loaded from a YAML file.

The set names its version; decisions record version and digest, so a file edited without bumping
the version is caught on replay. `decide_outcome` folds a knock-out/referral table's hits into one
outcome: any decline beats any referral beats approval, and every fired rule keeps its reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import yaml

from creditline.risk.policy.errors import InvalidPolicyTable, UnknownPolicy
from creditline.risk.policy.table import DecisionTable, Hit, parse_table

POLICY_FILE_BYTES_MAX = 1_000_000
REQUIRED_TABLES = ("knockout", "pd_bands")


class Outcome(StrEnum):
    APPROVE = "approve"
    REFER = "refer"
    DECLINE = "decline"


_SEVERITY = {Outcome.APPROVE: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    outcome: Outcome
    reasons: tuple[str, ...]  # reasons of the rules that set the outcome, table order
    fired: tuple[str, ...]  # every rule id that matched, whatever its outcome


@dataclass(frozen=True, slots=True)
class PolicySet:
    name: str
    version: str
    jurisdiction: str
    tables: dict[str, DecisionTable]
    digest: str

    def table(self, name: str) -> DecisionTable:
        return self.tables[name]


def decide_outcome(hits: list[Hit]) -> PolicyDecision:
    if not hits:
        return PolicyDecision(Outcome.APPROVE, (), ())
    outcomes = [Outcome(hit.outputs["outcome"]) for hit in hits]
    worst = max(outcomes, key=_SEVERITY.__getitem__)
    reasons = tuple(str(h.outputs["reason"]) for h, o in zip(hits, outcomes, strict=True) if o is worst)
    return PolicyDecision(worst, reasons, tuple(h.rule_id for h in hits))


def parse_policy_set(text: str, *, source: str = "policy") -> PolicySet:
    if len(text.encode()) > POLICY_FILE_BYTES_MAX:
        raise InvalidPolicyTable(f"larger than {POLICY_FILE_BYTES_MAX} bytes", field=source)
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2025-02-30
        raise InvalidPolicyTable(f"not valid YAML: {exc}", field=source) from exc
    if not isinstance(data, dict) or not {"name", "version", "jurisdiction", "tables"} <= set(data):
        raise InvalidPolicyTable("needs name, version, jurisdiction and tables", field=source)
    if not isinstance(data["tables"], list):
        raise InvalidPolicyTable("tables must be a list", field=f"{source}.tables")
    tables = {}
    for index, raw in enumerate(data["tables"]):
        table = parse_table(raw, field=f"{source}.tables[{index}]")
        tables[table.name] = table
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        raise InvalidPolicyTable(f"missing tables {missing}", field=f"{source}.tables")
    _check_outputs(tables)
    digest = hashlib.sha256("|".join(t.digest for t in tables.values()).encode()).hexdigest()
    return PolicySet(str(data["name"]), str(data["version"]), str(data["jurisdiction"]), tables, digest)


def _check_outputs(tables: dict[str, DecisionTable]) -> None:
    knockout = tables["knockout"].spec
    if knockout.hit_policy != "collect" or set(knockout.outputs) != {"outcome", "reason"}:
        raise InvalidPolicyTable("knockout is a collect table with outputs outcome, reason", field="knockout")
    for rule in knockout.rules:
        if rule.then["outcome"] not in ("decline", "refer"):
            raise InvalidPolicyTable(f"{rule.id}: outcome must be decline or refer", field="knockout")
    bands = tables["pd_bands"].spec
    if bands.hit_policy != "first" or "band" not in bands.outputs:
        raise InvalidPolicyTable("pd_bands is a first-hit table with a band output", field="pd_bands")


def load_policy_file(path: Path) -> PolicySet:
    return parse_policy_set(path.read_text(encoding="utf-8"), source=path.name)


def builtin_policy(name: str) -> PolicySet:
    """A policy set shipped with the package (`tables/<name>.yaml`)."""
    if not name.replace("_", "").isalnum():
        raise UnknownPolicy(f"no policy named {name!r}", field="policy")
    resource = resources.files("creditline.risk.policy") / "tables" / f"{name}.yaml"
    if not resource.is_file():
        raise UnknownPolicy(f"no policy named {name!r}", field="policy")
    return parse_policy_set(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
