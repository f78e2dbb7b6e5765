"""Reason codes in plain words: which of the applicant's own values raised the PD the most.

What an adverse-action notice and PIPL Art. 24 (the right to an explanation of an automated
decision) need: the few features that hurt this applicant most, named in words, with the value
the applicant had — e.g. "Number of times 90 days late is high (3)". Contributions are log-odds
of bad: the booster's per-feature credits, the scorecard's points lost against the best bin of
each characteristic (divided by the PDO factor), or the blend of the two.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from creditline.risk.models.columns import CATEGORY, DATE, EPOCH, FLAG, ColumnSpec

REASONS_DEFAULT = 4
IMPACT_MIN = 1e-9


@dataclass(frozen=True)
class Reason:
    field: str
    value: object
    impact: float
    text: str

    def to_json(self) -> dict:
        value = self.value
        if isinstance(value, float) and math.isnan(value):
            value = None
        return {"field": self.field, "value": value, "impact": round(self.impact, 6), "text": self.text}


def top_reasons(
    impacts: list[float], specs: list[ColumnSpec], features: list[float], raw: list[object], count: int
) -> list[Reason]:
    """The `count` features with the largest positive impact, worded for the applicant."""
    order = sorted(range(len(impacts)), key=lambda i: impacts[i], reverse=True)
    chosen = [i for i in order[:count] if impacts[i] > IMPACT_MIN]
    return [Reason(specs[i].name, raw[i], float(impacts[i]), wording(specs[i], features[i], raw[i])) for i in chosen]


def wording(spec: ColumnSpec, feature: float, raw: object) -> str:
    label = spec.label or spec.name
    if feature != feature:
        return f"{label} is missing"
    if spec.kind == CATEGORY:
        return f"{label} is {str(raw).strip()!r}"
    if spec.kind == FLAG:
        return f"{label}: {'yes' if feature >= 0.5 else 'no'}"
    shown = show_date(feature) if spec.kind == DATE else show_number(feature)
    if spec.median is None or feature == spec.median:
        return f"{label} is {shown}"
    return f"{label} is {'high' if feature > spec.median else 'low'} ({shown})"


def show_number(value: float) -> str:
    """Whole numbers as they are, 1,000 and beyond rounded to a whole (`21951`, never `2.195e+04`),
    smaller ones to four significant digits (`0.2035`)."""
    if (value == int(value) and abs(value) < 1e15) or abs(value) >= 1000:
        return str(round(value))
    return f"{value:.4g}"


def show_date(days: float) -> str:
    from datetime import timedelta

    return (EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")
