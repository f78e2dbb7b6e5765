"""Reason codes in plain words: which of the applicant's own values raised the PD the most.

What an adverse-action notice and PIPL Art. 24 (the right to an explanation of an automated
decision) need: the few features that hurt this applicant most, named in words, with the value
the applicant had — e.g. "Number of times 90 days late is high (3)". Contributions are log-odds
of bad: the booster's per-feature credits, the scorecard's points lost against the best bin of
each characteristic (divided by the PDO factor), or the blend of the two.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
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


# Every reason's sentence, one template per kind (gettext's %-style, so that a page can translate the
# template and the label of a reason stored in English: `reworded`). Matched in this order.
PHRASES = (
    ("missing", "%(label)s is missing"),
    ("yes", "%(label)s: yes"),
    ("no", "%(label)s: no"),
    ("high", "%(label)s is high (%(value)s)"),
    ("low", "%(label)s is low (%(value)s)"),
    ("category", "%(label)s is %(quoted)s"),
    ("plain", "%(label)s is %(value)s"),
)
PHRASE = dict(PHRASES)
PARTS = {"label": r"(?P<label>.+?)", "value": r"(?P<value>.+)", "quoted": r"(?P<quoted>'.*'|\".*\")"}
PHRASE_RE = tuple(
    (kind, re.compile("^" + re.sub(r"%\\\((\w+)\\\)s", lambda m: PARTS[m.group(1)], re.escape(template)) + "$"))
    for kind, template in PHRASES
)


def wording(spec: ColumnSpec, feature: float, raw: object) -> str:
    label = spec.label or spec.name
    if feature != feature:
        return PHRASE["missing"] % {"label": label}
    if spec.kind == CATEGORY:
        return PHRASE["category"] % {"label": label, "quoted": repr(str(raw).strip())}
    if spec.kind == FLAG:
        return PHRASE["yes" if feature >= 0.5 else "no"] % {"label": label}
    shown = show_date(feature) if spec.kind == DATE else show_number(feature)
    if (spec.unit or spec.bands) and isinstance(raw, str):  # as the applicant wrote it: `< 1 year`, not 0.5; `18-24`, not 21
        shown = raw.strip()
    if spec.median is None or feature == spec.median:
        return PHRASE["plain"] % {"label": label, "value": shown}
    return PHRASE["high" if feature > spec.median else "low"] % {"label": label, "value": shown}


def reworded(text: str, words: Callable[[str], str]) -> str:
    """A reason's text (as `wording` wrote it, in English) in another language: `words` (a gettext)
    translates its template, its label and a category's value; a number stays as written. A text of
    no known shape is returned as it is."""
    for kind, pattern in PHRASE_RE:
        found = pattern.match(text)
        if found:
            parts = found.groupdict()
            parts["label"] = words(parts["label"])
            try:
                if parts.get("quoted"):  # a category's value: its translation where there is one, quoted alike
                    parts["quoted"] = repr(words(ast.literal_eval(parts["quoted"])))
                return words(PHRASE[kind]) % parts
            except (KeyError, ValueError, TypeError, SyntaxError):  # a lost placeholder, an odd quote: as stored
                return text
    return text


def show_number(value: float) -> str:
    """Whole numbers as they are, 1,000 and beyond rounded to a whole (`21951`, never `2.195e+04`),
    smaller ones to four significant digits (`0.2035`)."""
    if (value == int(value) and abs(value) < 1e15) or abs(value) >= 1000:
        return str(round(value))
    return f"{value:.4g}"


def show_date(days: float) -> str:
    from datetime import timedelta

    return (EPOCH + timedelta(days=days)).strftime("%Y-%m-%d")
