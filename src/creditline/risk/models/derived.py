"""Engineered features: a few row-wise summaries an analyst would add by hand, planned once, replayed exactly.

Families (each added only when the columns it needs are there):
- **missing count**: how many of the applicant's fields are blank (thin files are riskier);
- **series**: columns named alike but for a trailing number (`PAY_0 … PAY_6`, `BILL_AMT1 … 6`) are
  one history; its mean, max, min and trend (least-squares slope over the series order);
- **delinquency counts**: columns counting late payments or derogatory marks, summed, and how many
  of them are non-zero;
- **amount ratios**: columns holding money (named like an amount, balance, limit, income, value,
  debt, loan…, not like a date, sized like money and not dates written as YYYYMMDD numbers) are
  assumed to share a unit; each pair's ratio is a feature
  (utilisation = balance / limit, loan-to-value). A series of amounts takes part through its first
  member and its mean.

Leakage-safe by construction: the plan is chosen from column names and the development rows'
values only (never the target), and every feature is a function of one row's own fields. The plan
is stored in the model's metadata; `FeaturePlan.extend` is the one function that computes the
features, for training, for a batch and for one applicant alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from creditline.risk.models.columns import NUMBER, ColumnSpec
from creditline.risk.models.names import POSITIONAL, plain_words, unique_name

MISSING_COUNT, SERIES, DELINQUENCY, RATIO = "missing_count", "series", "delinquency", "ratio"
SERIES_STATS = ("mean", "max", "min", "trend")
SERIES_MEMBERS_MIN, SERIES_MEMBERS_MAX = 3, 24  # three points make a trend; two years of months at most
RATIO_PAIRS_MAX = 21
DERIVED_MAX = 48
AMOUNT_PARTS = (
    "amt", "amount", "bal", "limit", "income", "inc", "salary", "wage", "value", "val", "debt", "due", "mort",
    "loan", "payment", "paid", "bill", "instal", "asset", "price", "cost", "rent", "expens", "spend", "saving",
    "deposit", "principal",
)
NOT_AMOUNT_WORDS = (
    "ratio", "rate", "util", "pct", "percent", "per", "score", "num", "count", "cnt", "times", "log", "age",
    "yob", "day", "term", "duration", "since", "flag", "share", "date", "dt",
)
DELINQUENCY_PARTS = ("late", "past", "delinq", "dpd", "overdue", "derog", "arrear")
AMOUNT_DISTINCT_MIN = 20
AMOUNT_MEDIAN_MIN = 10.0
NEGATIVE_SHARE_MAX = 0.05  # refunds and credit balances make a few bills negative
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


@dataclass(frozen=True)
class DerivedFeature:
    """One engineered column: its feature name, plain words, and the training median (for reasons)."""

    name: str
    label: str
    median: float | None = None

    def spec(self) -> ColumnSpec:
        """As a number column, so reason codes word it like any other ("… is high (0.93)")."""
        return ColumnSpec(self.name, self.name, NUMBER, self.label, median=self.median)


@dataclass(frozen=True)
class FeaturePlan:
    """Steps over a growing matrix: each appends columns computed from columns already there."""

    base_count: int
    steps: tuple[dict, ...] = ()
    features: tuple[DerivedFeature, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def extend(self, base: np.ndarray) -> np.ndarray:
        """`base` (rows, base features) with the engineered columns appended."""
        assert base.shape[1] == self.base_count, (base.shape, self.base_count)
        if not self.steps:
            return base
        matrix = base
        for step in self.steps:
            matrix = np.concatenate([matrix, STEPS[step["kind"]](matrix, step)], axis=1)
        return matrix

    def to_json(self) -> dict:
        return {
            "base_count": self.base_count,
            "steps": list(self.steps),
            "features": [{"name": f.name, "label": f.label, "median": f.median} for f in self.features],
        }

    @classmethod
    def from_json(cls, data: dict | None, base_count: int) -> FeaturePlan:
        """A model written before engineered features existed has none."""
        if not data:
            return cls(base_count)
        features = tuple(DerivedFeature(f["name"], f["label"], f.get("median")) for f in data["features"])
        return cls(int(data["base_count"]), tuple(data["steps"]), features)


def missing_count(matrix: np.ndarray, step: dict) -> np.ndarray:
    return np.isnan(matrix[:, step["inputs"]]).sum(axis=1, keepdims=True).astype(np.float64)


def series_stats(matrix: np.ndarray, step: dict) -> np.ndarray:
    """Mean, max, min and least-squares trend of each series, over the members present."""
    columns = []
    for group in step["groups"]:
        values = matrix[:, group]
        present = ~np.isnan(values)
        count = present.sum(axis=1)
        filled = np.where(present, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = filled.sum(axis=1) / count
            position = np.where(present, np.arange(len(group), dtype=np.float64), 0.0)
            centre = position.sum(axis=1) / count
            spread = np.where(present, position - centre[:, None], 0.0)
            trend = (spread * (filled - mean[:, None])).sum(axis=1) / (spread**2).sum(axis=1)
        trend = np.where(count >= 2, trend, np.nan)
        columns += [mean, np.fmax.reduce(values, axis=1), np.fmin.reduce(values, axis=1), trend]
    return np.column_stack(columns)


def delinquency(matrix: np.ndarray, step: dict) -> np.ndarray:
    values = matrix[:, step["inputs"]]
    present = ~np.isnan(values)
    total = np.where(present.any(axis=1), np.where(present, values, 0.0).sum(axis=1), np.nan)
    kinds = np.where(present.any(axis=1), (np.where(present, values, 0.0) > 0).sum(axis=1), np.nan)
    return np.column_stack([total, kinds])


def ratio(matrix: np.ndarray, step: dict) -> np.ndarray:
    pairs = np.asarray(step["pairs"], dtype=np.int64).reshape(-1, 2)
    top, bottom = matrix[:, pairs[:, 0]], matrix[:, pairs[:, 1]]
    usable = (bottom > 0) & ~np.isnan(top)
    with np.errstate(over="ignore"):  # a huge amount over a tiny one: no ratio a model can use
        found = np.divide(top, bottom, out=np.full(top.shape, np.nan), where=usable)
    found[np.isinf(found)] = np.nan
    return found


STEPS = {MISSING_COUNT: missing_count, SERIES: series_stats, DELINQUENCY: delinquency, RATIO: ratio}


def words(name: str) -> list[str]:
    return [w.lower() for w in WORD.findall(name)]


def is_amount_name(name: str) -> bool:
    parts = words(name)
    if any(w.startswith(NOT_AMOUNT_WORDS) for w in parts):
        return False
    return any(piece in w for w in parts for piece in AMOUNT_PARTS)


def looks_like_money(values: np.ndarray) -> bool:
    finite = values[~np.isnan(values)]
    if finite.size == 0 or np.unique(finite).size < AMOUNT_DISTINCT_MIN or np.mean(finite < 0) > NEGATIVE_SHARE_MAX:
        return False
    if is_yyyymmdd(finite):
        return False
    nonzero = finite[finite != 0]
    return nonzero.size > 0 and float(np.median(nonzero)) >= AMOUNT_MEDIAN_MIN


def is_yyyymmdd(finite: np.ndarray) -> bool:
    """Dates written as numbers (20230115): every value a whole YYYYMMDD of 1900–2100 — sized like
    money, but a ratio to one is no feature (by chance 4 in 100 amounts of that size pass, never all)."""
    if not np.all(finite == np.round(finite)):
        return False
    year, month, day = finite // 10000, finite // 100 % 100, finite % 100
    return bool(np.all((year >= 1900) & (year <= 2100) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)))


def is_count(values: np.ndarray) -> bool:
    finite = values[~np.isnan(values)]
    return finite.size > 0 and bool(np.all(finite >= 0)) and bool(np.all(finite == np.round(finite)))


def find_series(specs: list[ColumnSpec]) -> list[list[int]]:
    """Number columns equal but for their last number, ordered by it; positional names never qualify."""
    groups: dict[str, list[tuple[int, int]]] = {}
    for position, spec in enumerate(specs):
        found = LAST_NUMBER.search(spec.name)
        if spec.kind != NUMBER or not found or POSITIONAL.match(spec.name):
            continue
        stem = spec.name[: found.start()] + "#" + spec.name[found.end():]
        groups.setdefault(stem, []).append((int(found.group(1)), position))
    series = []
    for members in groups.values():
        if SERIES_MEMBERS_MIN <= len(members) <= SERIES_MEMBERS_MAX:
            series.append([position for _, position in sorted(members)])
    return series


class Planner:
    """Collects steps and their features' names in order; positions index the growing matrix."""

    def __init__(self, specs: list[ColumnSpec]) -> None:
        self.specs = specs
        self.steps: list[dict] = []
        self.features: list[tuple[str, str]] = []
        self.taken = {spec.feature.lower() for spec in specs}

    @property
    def width(self) -> int:
        return len(self.specs) + len(self.features)

    def add(self, step: dict, named: list[tuple[str, str]]) -> list[int]:
        """Append a step and its (name, label) columns; returns their positions."""
        start = self.width
        self.steps.append(step)
        for name, label in named:
            self.features.append((unique_name(name, self.taken), label))
        return list(range(start, self.width))


def plan_features(specs: list[ColumnSpec], base: np.ndarray) -> FeaturePlan:
    """The engineered features worth adding to these columns, judged on `base` (development rows)."""
    planner = Planner(specs)
    label = [spec.label or plain_words(spec.name) for spec in specs]
    blanks = [i for i in range(len(specs)) if np.isnan(base[:, i]).any()]
    if len(blanks) >= 2:
        planner.add({"kind": MISSING_COUNT, "inputs": blanks}, [("missing_count", "Number of blank fields")])
    series = find_series(specs)
    series_columns: dict[int, tuple[int, int]] = {}
    if series:
        named = []
        for group in series:
            stem = LAST_NUMBER.sub("", specs[group[0]].feature).strip("_") or specs[group[0]].feature
            words_ = LAST_NUMBER.sub("", label[group[0]]).strip() or label[group[0]]
            named += [(f"{stem}_{stat}", f"{words_} ({stat} of {len(group)})") for stat in SERIES_STATS]
        positions = planner.add({"kind": SERIES, "groups": series}, named)
        for number, group in enumerate(series):
            series_columns[group[0]] = (group[0], positions[number * len(SERIES_STATS)])
    late = [i for i, s in enumerate(specs) if s.kind == NUMBER and any(p in w for w in words(s.name) for p in DELINQUENCY_PARTS)
            and is_count(base[:, i])]
    if len(late) >= 2:
        planner.add({"kind": DELINQUENCY, "inputs": late},
                    [("delinquency_total", "Late payments and derogatory marks in all"),
                     ("delinquency_kinds", "Kinds of late payment or derogatory mark")])
    amounts = amount_columns(specs, base, series, series_columns)
    pairs = [(amounts[j], amounts[i]) for i in range(len(amounts)) for j in range(i + 1, len(amounts))][:RATIO_PAIRS_MAX]
    names = [spec.feature for spec in specs] + [name for name, _ in planner.features]
    words_of = label + [text for _, text in planner.features]
    if pairs:
        planner.add({"kind": RATIO, "pairs": [list(p) for p in pairs]},
                    [(f"{names[a]}_per_{names[b]}", f"{words_of[a]} per {words_of[b]}") for a, b in pairs])
    return finish(planner, base)


def amount_columns(specs, base, series, series_columns) -> list[int]:
    """Money columns outside a series, then each money series' first member and its mean."""
    in_series = {position for group in series for position in group}
    single = [i for i, s in enumerate(specs) if s.kind == NUMBER and i not in in_series and is_amount_name(s.name)
              and looks_like_money(base[:, i])]
    from_series = []
    for group in series:
        first = group[0]
        if is_amount_name(specs[first].name) and looks_like_money(base[:, first]):
            from_series += list(series_columns[first])
    return single + from_series


def finish(planner: Planner, base: np.ndarray) -> FeaturePlan:
    """Trim to `DERIVED_MAX` features (whole steps only) and record each feature's development median."""
    steps, kept = [], 0
    for step in planner.steps:
        width = step_width(step)
        if kept + width > DERIVED_MAX:
            break
        steps.append(step)
        kept += width
    draft = FeaturePlan(base.shape[1], tuple(steps), tuple(DerivedFeature(n, t) for n, t in planner.features[:kept]))
    extra = draft.extend(base)[:, base.shape[1]:]
    medians = [float(np.nanmedian(c)) if np.any(~np.isnan(c)) else None for c in extra.T]
    features = tuple(DerivedFeature(f.name, f.label, m) for f, m in zip(draft.features, medians, strict=True))
    return FeaturePlan(base.shape[1], tuple(steps), features)


def step_width(step: dict) -> int:
    kind = step["kind"]
    if kind == SERIES:
        return len(step["groups"]) * len(SERIES_STATS)
    if kind == RATIO:
        return len(step["pairs"])
    return 2 if kind == DELINQUENCY else 1
