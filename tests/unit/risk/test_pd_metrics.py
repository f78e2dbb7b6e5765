"""Ranking and calibration metrics against scikit-learn and hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss

from creditline.risk.models.metrics import auc, auc_ci95, calibration_table, evaluate, ks


@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20)), min_size=2, max_size=60).filter(
        lambda rows: len({t for t, _ in rows}) == 2
    )
)
def test_auc_equals_scikit_learn_with_ties(rows):
    target = np.array([t for t, _ in rows], dtype=float)
    score = np.array([s for _, s in rows], dtype=float)
    assert auc(target, score) == pytest.approx(roc_auc_score(target, score), abs=1e-12)
    low, high = auc_ci95(target, score)
    assert low <= auc(target, score) + 1e-12 and auc(target, score) <= high + 1e-12


def test_hand_worked_auc_ks_and_interval():
    target = np.array([0, 0, 1, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert auc(target, score) == pytest.approx(8 / 9)
    # after 0.2 all goods but one are below and no bad: gap 2/3; after 0.4: 1 - 1/3 = 2/3
    assert ks(target, score) == pytest.approx(2 / 3)
    perfect = auc_ci95(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert perfect == (1.0, 1.0)


def test_evaluate_contract_and_agreement_with_scikit_learn():
    rng = np.random.default_rng(0)
    pd_ = rng.uniform(0.01, 0.6, 5000)
    target = (rng.random(5000) < pd_).astype(float)
    result = evaluate(target, pd_)
    assert {"n", "auc", "gini", "ks", "brier", "log_loss", "calibration", "auc_ci95"} <= result.keys()
    assert result["n"] == 5000
    assert result["gini"] == pytest.approx(2 * result["auc"] - 1)
    assert result["brier"] == pytest.approx(brier_score_loss(target, pd_))
    assert result["log_loss"] == pytest.approx(sk_log_loss(target, pd_))
    assert len(result["calibration"]) == 10
    assert sum(row["n"] for row in result["calibration"]) == 5000
    # a calibrated PD: predicted and observed bad rates agree within 10% relative in every decile
    for row in result["calibration"][3:]:
        assert abs(row["observed"] - row["predicted"]) <= 0.1 * row["predicted"] + 0.02
    low, high = result["auc_ci95"]
    assert 0 < high - low < 0.05


def test_calibration_table_groups_by_predicted_pd():
    table = calibration_table(np.array([0, 0, 1, 1.0]), np.array([0.1, 0.2, 0.7, 0.9]), groups=2)
    assert [row["observed"] for row in table] == [0.0, 1.0]
    assert table[1]["predicted"] == pytest.approx(0.8)


def test_calibration_is_chosen_when_a_half_of_the_validation_rows_holds_no_bad():
    """An out-of-time validation period may hold a single bad: the half without it cannot fit Platt
    scaling (one class), so Platt is left out of the choice; identity and isotonic are still judged."""
    import json

    from creditline.risk.models.calibration import choose_calibration

    rng = np.random.default_rng(1)
    target = np.zeros(160)
    target[70] = 1.0
    logit = rng.normal(-3, 1, 160) + 2 * target
    calibration, scores, reason = choose_calibration(logit, target, seed=7)
    assert scores["platt"] is None
    best = min((m for m in scores if scores[m] is not None), key=scores.__getitem__)
    assert calibration.method == best == "identity" and reason == "lowest held-out Brier score (identity)"
    json.dumps(scores, allow_nan=False)  # stored in metadata.json
    assert 0 < calibration.pd(np.array([0.0]))[0] < 1


@pytest.mark.parametrize("bads", [1, 2, 3])
def test_isotonic_that_flattens_the_ranking_of_a_validation_with_few_bads_gives_way_to_platt(bads):
    """With one to three bads, isotonic steps tie most applicants: it wins on Brier yet loses AUC."""
    from creditline.risk.models.calibration import ISOTONIC_AUC_LOSS_MAX, choose_calibration

    rng = np.random.default_rng(1)
    target = np.zeros(600)
    target[rng.choice(600, bads, replace=False)] = 1.0
    logit = rng.normal(-4, 1, 600) + 1.5 * target
    calibration, scores, reason = choose_calibration(logit, target, seed=7)
    assert scores["isotonic"] == min(s for s in scores.values() if s is not None)  # Brier alone picks isotonic
    # Platt where it could not be judged (a half without a bad) or beats the identity; with three bads
    # its held-out Brier score is worse than the identity's, so the model's own PDs are kept
    assert calibration.method == ("platt" if bads < 3 else "identity")
    assert auc(target, calibration.pd(logit)) == pytest.approx(auc(target, logit), abs=ISOTONIC_AUC_LOSS_MAX)
    assert reason.startswith("isotonic had the lowest held-out Brier score but its steps cut validation AUC")


def test_isotonic_that_keeps_the_ranking_is_still_chosen_on_brier():
    from creditline.risk.models.calibration import choose_calibration

    rng = np.random.default_rng(3)
    logit = rng.normal(-1, 1.5, 4000)
    # bad rates that a logistic curve cannot follow: a step only isotonic regression fits
    target = (rng.random(4000) < np.where(logit > 0, 0.6, 0.02)).astype(float)
    calibration, _, reason = choose_calibration(logit, target, seed=7)
    assert (calibration.method, reason) == ("isotonic", "lowest held-out Brier score (isotonic)")


@pytest.mark.parametrize("via", ["platt", "isotonic"])
def test_platt_with_a_slope_that_inverts_the_ranking_is_refused_for_the_identity(via):
    """Validation bads sit at the low log-odds: Platt would fit a negative slope and turn the ranking
    upside down (its Brier score is the best), so the identity is kept, saying why."""
    from creditline.risk.models.calibration import choose_calibration, fit_method

    rng = np.random.default_rng(2)
    if via == "platt":
        logit = rng.normal(-1, 1, 2000)
        target = (rng.random(2000) < 1 / (1 + np.exp(1 + 1.5 * logit))).astype(float)
    else:  # isotonic wins on Brier, is refused for its steps, and the Platt it gives way to inverts:
        # two bads among the lowest log-odds, one near the top
        logit = np.random.default_rng(9).normal(-4, 1, 600)
        target = np.zeros(600)
        target[np.argsort(logit)[[8, 33, 590]]] = 1.0
    assert fit_method("platt", logit, target).slope <= 0
    calibration, scores, reason = choose_calibration(logit, target, seed=7)
    assert min(scores, key=lambda m: scores[m] if scores[m] is not None else 9) == via
    assert calibration.method == "identity"
    assert calibration.pd(np.array([-2.0, 0.0, 2.0])).tolist() == pytest.approx([0.1192029, 0.5, 0.8807971])
    assert "platt's slope on the log-odds is -" in reason and "would invert the ranking" in reason


def test_a_calibration_that_cannot_be_told_apart_from_none_leaves_the_model_s_pds():
    """A large set whose log-odds are already calibrated: Platt's held-out gain is noise (it was a hundredth of
    a percent better on validation and as much worse on test), so the identity is kept, saying why."""
    from creditline.risk.models.calibration import choose_calibration

    rng = np.random.default_rng(6)
    logit = rng.normal(-2.5, 0.8, 20000)
    target = (rng.random(20000) < 1 / (1 + np.exp(-logit))).astype(float)
    calibration, scores, reason = choose_calibration(logit, target, seed=7)
    assert scores["platt"] < scores["identity"] < scores["isotonic"]  # Brier alone would take Platt
    assert calibration.method == "identity"
    assert reason.startswith("lowest held-out Brier score (platt); but it beats the identity's held-out Brier score by")
    assert reason.endswith("being one standard error of the gain: the model's own PDs are kept")
    # a miscalibrated one still is calibrated: log-odds twice too steep
    calibration, _, reason = choose_calibration(2 * logit + 1, target, seed=7)
    assert calibration.method != "identity" and "standard error" not in reason
