"""The behaviour score: a transparent points scorecard over how a borrower has used and repaid the line.

Points, not a fitted model: each characteristic (tenure, utilisation, on-time share, worst and
current lateness, failed auto-debits) falls in a bin, each bin carries points, and the score is the
base plus the points, clamped to 0-1000. The bins and points are versioned data (a YAML scorecard),
so every score can be explained and replayed; the reasons are the characteristics that cost the most
points against their best bin, the usual way adverse-action reasons are read off a scorecard.

One formula, two speeds: `score` for one borrower and `score_batch` over numpy columns give the same
integers (property-tested). Bins are half-open on the right: a value v is in bin i when
edges[i-1] <= v < edges[i]; a missing value (no installment due yet) takes the `missing` points.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from creditline.errors import DomainError

SCORE_MIN = 0
SCORE_MAX = 1000
REASONS_MAX = 3
CHARACTERISTICS = (
    "tenure_months",
    "utilisation_pct",
    "on_time_pct",
    "days_past_due_max_12m",
    "days_past_due_now",
    "failed_debits_90d",
)
MISSING = -1  # the batch encoding of a missing value (all characteristics are non-negative)

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class ScorecardInvalid(DomainError):
    code = "scorecard_invalid"


class BehaviourInputInvalid(DomainError):
    code = "behaviour_input_invalid"


class Characteristic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    edges: tuple[int, ...]  # strictly increasing bin boundaries
    points: tuple[int, ...]  # one more than edges
    missing: int | None = None  # points when the value is unknown; None: the value is required

    @model_validator(mode="after")
    def _shape(self) -> Characteristic:
        if len(self.points) != len(self.edges) + 1:
            raise ValueError("points has one entry more than edges (one per bin)")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("edges must increase strictly")
        if any(abs(p) > SCORE_MAX for p in (*self.points, self.missing or 0)):
            raise ValueError(f"points lie within ±{SCORE_MAX}")
        return self

    def points_of(self, value: int | None) -> int:
        if value is None:
            assert self.missing is not None, "a required characteristic is present (checked by score)"
            return self.missing
        return self.points[_bin(self.edges, value)]

    @property
    def best(self) -> int:
        return max(self.points if self.missing is None else (*self.points, self.missing))


class Scorecard(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    version: str = Field(min_length=1, max_length=40)
    base_points: int = Field(ge=0, le=SCORE_MAX)
    characteristics: dict[str, Characteristic]

    @model_validator(mode="after")
    def _complete(self) -> Scorecard:
        if set(self.characteristics) != set(CHARACTERISTICS):
            missing = sorted(set(CHARACTERISTICS) - set(self.characteristics))
            unknown = sorted(set(self.characteristics) - set(CHARACTERISTICS))
            raise ValueError(f"characteristics must be exactly {', '.join(CHARACTERISTICS)} "
                             f"(missing {missing}, unknown {unknown})")  # fmt: skip
        return self

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BehaviourInputs:
    tenure_months: int
    utilisation_pct: int  # outstanding principal over the limit, whole percent rounded down (may exceed 100)
    on_time_pct: int | None  # installments paid on time over installments due, whole percent down; None: none due
    days_past_due_max_12m: int
    days_past_due_now: int
    failed_debits_90d: int

    def __post_init__(self) -> None:
        for name in CHARACTERISTICS:
            value = getattr(self, name)
            if value is None and name == "on_time_pct":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BehaviourInputInvalid(f"must be a non-negative whole number, got {value!r}", field=name)
        if self.on_time_pct is not None and self.on_time_pct > 100:
            raise BehaviourInputInvalid("a percentage of installments is at most 100", field="on_time_pct")


@dataclass(frozen=True, slots=True)
class BehaviourScore:
    score: int
    points: dict[str, int]
    reasons: tuple[str, ...]  # characteristics that cost the most points, worst first
    scorecard: str  # name@version

    def to_json(self) -> dict[str, object]:
        return {"score": self.score, "points": dict(self.points), "reasons": list(self.reasons),
                "scorecard": self.scorecard}  # fmt: skip


def percent_floor(numerator: int, denominator: int) -> int:
    """Whole percent, rounded down: 99.6% of installments on time is not 100%."""
    assert denominator > 0, "a share of nothing has no percentage"
    return numerator * 100 // denominator


def score(inputs: BehaviourInputs, card: Scorecard) -> BehaviourScore:
    points: dict[str, int] = {}
    for name in CHARACTERISTICS:
        value = getattr(inputs, name)
        characteristic = card.characteristics[name]
        if value is None and characteristic.missing is None:
            raise BehaviourInputInvalid(f"{card.label} needs {name}", field=name)
        points[name] = characteristic.points_of(value)
    total = min(SCORE_MAX, max(SCORE_MIN, card.base_points + sum(points.values())))
    lost = {name: card.characteristics[name].best - p for name, p in points.items()}
    reasons = tuple(
        name for name in sorted(lost, key=lambda n: (-lost[n], CHARACTERISTICS.index(n))) if lost[name] > 0
    )[:REASONS_MAX]
    return BehaviourScore(total, points, reasons, card.label)


def score_batch(columns: dict[str, np.ndarray], card: Scorecard) -> np.ndarray:
    """Scores of many borrowers at once: int64 columns per characteristic, MISSING (-1) for unknown."""
    lengths = {len(columns[name]) for name in CHARACTERISTICS}
    assert len(lengths) == 1, "every column has one value per borrower"
    total = np.full(lengths.pop(), card.base_points, dtype=np.int64)
    for name in CHARACTERISTICS:
        characteristic = card.characteristics[name]
        values = np.asarray(columns[name], dtype=np.int64)
        missing = values == MISSING
        if missing.any() and characteristic.missing is None:
            raise BehaviourInputInvalid(f"{card.label} needs {name}", field=name)
        bins = np.searchsorted(np.asarray(characteristic.edges, dtype=np.int64), values, side="right")
        points = np.asarray(characteristic.points, dtype=np.int64)[bins]
        total += np.where(missing, characteristic.missing or 0, points)
    return np.clip(total, SCORE_MIN, SCORE_MAX)


def _bin(edges: tuple[int, ...], value: int) -> int:
    index = 0
    while index < len(edges) and value >= edges[index]:
        index += 1
    return index


def parse_scorecard(text: str, *, source: str = "scorecard") -> Scorecard:
    try:
        return Scorecard.model_validate(yaml.load(text, Loader=SAFE_LOADER))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([source, *(str(part) for part in first["loc"])])
        raise ScorecardInvalid(first["msg"].removeprefix("Value error, "), field=where) from None
    except (yaml.YAMLError, ValueError) as exc:  # an impossible date (2025-02-30) is a ValueError
        raise ScorecardInvalid(" ".join(str(exc).split())[:300], field=source) from None


@cache  # shipped files never change while the process runs; parsing YAML costs ~50 ms
def builtin_scorecard(name: str = "behaviour_cn") -> Scorecard:
    resource = resources.files("creditline.servicing") / "behaviour_scorecards" / f"{name}.yaml"
    if not name.replace("_", "").isalnum() or not resource.is_file():
        raise ScorecardInvalid(f"no behaviour scorecard named {name!r}", field="scorecard")
    return parse_scorecard(resource.read_text(encoding="utf-8"), source=f"{name}.yaml")
