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
    # the plans are validated alike: same AUCs, same choice, same out-of-fold log-odds for the blend
    assert len(first.plans) == 1 and first.plans[0]["chosen"]
    assert without_cpu(first.plans) == without_cpu(again.plans)
    assert np.array_equal(first.oof_logit, again.oof_logit, equal_nan=True)


def without_cpu(plans: list[dict]) -> list[dict]:
    return [{k: v for k, v in plan.items() if k != "cpu_s"} for plan in plans]


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


def first_plan(ranked_trials, rate, standard_error):
    """(trial, rate, rounds) per member of the plan the rules list first: the most members that fit."""
    return champion.candidate_plans(ranked_trials, rate, standard_error)[0].members


def test_members_share_the_tree_budget_within_one_standard_error(monkeypatch):
    monkeypatch.setattr(champion, "TREES_MAX", 300)  # the worked example below, whatever the tuned budget

    def trial(auc, rounds):
        return champion.Trial({"auc": auc}, auc, rounds, 0.0, 0.0, np.zeros(1))

    ranked = [trial(0.80, 100), trial(0.799, 2000), trial(0.798, 50), trial(0.70, 10), trial(0.797, 60)]
    members = first_plan(ranked, 0.05, standard_error=0.005)
    # 0.70 is beyond one standard error; 2000 rounds cannot fit any share at a rate of at most 0.2;
    # three members share 300 trees: 100 each, the first's 110 rounds taken at a rate of 0.055
    assert [(t.auc, round(rate, 4), rounds) for t, rate, rounds in members] == [
        (0.80, 0.055, 100), (0.798, 0.05, 55), (0.797, 0.05, 66),
    ]
    # nothing fits at a sane rate: the best alone, at the highest rate on up to TREES_STRETCH_MAX trees
    monkeypatch.setattr(champion, "TREES_MAX", 200)
    (only,) = first_plan([trial(0.8, 1000)], 0.05, standard_error=0.0)
    assert only[1:] == (pytest.approx(0.05 * 1100 / 275), 275)  # 1,100 rounds at 0.05 = 275 at 0.2
    # ... and squeezed beyond the stretch only when even that is not enough
    (only,) = first_plan([trial(0.8, 5000)], 0.05, standard_error=0.0)
    assert only[1:] == (pytest.approx(0.05 * 5500 / champion.TREES_STRETCH_MAX), champion.TREES_STRETCH_MAX)


def fake_trial(params: dict, auc: float, rounds: int) -> champion.Trial:
    return champion.Trial(params, auc, rounds, 0.0, 0.0, np.zeros(1))


def test_every_plan_the_rules_allow_is_a_candidate_and_holds_the_budget():
    rate = 0.05
    # refits of 1,100, 110, 132, 66 and 44 rounds; 0.70 is beyond one standard error
    ranked = [fake_trial({"n": 1}, 0.80, 1000), fake_trial({"n": 2}, 0.799, 100), fake_trial({"n": 3}, 0.798, 120),
              fake_trial({"n": 4}, 0.797, 60), fake_trial({"n": 5}, 0.70, 40)]
    plans = champion.candidate_plans(ranked, rate, standard_error=0.005)
    described = [(p.kind, [(t.params["n"], round(r, 4), n) for t, r, n in p.members]) for p in plans]
    assert described == [
        # four members cannot all fit 50 trees at ≤ 0.2 (the best needs 0.2 × 275): three of the others do
        ("3 sharing 200 trees", [(2, 0.0833, 66), (3, 0.1, 66), (4, 0.05, 66)]),
        ("2 sharing 200 trees", [(2, 0.055, 100), (3, 0.066, 100)]),
        ("1 sharing 200 trees", [(2, 0.05, 110)]),
        # the best fits no share, so the plan that keeps it is the best alone, stretched
        ("best alone stretched", [(1, 0.2, 275)]),
    ]
    for plan in plans:
        assert all(r <= champion.LEARNING_RATE_MAX + 1e-12 for _, r, _ in plan.members)
        cap = champion.TREES_STRETCH_MAX if plan.kind == "best alone stretched" else champion.TREES_MAX
        assert plan.trees <= cap
        assert sum(champion.fold_rounds(n) for _, _, n in plan.members) <= cap
    # the best fits a share of two: then the plan that keeps it is the two-member one, and no stretch
    ranked[0] = fake_trial({"n": 1}, 0.80, 300)  # 330 refit rounds: 0.165 on 100 trees, 0.33 on 66
    kinds = {p.kind: [t.params["n"] for t, _, _ in p.members] for p in champion.candidate_plans(ranked, rate, 0.005)}
    assert kinds == {"3 sharing 200 trees": [2, 3, 4], "2 sharing 200 trees": [1, 2], "1 sharing 200 trees": [1]}


def test_the_plan_shipped_is_the_rules_own_and_the_blend_sees_it_at_its_traded_rates(data, monkeypatch):
    """Members validated at a traded (faster) rate are made worse here. The plan shipped is still the
    rules' first (the most members that fit), and what reaches the blend and the calibration is that
    plan's out-of-fold log-odds at its traded rates, not its settings' base-rate ones."""
    _, target, _ = data
    folds = folds_of(data, *development_folds_of(target))
    signal = np.where(target == 1, 1.0, -1.0)

    def fake_oof(params, rounds, folds_):
        noise = np.random.default_rng(int(params["learning_rate"] * 1e6)).normal(size=(folds_.repeats, target.size))
        return signal + noise * (0.5 if params["learning_rate"] <= 0.05 + 1e-12 else 3.0)

    monkeypatch.setattr(champion, "fixed_rounds_oof", fake_oof)
    settings = search_space.candidates(4, champion.fit_rows(folds), 3)
    trials = [
        champion.run_trial({**champion.base_params(folds, [0] * 4, 4), **c}, c, folds) for c in settings
    ]
    for trial, rounds in zip(trials, (100, 120, 60), strict=True):  # refits of 110, 132, 66 rounds
        trial.rounds = rounds
    base = champion.base_params(folds, [0] * 4, 4)
    monkeypatch.setattr(champion, "one_standard_error", lambda *_: 1.0)  # every setting is close
    fit = champion.refit_ensemble(folds, base, trials, "test")
    (shipped,) = fit.plans
    assert shipped["kind"] == "3 sharing 200 trees" and shipped["chosen"]
    rules = champion.candidate_plans(champion.ranked(trials), 0.05, 1.0)[0]
    assert [(m["params"], m["learning_rate"], m["rounds"]) for m in fit.members] == [
        (t.params, r, n) for t, r, n in rules.members
    ]
    # the blend sees the three members at their traded rates (noisy here), not the base-rate search's
    expected = np.mean([fake_oof({"learning_rate": r}, 0, folds)[0] for _, r, _ in rules.members], axis=0)
    valid = folds.validated
    assert np.array_equal(fit.oof_logit[valid], expected[valid])
    from creditline.risk.models.metrics import auc

    per_repeat = np.mean([fake_oof({"learning_rate": r}, 0, folds) for _, r, _ in rules.members], axis=0)
    assert fit.oof_auc == shipped["validation_auc"] == pytest.approx(
        np.mean([auc(target[valid], o[valid]) for o in per_repeat]), abs=1e-12
    )
    one_at_base_rate = fake_oof({"learning_rate": 0.05}, 0, folds)
    assert shipped["validation_auc"] < np.mean([auc(target[valid], o[valid]) for o in one_at_base_rate]) - 0.05


def development_folds_of(target):
    from creditline.risk.models.split import development_folds

    return development_folds(target, seed=1)


def test_the_learning_rate_steps_up_only_where_the_search_validates_on_a_hold_out():
    from creditline.risk.models.split import CV_ROWS_MAX

    assert search_space.learning_rate(CV_ROWS_MAX - 1) == 0.05  # Taiwan's 24,000: 0.1 cost test AUC
    assert search_space.learning_rate(CV_ROWS_MAX) == 0.1


def test_trial_work_counts_rounds_times_cells():
    assert search_space.trial_work([10, 20], [100, 50], 3) == 10 * (300 + 2e4) + 20 * (150 + 2e4)


def test_the_ensemble_averages_the_best_settings_in_log_odds(data):
    features, _, _ = data
    fit = search(folds_of(data), monotone=[0] * 4, seed=4, trials=4)
    ranked = sorted(fit.trials, key=lambda t: -t.auc)
    assert fit.members[0]["auc"] == ranked[0].auc
    assert [m["auc"] for m in fit.members] == sorted((m["auc"] for m in fit.members), reverse=True)
    assert 2 <= len(fit.members) <= min(champion.ENSEMBLE_SIZE, 4)
    # the serving cost is bounded: members trade rounds for learning rate to share the tree budget
    assert sum(m["trees"] for m in fit.members) <= champion.TREES_MAX
    assert all(0.05 <= m["learning_rate"] <= champion.LEARNING_RATE_MAX for m in fit.members)
    assert fit.booster.num_trees() == sum(m["trees"] for m in fit.members)
    # refitting each member on its own and averaging gives the merged model's log-odds
    base = champion.base_params(folds_of(data), [0] * 4, 4)
    members = [
        lgb.train({**base, **m["params"], "learning_rate": m["learning_rate"], "seed": m["seed"]},
                  champion.full_dataset(folds_of(data)), m["rounds"])
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
    # one setting: its plan is validated over the three repeats as the setting was
    (plan,) = fit.plans
    assert plan["chosen"] and plan["validation_auc"] == fit.oof_auc > 0.6


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
