"""The interpretable scorecard: optimal binning, weight of evidence, logistic regression, points.

Fitted with optbinning (BinningProcess + Scorecard), then kept as plain data — per variable its
bins, each bin's WoE, its share of the log-odds and its points — so that it is stored as JSON,
read by a risk analyst and evaluated without optbinning or pickles.

Scaling (PDO and base odds): `points_at_odds` points at good:bad odds of `odds`, and every `pdo`
points double the odds, i.e. score = offset − factor · log-odds(bad) with factor = pdo / ln 2.
The display range is clipped to 350–950.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditline.risk.models.columns import CATEGORY, ColumnSpec

PDO = 20.0
ODDS = 50.0
POINTS_AT_ODDS = 600.0
SCORE_MIN, SCORE_MAX = 350.0, 950.0
OTHER = "(other)"
IV_MIN = 0.01


@dataclass(frozen=True)
class Scaling:
    pdo: float = PDO
    odds: float = ODDS
    points_at_odds: float = POINTS_AT_ODDS

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.points_at_odds - self.factor * math.log(self.odds)

    def score(self, logit_bad: np.ndarray | float) -> np.ndarray | float:
        """Display score of a log-odds of bad: higher is safer, clipped to 350–950."""
        return np.clip(self.offset - self.factor * np.asarray(logit_bad), SCORE_MIN, SCORE_MAX)


@dataclass(frozen=True)
class Variable:
    """One scorecard characteristic: how a feature value finds its bin, and each bin's worth."""

    feature: str
    categorical: bool
    splits: tuple[float, ...]
    groups: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    event_rates: tuple[float, ...]
    woe: tuple[float, ...]
    logit: tuple[float, ...]
    points: tuple[float, ...]

    @property
    def special_bin(self) -> int:
        return len(self.labels) - 2

    @property
    def missing_bin(self) -> int:
        return len(self.labels) - 1

    @property
    def points_max(self) -> float:
        return max(self.points)


@dataclass(frozen=True)
class ScorecardModel:
    variables: tuple[Variable, ...]
    intercept: float
    scaling: Scaling

    def to_json(self) -> dict:
        return {
            "scaling": {"pdo": self.scaling.pdo, "odds": self.scaling.odds, "points_at_odds": self.scaling.points_at_odds},
            "intercept": self.intercept,
            "variables": [variable_json(v) for v in self.variables],
        }

    @classmethod
    def from_json(cls, data: dict) -> ScorecardModel:
        variables = tuple(
            Variable(
                v["feature"], v["categorical"], tuple(v.get("splits", ())),
                tuple(tuple(g) for g in v.get("groups", ())),
                *(tuple(b[key] for b in v["bins"]) for key in ("label", "count", "event_rate", "woe", "logit", "points")),
            )
            for v in data["variables"]
        )
        return cls(variables, float(data["intercept"]), Scaling(**data["scaling"]))


def variable_json(v: Variable) -> dict:
    bins = [
        {"label": label, "count": count, "event_rate": rate, "woe": woe, "logit": logit, "points": points}
        for label, count, rate, woe, logit, points in zip(
            v.labels, v.counts, v.event_rates, v.woe, v.logit, v.points, strict=True
        )
    ]
    data: dict = {"feature": v.feature, "categorical": v.categorical, "bins": bins}
    data["groups" if v.categorical else "splits"] = [list(g) for g in v.groups] if v.categorical else list(v.splits)
    return data


def scorecard_frame(features: np.ndarray, specs: list[ColumnSpec]) -> pd.DataFrame:
    """Features as optbinning sees them: numbers as floats, categories as their names."""
    columns = {}
    for position, spec in enumerate(specs):
        values = features[:, position]
        if spec.kind == CATEGORY:
            names = np.array([*spec.categories, OTHER], dtype=object)
            columns[spec.feature] = pd.Series(
                np.where(np.isnan(values), None, names[np.nan_to_num(values, nan=0).astype(int)]), dtype=object
            )
        else:
            columns[spec.feature] = values
    return pd.DataFrame(columns)


def fit_scorecard(
    features: np.ndarray, target: np.ndarray, specs: list[ColumnSpec], scaling: Scaling | None = None
) -> ScorecardModel:
    """Bin every feature optimally, keep those with information value ≥ 0.01, fit the logistic regression."""
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    scaling = scaling or Scaling()
    frame = scorecard_frame(features, specs)
    names = [spec.feature for spec in specs]
    categorical = [spec.feature for spec in specs if spec.kind == CATEGORY]

    def build(selection: dict | None) -> Scorecard:
        process = BinningProcess(names, categorical_variables=categorical, selection_criteria=selection)
        card = Scorecard(
            binning_process=process,
            estimator=LogisticRegression(max_iter=2000, C=1.0),
            scaling_method="pdo_odds",
            scaling_method_params={"pdo": scaling.pdo, "odds": scaling.odds, "scorecard_points": scaling.points_at_odds},
        )
        return card.fit(frame, target.astype(int))

    try:
        card = build({"iv": {"min": IV_MIN}})
    except ValueError:  # nothing passed the information-value floor: keep every variable
        card = build(None)
    return extract(card, scaling)


def extract(card, scaling: Scaling) -> ScorecardModel:
    process = card.binning_process_
    selected = list(process.get_support(names=True))
    coefficients = dict(zip(selected, card.estimator_.coef_[0], strict=True))
    table = card.table(style="detailed")
    variables = []
    for name in selected:
        binned = process.get_binned_variable(name)
        rows = table[table["Variable"] == name]
        woe = rows["WoE"].astype(float).to_numpy()
        categorical = binned.dtype == "categorical"
        variables.append(
            Variable(
                feature=name,
                categorical=categorical,
                splits=() if categorical else tuple(float(s) for s in binned.splits),
                groups=tuple(tuple(str(c) for c in group) for group in binned.splits) if categorical else (),
                labels=tuple(str(b) for b in rows["Bin"]),
                counts=tuple(int(c) for c in rows["Count"]),
                event_rates=tuple(float(r) if r == r else 0.0 for r in rows["Event rate"].astype(float)),
                woe=tuple(float(w) for w in woe),
                logit=tuple(float(coefficients[name] * w) for w in woe),
                points=tuple(float(p) for p in rows["Points"]),
            )
        )
    return ScorecardModel(tuple(variables), float(card.estimator_.intercept_[0]), scaling)


class CompiledScorecard:
    """A scorecard ready to score: category codes mapped to bins once, at load."""

    def __init__(self, model: ScorecardModel, specs: dict[str, ColumnSpec], feature_order: list[str]) -> None:
        self.model = model
        self.positions = [feature_order.index(v.feature) for v in model.variables]
        self.code_bins = [code_bin_table(v, specs[v.feature]) if v.categorical else None for v in model.variables]
        self.logit_tables = [np.asarray(v.logit) for v in model.variables]
        self.points_tables = [np.asarray(v.points) for v in model.variables]

    def bins(self, features: np.ndarray) -> np.ndarray:
        """(rows, variables) bin index of every row for every scorecard variable (batch path)."""
        result = np.empty((features.shape[0], len(self.model.variables)), dtype=np.int64)
        for column, (variable, position, table) in enumerate(
            zip(self.model.variables, self.positions, self.code_bins, strict=True)
        ):
            values = features[:, position]
            missing = np.isnan(values)
            if table is None:
                index = np.searchsorted(np.asarray(variable.splits), np.where(missing, 0.0, values), side="right")
            else:
                index = table[np.where(missing, 0, values).astype(np.int64).clip(0, table.size - 1)]
            result[:, column] = np.where(missing, variable.missing_bin, index)
        return result

    def bins_one(self, row: list[float]) -> list[int]:
        """The same bins for one applicant, in plain Python: a few microseconds, no array set-up."""
        found = []
        for variable, position, table in zip(self.model.variables, self.positions, self.code_bins, strict=True):
            value = row[position]
            if value != value:
                found.append(variable.missing_bin)
            elif table is None:
                found.append(bisect.bisect_right(variable.splits, value))
            else:
                found.append(int(table[min(int(value), table.size - 1)]))
        return found

    def logit(self, bins: np.ndarray) -> np.ndarray:
        total = np.full(bins.shape[0], self.model.intercept)
        for column, table in enumerate(self.logit_tables):
            total += table[bins[:, column]]
        return total

    def points(self, bins: np.ndarray) -> np.ndarray:
        return np.column_stack([table[bins[:, c]] for c, table in enumerate(self.points_tables)])


def code_bin_table(variable: Variable, spec: ColumnSpec) -> np.ndarray:
    """Bin of each category code (the last code is "other"); unseen categories take the neutral bin."""
    by_name = {name: number for number, group in enumerate(variable.groups) for name in group}
    names = [*spec.categories, OTHER]
    return np.array([by_name.get(name, variable.special_bin) for name in names], dtype=np.int64)
