"""The in-process scorer: raw applicant fields in, PD, score and reasons out.

One set of tables, two speeds. `score_one` takes a dict of raw fields (what an application form
or API sends) and answers in well under a millisecond: plain-Python value conversion, LightGBM's
leaf lookup on one thread, tabulated path credits, scorecard bins by bisection. `score_batch`
takes a DataFrame (end of day, the simulator) and runs the same rules vectorised, the booster's
log-odds from the compiled split lists of `compiled.py` (equal to LightGBM's predict, about twice
as fast); a property test proves that both give the same PD, score and reasons.

The champion's log-odds is `w · booster + (1 − w) · scorecard` (w = 1: boosted model alone,
w = 0: scorecard alone), mapped to a PD by the calibration and to a score by the PDO scaling.
Engineered features are computed from the converted raw fields by the model's stored
`FeaturePlan.extend` — the very function training used — for one applicant and a batch alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from creditline.risk.models.attribution import build_path_table
from creditline.risk.models.calibration import Calibration
from creditline.risk.models.columns import ColumnSpec, column_values, value_of
from creditline.risk.models.compiled import CompiledTrees, compile_trees
from creditline.risk.models.derived import FeaturePlan
from creditline.risk.models.errors import InvalidModel, InvalidScoringRequest
from creditline.risk.models.labels import words_of_reasons
from creditline.risk.models.reading import misread_as
from creditline.risk.models.reasons import REASONS_DEFAULT, Reason, top_reasons
from creditline.risk.models.registry import ModelArtifacts
from creditline.risk.models.scorecard import CompiledScorecard, ScorecardModel

SINGLE_ROW_THREADS = 1
PARALLEL_ROWS_MIN = 10_000
COMPILED_ROWS_MIN = 2_000  # below this a batch goes to LightGBM's predict: no compile on small work
# What reading a model's JSON of the wrong shape raises (a key absent, a list for a number, …).
MALFORMED = (KeyError, TypeError, ValueError, IndexError, AttributeError, AssertionError, lgb.basic.LightGBMError)


@dataclass(frozen=True)
class Decision:
    pd: float
    score: int
    scorecard_points: int
    reasons: tuple[Reason, ...]
    model_id: str

    def to_json(self) -> dict:
        return {
            "pd": self.pd,
            "score": self.score,
            "scorecard_points": self.scorecard_points,
            "reasons": [r.to_json() for r in self.reasons],
            "model_id": self.model_id,
        }


class Scorer:
    """A loaded model, ready to score one applicant or a batch."""

    def __init__(self, artifacts: ModelArtifacts, *, threads: int = 2) -> None:
        try:
            self.load(artifacts)
        except MALFORMED as exc:
            # Checksums prove the files are as written, not that what was written is a model we read.
            raise InvalidModel(
                f"the model's files do not hold a model this creditline reads ({type(exc).__name__}: {exc})",
                field="model",
            ) from exc
        self.threads = threads
        self._compiled: CompiledTrees | bool | None = False  # False: not compiled yet; None: not compilable

    def load(self, artifacts: ModelArtifacts) -> None:
        metadata = artifacts.metadata
        self.metadata = metadata
        self.model_id = str(metadata["model_id"])
        self.bad_value = metadata["target"].get("bad_value")
        # the target's definition, for evaluating later files alike (models before it: one bad value)
        self.bad_values = tuple(metadata["target"].get("bad_values") or ([self.bad_value] if self.bad_value else []))
        self.good_values = tuple(metadata["target"].get("good_values") or ())
        self.monitoring = metadata.get("monitoring", {})
        self.specs = [ColumnSpec.from_json(f) for f in metadata["features"]]
        self.plan = FeaturePlan.from_json(metadata.get("derived"), len(self.specs))
        if self.plan.base_count != len(self.specs):
            raise InvalidModel("the engineered-feature plan does not match the feature schema", field="model")
        # Raw fields first, engineered columns after: the order of the model's input matrix.
        self.model_specs = [*self.specs, *(feature.spec() for feature in self.plan.features)]
        self.label_words: dict[str, dict[str, str]] = metadata.get("label_words", {})  # risk.models.labels
        self.labels_by_name = {spec.name: spec.label or spec.name for spec in self.model_specs}
        if not isinstance(self.label_words, dict) or not all(
            isinstance(words, dict) and all(isinstance(v, str) for v in words.values()) for words in self.label_words.values()
        ):
            raise InvalidModel("metadata.json's label_words must map language → label → words", field="model")
        if not artifacts.booster_text.startswith("tree"):  # before LightGBM's parser prints its own error
            raise InvalidModel("model.txt is not a LightGBM text model", field="model")
        self.booster = lgb.Booster(model_str=artifacts.booster_text)
        names = [spec.feature for spec in self.model_specs]
        if self.booster.feature_name() != names:
            raise InvalidModel("model.txt features do not match the feature schema in metadata.json", field="model")
        self.scorecard = ScorecardModel.from_json(artifacts.scorecard)
        by_feature = {spec.feature: spec for spec in self.model_specs}
        unknown = [v.feature for v in self.scorecard.variables if v.feature not in by_feature]
        if unknown:
            raise InvalidModel(f"scorecard.json uses features absent from the schema: {unknown}", field="model")
        self.card = CompiledScorecard(self.scorecard, by_feature, names)
        self.calibration = Calibration.from_json(artifacts.calibration)
        self.weight = float(metadata["champion"]["blend_weight"])
        self.scaling = self.scorecard.scaling
        if not (self.scaling.factor > 0 and self.scaling.odds > 0):
            raise InvalidModel("scorecard.json's points scaling needs a positive PDO and odds", field="model")
        self.paths = build_path_table(self.booster)
        self.variable_positions = self.card.positions
        self.booster_text = artifacts.booster_text

    def reason_words(self, reasons: Sequence[Reason]) -> dict[str, dict[str, str]]:
        """language → label → words for these reasons' labels, from the lender's `--labels` (kept with a
        decision, so its explanation reads in the borrower's language after the model is replaced)."""
        if not self.label_words:
            return {}
        return words_of_reasons(self.label_words, (self.labels_by_name.get(r.field, r.field) for r in reasons))

    # -- one applicant ---------------------------------------------------------------------
    def features_one(self, applicant: Mapping[str, object]) -> tuple[list[float], list[object]]:
        if not isinstance(applicant, Mapping):
            raise InvalidScoringRequest("an applicant must be a JSON object of field: value", field="applicant")
        row, raw = [], []
        for spec in self.specs:
            if spec.name not in applicant:
                raise InvalidScoringRequest(
                    "required field is missing (send null for an unknown value)" + misread_hint(spec.name, applicant),
                    field=spec.name,
                )
            value = applicant[spec.name]
            row.append(value_of(spec, value))
            raw.append(value)
        return row, raw

    def score_one(self, applicant: Mapping[str, object], *, reasons: int = REASONS_DEFAULT) -> Decision:
        row, raw = self.features_one(applicant)
        if self.plan.steps:
            row = self.plan.extend(np.array([row])).tolist()[0]
            raw = raw + row[len(raw):]
        leaves = self.booster.predict(np.array([row]), pred_leaf=True, num_threads=SINGLE_ROW_THREADS)
        booster_logit, credits = self.paths.raw_and_credits(leaves)
        bins = self.card.bins_one(row)
        card_logit = self.scorecard.intercept + sum(
            v.logit[b] for v, b in zip(self.scorecard.variables, bins, strict=True)
        )
        points = [v.points[b] for v, b in zip(self.scorecard.variables, bins, strict=True)]
        logit = self.weight * float(booster_logit[0]) + (1 - self.weight) * card_logit
        pd_ = self.calibration.pd_one(logit)
        points_lost = [v.points_max - p for v, p in zip(self.scorecard.variables, points, strict=True)]
        return Decision(
            pd=pd_,
            score=self.display_score(pd_),
            scorecard_points=round(float(self.scaling.score(card_logit))),
            reasons=self.reasons_of(credits[0], points_lost, row, raw, reasons),
            model_id=self.model_id,
        )

    def reasons_of(
        self, credits: np.ndarray, points_lost: list[float], features: list[float], raw: list[object], count: int
    ) -> tuple[Reason, ...]:
        """One applicant's reasons, for `score_one` and each row of `score_batch` alike: one shape, one wording."""
        impacts = self.impacts(credits, points_lost)
        return tuple(top_reasons(list(impacts), self.model_specs, features, raw, count))

    def impacts(self, credits: np.ndarray, points_lost: list[float]) -> np.ndarray:
        """Per-feature log-odds pushed towards bad: booster credits and scorecard points lost, blended."""
        lost = np.zeros(len(self.model_specs))
        for position, value in zip(self.variable_positions, points_lost, strict=True):
            lost[position] = value / self.scaling.factor
        return self.weight * credits + (1 - self.weight) * lost

    def display_score(self, pd_: float) -> int:
        if pd_ <= 0.0 or pd_ >= 1.0:
            pd_ = min(max(pd_, 1e-12), 1 - 1e-12)
        return round(float(self.scaling.score(math.log(pd_ / (1 - pd_)))))

    # -- a batch ---------------------------------------------------------------------------
    def features_batch(
        self, frame: pd.DataFrame, *, strict: bool = True, specs: list[ColumnSpec] | None = None
    ) -> np.ndarray:
        """The model's input columns of raw fields; `specs` (default the model's own) may read a file's
        own forms of the same columns (`file_forms.file_specs`)."""
        missing = [spec.name for spec in self.specs if spec.name not in frame.columns]
        if missing:
            hint = misread_hint(missing[0], frame.columns)
            raise InvalidScoringRequest("required column is missing from the data" + hint, field=missing[0])
        specs = self.specs if specs is None else specs
        return np.column_stack([column_values(spec, frame[spec.name], strict=strict) for spec in specs])

    def logits(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(champion, booster, scorecard) log-odds of bad for every row of a model input matrix."""
        threads = self.threads if features.shape[0] >= PARALLEL_ROWS_MIN else 1
        compiled = self.compiled() if features.shape[0] >= COMPILED_ROWS_MIN else None
        if compiled is not None:
            booster = compiled.raw(features, threads)
        else:
            booster = self.booster.predict(features, raw_score=True, num_threads=threads)
        card = self.card.logit(self.card.bins(features))
        return self.weight * booster + (1 - self.weight) * card, booster, card

    def compiled(self) -> CompiledTrees | None:
        """The booster's trees for the compiled batch path (docs: compiled.py), built at first use."""
        if self._compiled is False:
            self._compiled = compile_trees(self.booster_text)
        return self._compiled

    def score_batch(
        self, frame: pd.DataFrame, *, reasons: int = 0, strict: bool = True, specs: list[ColumnSpec] | None = None
    ) -> pd.DataFrame:
        """PD, score and scorecard points per row; with `reasons` > 0 also a `reasons` column holding,
        per row, the same tuple of `Reason`s (field, value, impact, text) that `score_one` gives.
        Rows keep the frame's own index, so the result's columns can be set on the frame."""
        features = self.features_batch(frame, strict=strict, specs=specs)
        return self.score_features(features, frame, reasons=reasons).set_index(frame.index)

    def score_features(self, features: np.ndarray, frame: pd.DataFrame | None = None, *, reasons: int = 0) -> pd.DataFrame:
        """Scores of converted raw fields (`features_batch`); engineered columns are added here."""
        features = self.plan.extend(features)
        logit, _, card_logit = self.logits(features)
        pd_ = self.calibration.pd(logit)
        clipped = np.clip(pd_, 1e-12, 1 - 1e-12)
        result = pd.DataFrame(
            {
                "pd": pd_,
                "score": np.rint(self.scaling.score(np.log(clipped / (1 - clipped)))).astype(np.int64),
                "scorecard_points": np.rint(self.scaling.score(card_logit)).astype(np.int64),
            }
        )
        if reasons > 0 and frame is not None:
            result["reasons"] = self.batch_reasons(features, frame, reasons)
        return result

    def batch_reasons(self, features: np.ndarray, frame: pd.DataFrame, count: int) -> list[tuple[Reason, ...]]:
        if features.shape[0] == 0:  # LightGBM's pred_leaf divides by the row count
            return []
        leaves = self.booster.predict(features, pred_leaf=True, num_threads=self.threads)
        _, credits = self.paths.raw_and_credits(leaves)
        points = self.card.points(self.card.bins(features))
        best = np.array([v.points_max for v in self.scorecard.variables])
        raw_columns = [frame[spec.name].tolist() for spec in self.specs]
        raw_columns += [features[:, position].tolist() for position in range(len(self.specs), features.shape[1])]
        reasons = []
        for row in range(features.shape[0]):
            raw = [column[row] for column in raw_columns]
            reasons.append(self.reasons_of(credits[row], list(best - points[row]), features[row].tolist(), raw, count))
        return reasons


def misread_hint(name: str, present: object) -> str:
    """Why a model may lack a column the data has: its name is that column's text misread as Latin-1."""
    found = misread_as(name, present)
    if found is None:
        return ""
    column, encoding = found
    return (
        f"; {column!r} is given, whose {encoding} bytes read as Latin-1 are {name!r}: the model was trained "
        "on a file misread as Latin-1 — retrain it on that file"
    )
