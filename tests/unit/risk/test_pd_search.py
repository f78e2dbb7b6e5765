"""The champion's search: deterministic whatever the machine, sized by work, an ensemble stored as one model."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from creditline.risk.models import champion, search_space
from creditline.risk.models.attribution import build_path_table
from creditline.risk.models.champion import prepare_folds, search
from creditline.risk.models.ensemble import average_models


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    features = rng.normal(size=(900, 4))
    features[rng.random((900, 4)) < 0.1] = np.nan
    features[:, 3] = rng.integers(0, 5, 900)
    logit = np.nan_to_num(features[:, 0]) - 0.7 * np.nan_to_num(features[:, 1]) + 0.5 * (features[:, 3] == 2)
    target = (rng.random(900) < 1 / (1 + np.exp(-logit))).astype(float)
    folds = [(np.arange(0, 700), np.arange(700, 900))]
    return features, target, folds


def folds_of(data, folds=None, repeats=1):
    features, target, holdout = data
    return prepare_folds(features, target, folds or holdout, repeats, ["a", "b", "c", "d"], [3], 1)


def test_the_same_data_gives_the_same_model_whatever_the_cpu_cap(data):
    first = search(folds_of(data), monotone=[0] * 4, seed=4, trials=3)
    again = search(folds_of(data), monotone=[0] * 4, seed=4, trials=3, cpu_budget_s=1e6)
    assert first.text == again.text
    assert [m["params"] for m in first.members] == [m["params"] for m in again.members]


def test_the_search_stops_on_its_work_budget_not_the_clock(data, monkeypatch):
    monkeypatch.setattr(search_space, "WORK_BUDGET_UNITS", 1.0)
    fit = search(folds_of(data), monotone=[0] * 4, seed=4)
    assert fit.stopped_by == "work budget"
    assert len(fit.trials) == search_space.TRIALS_MIN
    monkeypatch.setattr(search_space, "WORK_BUDGET_UNITS", 1e18)
    monkeypatch.setattr(search_space, "TRIALS_MAX", search_space.TRIALS_MIN + 1)
    capped = search(folds_of(data), monotone=[0] * 4, seed=4)
    assert capped.stopped_by == "trial cap" and len(capped.trials) == search_space.TRIALS_MIN + 1
    # the CPU cap only guards: it stops a search that the work budget would let run on
    guarded = search(folds_of(data), monotone=[0] * 4, seed=4, cpu_budget_s=0.0)
    assert guarded.stopped_by == "CPU-time cap" and len(guarded.trials) == 1


def test_trial_work_counts_rounds_times_cells():
    assert search_space.trial_work([10, 20], [100, 50], 3) == 10 * (300 + 2e4) + 20 * (150 + 2e4)


def test_the_ensemble_averages_the_best_settings_in_log_odds(data):
    features, _, _ = data
    fit = search(folds_of(data), monotone=[0] * 4, seed=4, trials=4)
    ranked = sorted(fit.trials, key=lambda t: -t.auc)
    assert fit.members[0]["auc"] == ranked[0].auc
    assert [m["auc"] for m in fit.members] == sorted((m["auc"] for m in fit.members), reverse=True)
    assert 2 <= len(fit.members) <= min(champion.ENSEMBLE_SIZE, 4)
    # the serving cost is bounded: a member that would take the ensemble past the tree cap is left out
    assert sum(m["rounds"] for m in fit.members) <= champion.ENSEMBLE_TREES_MAX
    assert fit.booster.num_trees() == sum(m["trees"] for m in fit.members)
    # refitting each member on its own and averaging gives the merged model's log-odds
    base = champion.base_params(folds_of(data), [0] * 4, 4)
    members = [
        lgb.train({**base, **m["params"], "seed": m["seed"]}, champion.full_dataset(folds_of(data)), m["rounds"])
        for m in fit.members
    ]
    mean = np.mean([b.predict(features, raw_score=True) for b in members], axis=0)
    assert fit.booster.predict(features, raw_score=True) == pytest.approx(mean, abs=1e-9)
    assert fit.oof_auc > 0.65


def test_repeated_cross_validation_averages_each_repeat(data):
    _, target, _ = data
    from creditline.risk.models.split import development_folds

    folds, repeats = development_folds(target, seed=1)
    assert repeats == 3 and len(folds) == 15
    for repeat in range(3):
        covered = np.sort(np.concatenate([valid for _, valid in folds[repeat * 5 : repeat * 5 + 5]]))
        assert np.array_equal(covered, np.arange(target.size))
    fit = search(folds_of(data, folds, repeats), monotone=[0] * 4, seed=4, trials=1)
    assert not np.isnan(fit.oof_logit).any()


def test_merged_text_model_keeps_path_credits_exact(data):
    features, target, _ = data
    texts = [
        lgb.train({"objective": "binary", "verbosity": -1, "num_leaves": leaves, "seed": seed, "num_threads": 1},
                  lgb.Dataset(features, target, categorical_feature=[3]), rounds).model_to_string()
        for leaves, seed, rounds in ((4, 1, 30), (15, 2, 20), (7, 3, 1))
    ]
    merged = lgb.Booster(model_str=average_models(texts))
    singles = [lgb.Booster(model_str=text).predict(features, raw_score=True) for text in texts]
    assert merged.predict(features, raw_score=True) == pytest.approx(np.mean(singles, axis=0), abs=1e-12)
    table = build_path_table(merged)
    raw, credits = table.raw_and_credits(merged.predict(features, pred_leaf=True))
    assert credits.sum(axis=1) + table.bias == pytest.approx(raw, abs=1e-9)
    assert average_models(texts[:1]) == texts[0]
