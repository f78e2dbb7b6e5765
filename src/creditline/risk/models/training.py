"""Training end to end: raw table → features → champion, scorecard, blend, calibration → artefacts.

Stages (reported to `progress` as they start): types, leakage, split, features, champion,
scorecard, calibration, evaluation. Engineered features (`derived`) are planned on the
development rows and kept only if they raise the validation AUC. The champion is whichever of the
boosted ensemble, the scorecard and their blend (log-odds mixed with a weight chosen on
validation) has the best validation AUC; the held-out test rows are touched only to report the
final figures. Same data, options and thread count give the same model, byte for byte.

`train(table, options)` is `fit(prepare(table, options), options)`. `prepare` keeps nothing of the
table's text (only its description and each column's distinct count), so a caller that lets the
table go once prepared (the CLI) trains without the raw strings — on a 303 MB export, about 1.7 GB of
text that training held to the end before (docs/risk-models.md §11).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from creditline.risk.models import champion as boosting
from creditline.risk.models import monitoring, search_space
from creditline.risk.models.calibration import choose_calibration, logit_of, sigmoid
from creditline.risk.models.columns import (
    CATEGORY,
    DATE,
    NUMBER,
    ColumnSpec,
    column_values,
    infer_column,
    infer_kind,
    is_missing_text,
)
from creditline.risk.models.derived import FeaturePlan, plan_features
from creditline.risk.models.errors import InvalidData
from creditline.risk.models.labels import label_words
from creditline.risk.models.leakage import identifier_reason, proxy_reason
from creditline.risk.models.metrics import auc, brier, evaluate, ks
from creditline.risk.models.names import sanitise
from creditline.risk.models.reading import RawTable, resolve_column
from creditline.risk.models.registry import FORMAT, FORMAT_VERSION, ModelArtifacts
from creditline.risk.models.scorecard import CompiledScorecard, Scaling, ScorecardModel, fit_scorecard
from creditline.risk.models.split import CV_FOLDS, GROUPS_MIN, Groups, Split, describe, split_rows
from creditline.risk.models.target import Target, encode_target

BLEND_WEIGHTS = tuple(np.round(np.linspace(0.0, 1.0, 21), 2))
REPORT_SAMPLE_ROWS = 5000
SCORECARD_FEATURES_MAX = 20
# Above this many kept levels a category reaches the booster as its frequency rank (code 0 is the
# most common value) instead of as a categorical split: on PAKDD 2010's city and ZIP-like columns
# categorical splits overfit (test AUC 0.642 against 0.649 with ranks).
CATEGORY_SPLIT_LEVELS_MAX = 30
Progress = Callable[[str], None]
ENGINEERED_MODES = ("auto", "on", "off")
STAGES = ("types", "leakage", "split", "features", "champion", "scorecard", "calibration", "evaluation")


@dataclass(frozen=True)
class TrainingOptions:
    target: str
    positive: str | tuple[str, ...] | None = None  # the target value(s) meaning bad; None: inferred
    negative: tuple[str, ...] = ()  # the values meaning good; others are then indeterminate and left out
    time: str | None = None
    ids: tuple[str, ...] = ()
    monotone: dict[str, int] = field(default_factory=dict)
    missing_codes: tuple[float, ...] = ()
    budget_s: float = boosting.CPU_BUDGET_S  # a CPU-seconds guard on the search, not its size
    trials: int | None = None  # None: as many as the work budget allows (search_space)
    engineered: str = "auto"  # engineered features: "auto" (kept if they help on validation), "on", "off"
    threads: int = 2
    seed: int = 7
    scaling: Scaling = field(default_factory=Scaling)
    labels: dict[str, str] = field(default_factory=dict)
    label_words: dict[str, dict[str, str]] = field(default_factory=dict)  # language → column → words
    created_at: str = ""


@dataclass
class Prepared:
    """The table as model inputs: kept rows, 0/1 target, feature specs and matrix, what was dropped."""

    table: RawTable  # how the table was read, its columns named, its rows let go (an empty frame)
    target: np.ndarray
    definition: Target  # which values are bad, good, indeterminate (its `values` are all rows')
    target_column: str
    specs: list[ColumnSpec]
    features: np.ndarray
    dropped: list[dict]
    order: np.ndarray | None
    unlabelled: int = 0  # rows left out: no target value (blank or a missing token, an export's footer)
    distinct: dict[str, int] = field(default_factory=dict)  # each feature's distinct raw values, kept rows
    groups: Groups | None = None  # each kept row's borrower, by an --id column whose values repeat


def noop(_stage: str) -> None:
    return None


def train(table: RawTable, options: TrainingOptions, progress: Progress = noop) -> ModelArtifacts:
    check_options(options)
    progress("types")
    return fit(prepare(table, options), options, progress)


def check_options(options: TrainingOptions) -> None:
    if options.engineered not in ENGINEERED_MODES:
        raise InvalidData(f"must be one of {', '.join(ENGINEERED_MODES)}", field="engineered")
    if options.trials is not None and options.trials < 1:
        raise InvalidData("must be at least 1", field="trials")


def fit(prepared: Prepared, options: TrainingOptions, progress: Progress = noop) -> ModelArtifacts:
    """Train on a prepared table (stages from leakage on; `prepare` is the types stage)."""
    check_options(options)
    table = prepared.table
    progress("leakage")
    split = split_rows(prepared.target, prepared.order, options.seed, prepared.groups)
    guard_leakage(prepared, split)
    progress("split")
    dev_y = prepared.target[split.development]
    progress("features")
    plan = plan_features(prepared.specs, prepared.features[split.development])
    progress("champion")
    fit, plan, gate = search_champion(prepared, split, plan, options)
    matrix = plan.extend(prepared.features)
    dev_x = matrix[split.development]
    progress("scorecard")
    specs = [*prepared.specs, *(f.spec() for f in plan.features)]
    card, card_oof = fit_scorecards(dev_x, dev_y, split.first_partition, specs, options.scaling, strongest(fit.booster))
    progress("calibration")
    valid = np.sort(np.concatenate([v for _, v in split.first_partition]))
    weight, blend_aucs = choose_weight(fit.oof_logit[valid], card_oof[valid], dev_y[valid])
    blended = weight * fit.oof_logit[valid] + (1 - weight) * card_oof[valid]
    calibration, calibration_scores, calibration_reason = choose_calibration(blended, dev_y[valid], options.seed)
    progress("evaluation")
    names = [s.feature for s in specs]
    compiled = CompiledScorecard(card, {s.feature: s for s in specs}, names)
    test_x, test_y = matrix[split.test], prepared.target[split.test]
    booster_test = fit.booster.predict(test_x, raw_score=True, num_threads=options.threads)
    card_test = compiled.logit(compiled.bins(test_x))
    champion_test = weight * booster_test + (1 - weight) * card_test
    pd_test = calibration.pd(champion_test)
    metrics = {
        "validation": {"auc": blend_aucs, "calibration_brier": calibration_scores, "search_auc": fit.oof_auc},
        "test": {
            "champion": evaluate(test_y, pd_test),
            "champion_uncalibrated_brier": brier(test_y, sigmoid(champion_test)),
            "lightgbm": summary(test_y, sigmoid(booster_test)),
            "scorecard": summary(test_y, sigmoid(card_test)),
        },
    }
    scores = options.scaling.score(logit_of(pd_test))
    base_dev = prepared.features[split.development]
    reference = monitoring.baseline(base_dev, prepared.specs, np.asarray(scores, dtype=np.float64))
    metadata = build_metadata(table, options, prepared, split, fit, weight, metrics, reference, calibration.method,
                              calibration_reason)
    metadata["derived"] = plan.to_json()
    metadata["champion"]["engineered_features"] = gate
    metadata["report_sample"] = report_sample(test_y, pd_test, options.seed)
    metadata["importance"] = dict(zip(fit.booster.feature_name(), fit.booster.feature_importance("gain").tolist(), strict=True))
    metadata["model_id"] = "pd-" + hashlib.sha256((fit.text + json.dumps(card.to_json())).encode()).hexdigest()[:12]
    return ModelArtifacts(fit.text, card.to_json(), calibration.to_json(), metadata)


def booster_categories(specs: list[ColumnSpec]) -> list[int]:
    """The columns the booster splits as categories; one of more levels reaches it as its frequency
    rank (its code), see `CATEGORY_SPLIT_LEVELS_MAX`."""
    return [i for i, s in enumerate(specs) if s.kind == CATEGORY and len(s.categories) <= CATEGORY_SPLIT_LEVELS_MAX]


def search_champion(prepared: Prepared, split: Split, plan: FeaturePlan, options: TrainingOptions):
    """(fit, plan kept, gate record). With `engineered="auto"` the engineered features are kept only
    if they raise the validation AUC: both feature sets are scored with the search's first setting
    on the same folds; the loser's trial is discarded, the winner's counts as the search's first."""
    dev = split.development
    monotone = monotone_vector(prepared, options)
    categorical = booster_categories(prepared.specs)
    names = [s.feature for s in prepared.specs]

    def folds_for(chosen: FeaturePlan) -> boosting.Folds:
        return boosting.prepare_folds(
            chosen.extend(prepared.features[dev]), prepared.target[dev], split.folds, split.repeats,
            names + chosen.names, categorical, options.threads,
        )

    plain = FeaturePlan(len(prepared.specs))
    options_ = {"off": [plain], "on": [plan]}.get(options.engineered, [plain, plan] if plan.features else [plain])
    best, aucs = None, {}
    for chosen in options_:
        folds = folds_for(chosen)
        padded = monotone + [0] * len(chosen.features)
        first = search_space.candidates(options.seed, boosting.fit_rows(folds), 1)[0]
        trial = boosting.run_trial({**boosting.base_params(folds, padded, options.seed), **first}, first, folds)
        aucs["with" if chosen.features else "without"] = trial.auc
        if best is None or round(trial.auc, 6) > round(best[0].auc, 6):
            best = (trial, chosen, folds, padded)
        del folds  # the loser's binned folds and their matrix go now, not after the search
    trial, chosen, folds, padded = best
    gate = {
        "mode": options.engineered, "planned": plan.names, "used": bool(chosen.features),
        "validation_auc": {"without": aucs.get("without"), "with": aucs.get("with")},
    }
    fit = boosting.search(
        folds, monotone=padded, seed=options.seed, trials=options.trials, cpu_budget_s=options.budget_s, done=[trial],
    )
    return fit, chosen, gate


def prepare(table: RawTable, options: TrainingOptions) -> Prepared:
    """The table's kept rows as features: each column inferred, converted and let go in turn."""
    frame = table.frame
    columns = list(frame.columns)
    target_column = resolve_column(columns, options.target, "target", table.aliases)
    definition = encode_target(frame[target_column], options.positive, negative=options.negative)
    target = definition.values
    keep = ~np.isnan(target)
    every = bool(keep.all())
    target = target[keep]

    def kept(name: str) -> pd.Series:  # one column's kept rows at a time, never a copy of the whole frame
        return frame[name] if every else frame[name][keep].reset_index(drop=True)

    excluded = {target_column}
    order = None
    if options.time:
        time_column = resolve_column(columns, options.time, "time", table.aliases)
        if time_column == target_column:
            raise InvalidData(f"{target_column!r} is the target; an out-of-time split needs the date each row was booked", field="time")
        excluded.add(time_column)
        order = time_order(kept(time_column), table.separator)
    named_ids = [resolve_column(columns, wanted, "id", table.aliases) for wanted in options.ids]
    excluded |= set(named_ids)
    groups = None if order is not None else borrower_groups(named_ids, kept, target)
    dropped = [{"column": c, "reason": "target, time or named identifier"} for c in columns if c in excluded]
    candidates = [c for c in columns if c not in excluded]
    specs, distinct = [], {}
    features = np.empty((target.size, len(candidates)))  # filled in place: no list of columns beside it
    for name, feature in zip(candidates, sanitise(candidates), strict=True):
        raw = kept(name)
        found = infer_column(name, feature, raw, table.separator, options.missing_codes)
        if found is None:
            dropped.append({"column": name, "reason": "no information: blank or one value throughout"})
        else:
            label = options.labels.get(name)
            features[:, len(specs)] = found[1]
            specs.append(replace(found[0], label=label, index={}) if label else found[0])
            distinct[name] = int(raw.nunique())
    if not specs:
        raise InvalidData("no usable feature column besides the target", field="data")
    features = first_columns(features, len(specs))
    unlabelled = int((~keep).sum()) - definition.indeterminate
    described = replace(table, frame=frame.iloc[:0].copy())  # a copy: an empty view would keep every row alive
    return Prepared(described, target, definition, target_column, specs, features, dropped, order, unlabelled, distinct, groups)


def borrower_groups(named_ids: list[str], kept: Callable[[str], pd.Series], target: np.ndarray) -> Groups | None:
    """The rows' groups by the first `--id` column whose values repeat (several loans of one borrower),
    so that no borrower is on both sides of a cut — when it has enough groups of each outcome to stratify
    (GROUPS_MIN, and twice CV_FOLDS with a bad row and without one: the test cut leaves four fifths of
    them to fold five ways); a blank id is a group of its own."""
    for name in named_ids:
        values = kept(name)
        blank = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
        codes, uniques = pd.factorize(values.where(~blank, None), use_na_sentinel=True)
        if len(uniques) + int(blank.sum()) >= codes.size:
            continue  # one row per value: an identifier, not a grouping
        codes = codes.astype(np.int64)
        codes[blank] = len(uniques) + np.arange(int(blank.sum()))
        bad = np.zeros(int(codes.max()) + 1, dtype=bool)
        np.logical_or.at(bad, codes, target > 0)
        if bad.size >= GROUPS_MIN and min(int(bad.sum()), int((~bad).sum())) >= 2 * CV_FOLDS:
            return Groups(name, codes)
    return None


def first_columns(matrix: np.ndarray, count: int, block_cells: int = 1 << 20) -> np.ndarray:
    """`matrix[:, :count]`, C-ordered, in `matrix`'s own memory (moved forward a block of rows at a
    time, then shrunk): a copy would hold both at training's peak. `matrix` must own its data."""
    rows, width = matrix.shape
    if count == width:
        return matrix
    flat = matrix.reshape(-1)  # a view of the same memory
    step = max(1, block_cells // width)
    for start in range(0, rows, step):  # row r moves to r*count, never past rows not yet moved (r*width)
        stop = min(rows, start + step)
        flat[start * count : stop * count] = matrix[start:stop, :count].reshape(-1)  # reshape copies the block
    del flat
    matrix.resize((rows * count,), refcheck=False)
    return matrix.reshape(rows, count)


def time_order(raw: pd.Series, separator: str) -> np.ndarray:
    kind, spec_options = infer_kind(raw[~is_missing_text(raw)], separator)
    if kind not in (NUMBER, DATE):
        raise InvalidData("the time column must hold dates or numbers", field="time")
    spec = ColumnSpec("time", "time", kind, **spec_options)
    values = column_values(spec, raw)
    if np.isnan(values).mean() > 0.5:
        raise InvalidData("most values of the time column are blank or unreadable", field="time")
    if np.nanmin(values) == np.nanmax(values):  # no latest rows to hold out: the split would be file order
        raise InvalidData("the time column holds one value only; an out-of-time split needs rows from different times", field="time")
    return np.where(np.isnan(values), np.nanmin(values), values)


def guard_leakage(prepared: Prepared, split: Split) -> None:
    """Drop identifiers (all rows) and target proxies (judged on development rows only)."""
    keep = []
    dev = split.development
    for position, spec in enumerate(prepared.specs):
        values = prepared.features[:, position]
        reason = identifier_reason(spec, prepared.distinct[spec.name], values)
        reason = reason or proxy_reason(values[dev], prepared.target[dev], spec)
        if reason:
            prepared.dropped.append({"column": spec.name, "reason": reason})
        else:
            keep.append(position)
    if not keep:
        raise InvalidData("every feature column was dropped by the leakage guard", field="data")
    prepared.specs = [prepared.specs[i] for i in keep]
    prepared.features = prepared.features[:, keep]


def monotone_vector(prepared: Prepared, options: TrainingOptions) -> list[int]:
    """+1: risk may only rise with the value; −1: only fall; 0: free. Named by raw column.

    A position or `last` counts the file's columns, as for --target, not the features left."""
    vector = [0] * len(prepared.specs)
    names = [spec.name for spec in prepared.specs]
    for wanted, direction in options.monotone.items():
        name = resolve_column(list(prepared.table.frame.columns), wanted, "monotone", prepared.table.aliases)
        if name not in names:
            reason = next((d["reason"] for d in prepared.dropped if d["column"] == name), "not a feature")
            raise InvalidData(f"{name} is not a feature of the model (dropped: {reason})", field="monotone")
        spec = prepared.specs[names.index(name)]
        if spec.kind == CATEGORY or direction not in (-1, 1):
            raise InvalidData(f"{name}: a monotone constraint needs a numeric column and +1 or -1", field="monotone")
        vector[names.index(name)] = direction
    return vector


def strongest(booster) -> list[int]:
    """Positions of the (at most) `SCORECARD_FEATURES_MAX` features the booster gained most from."""
    gain = booster.feature_importance("gain")
    ranked = [int(i) for i in np.argsort(-gain, kind="stable") if gain[i] > 0] or list(range(gain.size))
    return sorted(ranked[:SCORECARD_FEATURES_MAX])


def fit_scorecards(
    dev_x: np.ndarray, dev_y: np.ndarray, folds: list, specs: list[ColumnSpec], scaling: Scaling, chosen: list[int]
) -> tuple[ScorecardModel, np.ndarray]:
    """Out-of-fold scorecard log-odds over one partition (for the blend) and the final scorecard.

    Only the `chosen` features are binned: a scorecard reads best with a few characteristics,
    and binning hundreds of columns five times over would blow the time budget."""
    order = [s.feature for s in specs]
    by_feature = {s.feature: s for s in specs}
    subset = [specs[i] for i in chosen]
    oof = np.full(dev_y.size, np.nan)
    for train_rows, valid_rows in folds:
        fitted = fit_scorecard(dev_x[np.ix_(train_rows, chosen)], dev_y[train_rows], subset, scaling)
        card = CompiledScorecard(fitted, by_feature, order)
        oof[valid_rows] = card.logit(card.bins(dev_x[valid_rows]))
    return fit_scorecard(dev_x[:, chosen], dev_y, subset, scaling), oof


def choose_weight(booster: np.ndarray, card: np.ndarray, target: np.ndarray) -> tuple[float, dict]:
    """Blend weight of the booster with the best validation AUC (ties favour the booster)."""
    aucs = {float(w): auc(target, w * booster + (1 - w) * card) for w in BLEND_WEIGHTS}
    best = max(aucs, key=lambda w: (round(aucs[w], 6), w))
    return best, {"lightgbm": aucs[1.0], "scorecard": aucs[0.0], "blend": aucs[best], "blend_weight": best}


def report_sample(target: np.ndarray, pd_: np.ndarray, seed: int) -> dict:
    """Up to `REPORT_SAMPLE_ROWS` held-out (PD, bad) pairs, so a report can be drawn from the model alone."""
    rows = np.arange(target.size)
    if rows.size > REPORT_SAMPLE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, REPORT_SAMPLE_ROWS, replace=False))
    return {"pd": [round(float(p), 6) for p in pd_[rows]], "bad": [int(t) for t in target[rows]]}


def summary(target: np.ndarray, pd_: np.ndarray) -> dict:
    return {"auc": auc(target, pd_), "ks": ks(target, pd_), "brier": brier(target, pd_)}


def champion_kind(weight: float) -> str:
    return "lightgbm" if weight == 1.0 else "scorecard" if weight == 0.0 else "blend"


def package_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("creditline", "lightgbm", "optbinning", "scikit-learn", "numpy", "pandas", "scipy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "absent"
    return found


def build_metadata(
    table, options, prepared, split, fit, weight, metrics, reference, calibration_method, calibration_reason
) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": "",
        "created_at": options.created_at,
        "data": {
            "source": table.source, "sha256": table.sha256, "rows": int(prepared.target.size),
            "rows_without_target": prepared.unlabelled,
            "separator": table.separator, "header": table.has_header, "encoding": table.encoding,
            "sheet": table.sheet, "warnings": list(table.warnings),
        },
        "target": {
            "column": prepared.target_column, **prepared.definition.to_json(),
            "bad_rate": float(prepared.target.mean()),
        },
        "features": [spec.to_json() for spec in prepared.specs],
        "dropped": prepared.dropped,
        "split": {
            "method": describe(split), "development_rows": int(split.development.size),
            "test_rows": int(split.test.size), "seed": options.seed, "time": options.time,
        },
        "champion": {
            "kind": champion_kind(weight), "blend_weight": weight, "calibration": calibration_method,
            "calibration_reason": calibration_reason,
            "lightgbm_params": fit.params, "monotone": dict(options.monotone), "rounds": fit.rounds,
            "ensemble": fit.members,
            "search": {
                "trials": len(fit.trials), "stopped_by": fit.stopped_by, "work_units": sum(t.work for t in fit.trials),
                "work_budget_units": search_space.WORK_BUDGET_UNITS, "trials_asked": options.trials,
                "cpu_cap_s": options.budget_s, "validation_auc_ensemble": fit.oof_auc,
            },
            "search_trials": [t.log() for t in fit.trials],
            "plans": fit.plans,
        },
        "metrics": metrics,
        "monitoring": reference,
        "packages": package_versions(),
    } | translated_labels(prepared.specs, options.label_words)


def translated_labels(specs: list[ColumnSpec], by_language: dict[str, dict[str, str]]) -> dict:
    """`label_words` (risk.models.labels) when the lender gave its columns' words in other languages."""
    words = label_words(((spec.name, spec.label or spec.name) for spec in specs), by_language)
    return {"label_words": words} if words else {}
