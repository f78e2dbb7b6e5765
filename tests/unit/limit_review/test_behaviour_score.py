"""The behaviour scorecard: exact points per bin, reasons, and the batch path equal to the per-borrower one."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.servicing.behaviour import (
    CHARACTERISTICS,
    MISSING,
    BehaviourInputInvalid,
    BehaviourInputs,
    ScorecardInvalid,
    builtin_scorecard,
    parse_scorecard,
    percent_floor,
    score,
    score_batch,
)

CARD = builtin_scorecard()


def test_a_new_borrower_using_half_the_line_scores_640() -> None:
    result = score(BehaviourInputs(0, 50, None, 0, 0, 0), CARD)
    assert result.score == 600 - 30 + 15 + 0 + 40 + 0 + 15
    assert result.reasons == ("tenure_months", "on_time_pct", "utilisation_pct")  # 70, 60 and 10 points lost
    assert result.scorecard == "behaviour_cn@2025.07.1"


def test_the_best_borrower_scores_the_maximum_and_has_no_reasons() -> None:
    result = score(BehaviourInputs(24, 1, 100, 0, 0, 0), CARD)
    assert (result.score, result.reasons) == (780, ())


def test_bins_are_closed_on_the_left() -> None:
    points = [score(BehaviourInputs(0, 50, None, days, 0, 0), CARD).points["days_past_due_max_12m"]
              for days in (0, 1, 3, 4, 7, 8, 30, 31, 60, 61)]  # fmt: skip
    assert points == [40, 20, 20, -30, -30, -80, -80, -150, -150, -220]


def test_a_late_heavy_user_falls_to_the_floor_not_below() -> None:
    result = score(BehaviourInputs(0, 150, 0, 400, 400, 10), CARD)
    assert result.score == max(0, 600 - 30 - 60 - 120 - 220 - 300 - 100)
    assert result.reasons == ("days_past_due_now", "days_past_due_max_12m", "on_time_pct")


def test_whole_percent_rounds_down() -> None:
    assert percent_floor(199, 200) == 99
    assert percent_floor(3, 3) == 100


def test_inputs_are_checked() -> None:
    with pytest.raises(BehaviourInputInvalid) as caught:
        BehaviourInputs(0, -1, None, 0, 0, 0)
    assert caught.value.field == "utilisation_pct"
    with pytest.raises(BehaviourInputInvalid):
        BehaviourInputs(0, 1, 101, 0, 0, 0)


def test_a_scorecard_must_have_exactly_the_characteristics() -> None:
    data = yaml.safe_load(CARD.model_dump_json())
    data["characteristics"]["income"] = {"edges": [1], "points": [0, 1]}
    with pytest.raises(ScorecardInvalid) as caught:
        parse_scorecard(yaml.safe_dump(data))
    assert "unknown ['income']" in caught.value.message
    data = yaml.safe_load(CARD.model_dump_json())
    data["characteristics"]["tenure_months"]["points"] = [1, 2]
    with pytest.raises(ScorecardInvalid) as caught:
        parse_scorecard(yaml.safe_dump(data))
    assert caught.value.field == "scorecard.characteristics.tenure_months"


inputs = st.builds(
    BehaviourInputs,
    tenure_months=st.integers(0, 200),
    utilisation_pct=st.integers(0, 300),
    on_time_pct=st.none() | st.integers(0, 100),
    days_past_due_max_12m=st.integers(0, 400),
    days_past_due_now=st.integers(0, 400),
    failed_debits_90d=st.integers(0, 30),
)


@settings(max_examples=60)
@given(st.lists(inputs, min_size=1, max_size=50))
def test_the_batch_scores_equal_the_per_borrower_scores(borrowers: list[BehaviourInputs]) -> None:
    columns = {
        name: np.array([MISSING if getattr(b, name) is None else getattr(b, name) for b in borrowers], dtype=np.int64)
        for name in CHARACTERISTICS
    }
    assert score_batch(columns, CARD).tolist() == [score(b, CARD).score for b in borrowers]
