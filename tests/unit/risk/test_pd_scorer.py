"""The scorer: one applicant and a batch agree; reasons in words; bad requests refused by field."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from pd_synthetic import applicants

from creditline.risk.models import InvalidScoringRequest, Scorer, load_model
from creditline.risk.models.attribution import build_path_table


@pytest.fixture(scope="module")
def scorer(trained):
    _, directory = trained
    return Scorer(load_model(directory))


@pytest.fixture(scope="module")
def fresh():
    return applicants(300, seed=11)


def test_one_applicant_and_the_batch_give_the_same_answers(scorer, fresh):
    batch = scorer.score_batch(fresh, reasons=3)
    for row in range(0, 300, 7):
        decision = scorer.score_one(fresh.iloc[row].to_dict(), reasons=3)
        assert decision.pd == pytest.approx(batch["pd"][row], rel=1e-9, abs=1e-12)
        assert decision.score == batch["score"][row]
        assert decision.scorecard_points == batch["scorecard_points"][row]
        assert [r.text for r in decision.reasons] == [r.text for r in batch["reasons"][row]]


def test_one_applicant_and_the_batch_give_the_same_reason_structure(scorer, fresh):
    """EOD and the simulator score a batch: each row's reasons are the very `Reason`s `score_one`
    gives (field, value, impact, plain words), in the same order and with the same JSON."""
    risky = {**fresh.iloc[0].to_dict(), "NumberOfTimes90DaysLate": "6", "RevolvingUtilization": "1.15", "BureauScore": "-9"}
    chosen = pd.DataFrame([risky, *(fresh.iloc[row].to_dict() for row in (3, 41, 170))])
    batch = scorer.score_batch(chosen, reasons=4)
    for row, applicant in enumerate(chosen.to_dict(orient="records")):
        one = scorer.score_one(applicant, reasons=4)
        assert batch["pd"][row] == pytest.approx(one.pd, rel=1e-9, abs=1e-12)
        assert batch["score"][row] == one.score
        assert batch["reasons"][row] == one.reasons
        assert [r.to_json() for r in batch["reasons"][row]] == one.to_json()["reasons"]
    assert "Number of times 90 days late is high (6)" in [r.text for r in batch["reasons"][0]]


def test_typed_values_score_like_their_text(scorer, fresh):
    raw = fresh.iloc[0].to_dict()
    typed = {**raw, "NumberOfTimes90DaysLate": int(raw["NumberOfTimes90DaysLate"]), "MonthlyIncome": None}
    texted = {**raw, "MonthlyIncome": ""}
    assert scorer.score_one(typed).pd == scorer.score_one(texted).pd


def test_scores_stay_in_the_display_range_and_rank_with_pd(scorer, fresh):
    batch = scorer.score_batch(fresh)
    assert batch["score"].between(350, 950).all()
    assert batch["pd"].between(0, 1).all()
    order = np.argsort(batch["pd"].to_numpy())
    assert np.all(np.diff(batch["score"].to_numpy()[order]) <= 0)


def test_reasons_name_what_hurt_in_plain_words(scorer, fresh):
    risky = {**fresh.iloc[0].to_dict(), "NumberOfTimes90DaysLate": "6", "RevolvingUtilization": "1.15", "BureauScore": "-9"}
    decision = scorer.score_one(risky)
    texts = [r.text for r in decision.reasons]
    assert "Number of times 90 days late is high (6)" in texts
    assert all(r.impact > 0 for r in decision.reasons)
    assert decision.pd > scorer.score_one(fresh.iloc[0].to_dict()).pd or decision.pd > 0.5


def test_path_credits_add_up_to_the_booster_log_odds(trained, fresh, scorer):
    artifacts, _ = trained
    booster = lgb.Booster(model_str=artifacts.booster_text)
    features = scorer.plan.extend(scorer.features_batch(fresh))
    assert features.shape[1] > len(scorer.specs)  # engineered columns follow the raw fields
    table = build_path_table(booster)
    raw, credits = table.raw_and_credits(booster.predict(features, pred_leaf=True))
    assert raw == pytest.approx(booster.predict(features, raw_score=True), abs=1e-9)
    assert credits.sum(axis=1) + table.bias == pytest.approx(raw, abs=1e-9)


def test_a_missing_field_is_refused_by_name(scorer, fresh):
    applicant = fresh.iloc[0].to_dict()
    del applicant["MonthlyIncome"]
    with pytest.raises(InvalidScoringRequest) as raised:
        scorer.score_one(applicant)
    assert raised.value.field == "MonthlyIncome"
    with pytest.raises(InvalidScoringRequest) as raised:
        scorer.score_batch(fresh.drop(columns=["Region"]))
    assert raised.value.field == "Region"


@pytest.mark.parametrize(("field", "value"), [("MonthlyIncome", "plenty"), ("HomeOwner", "maybe"), ("AccountOpened", "soon"), ("BureauScore", [1])])
def test_a_wrongly_typed_field_is_refused_by_name(scorer, fresh, field, value):
    with pytest.raises(InvalidScoringRequest) as raised:
        scorer.score_one({**fresh.iloc[0].to_dict(), field: value})
    assert raised.value.field == field
    if not isinstance(value, list):
        bad = fresh.copy()
        bad.loc[3, field] = value
        with pytest.raises(InvalidScoringRequest):
            scorer.score_batch(bad)


def test_unseen_category_scores_as_other(scorer, fresh):
    decision = scorer.score_one({**fresh.iloc[0].to_dict(), "Region": "atlantis"})
    assert 0 < decision.pd < 1


def test_extra_fields_are_ignored(scorer, fresh):
    base = fresh.iloc[0].to_dict()
    assert scorer.score_one({**base, "Unrelated": "x"}).pd == scorer.score_one(base).pd


def test_batch_accepts_typed_frames(scorer, fresh):
    typed = fresh.copy()
    for column in ("NumberOfTimes90DaysLate", "RevolvingUtilization", "BureauScore"):
        typed[column] = pd.to_numeric(typed[column])
    assert scorer.score_batch(typed)["pd"].to_numpy() == pytest.approx(scorer.score_batch(fresh)["pd"].to_numpy())


@pytest.mark.parametrize("value", [float("inf"), float("-inf")])
def test_an_infinite_number_is_refused_by_name_one_or_batch(scorer, fresh, value):
    with pytest.raises(InvalidScoringRequest) as raised:
        scorer.score_one({**fresh.iloc[0].to_dict(), "CreditLimit": value}, reasons=20)
    assert raised.value.field == "CreditLimit"
    typed = fresh.copy()
    typed["CreditLimit"] = pd.to_numeric(typed["CreditLimit"])
    typed.loc[3, "CreditLimit"] = value
    with pytest.raises(InvalidScoringRequest) as raised:
        scorer.score_batch(typed, reasons=20)
    assert raised.value.field == "CreditLimit"


@pytest.mark.parametrize("null", [pd.NA, pd.NaT], ids=["NA", "NaT"])
def test_pandas_own_nulls_are_unknown_values_one_or_batch(scorer, fresh, null):
    """A frame of pandas' "string" dtype (read_csv(dtype="string"), convert_dtypes) holds pd.NA where
    a value is unknown: it scores as a blank does, never as the text "<NA>" (refused, or a category)."""
    blank = fresh.head(20).copy()
    blank.loc[[0, 1], ["MonthlyIncome", "Region", "HomeOwner", "AccountOpened"]] = ""
    nulls = fresh.head(20).astype("string")
    nulls.loc[[0, 1], ["MonthlyIncome", "Region", "HomeOwner", "AccountOpened"]] = null
    expected = scorer.score_batch(blank)
    assert scorer.score_batch(nulls)["pd"].tolist() == expected["pd"].tolist()
    one = {**blank.iloc[0].to_dict(), "MonthlyIncome": null, "Region": null, "HomeOwner": null, "AccountOpened": null}
    assert scorer.score_one(one).pd == pytest.approx(expected["pd"][0], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(21951.41, "21951"), (123456.789, "123457"), (7651.51, "7652"), (0.2035, "0.2035"), (3.0, "3"), (-1250.5, "-1250"), (12.345, "12.35")],
)
def test_a_reason_shows_the_value_as_a_borrower_reads_it(value, shown):
    """An adverse-action notice says "Monthly income is low (21951)", never "(2.195e+04)"."""
    from creditline.risk.models.columns import NUMBER, ColumnSpec
    from creditline.risk.models.reasons import wording

    spec = ColumnSpec("MonthlyIncome", "MonthlyIncome", NUMBER, "Monthly income", median=1e9)
    assert wording(spec, value, str(value)) == f"Monthly income is low ({shown})"


def test_a_reason_shows_a_number_with_a_unit_as_the_applicant_wrote_it():
    from creditline.risk.models.columns import NUMBER, ColumnSpec
    from creditline.risk.models.reasons import wording

    spec = ColumnSpec("emp_length", "emp_length", NUMBER, "Emp length", unit="year", median=4.0)
    assert wording(spec, 0.5, "< 1 year ") == "Emp length is low (< 1 year)"
    assert wording(spec, 10.0, 10) == "Emp length is high (10)"  # a number given as a number, as it is
    bands = ColumnSpec("IncomeBand", "IncomeBand", NUMBER, "Income band", bands=True, median=50_000.0)
    assert wording(bands, 27_500.0, "$25,000 - $30,000") == "Income band is low ($25,000 - $30,000)"  # not its middle


def test_batch_scores_keep_the_frame_s_own_index(scorer, fresh):
    """EOD scores a filtered frame (index 7, 21, …) and sets its columns from the result: each row
    must get its own PD, not NaN or a neighbour's."""
    picked = fresh.iloc[::7]
    scored = scorer.score_batch(picked, reasons=2)
    assert scored.index.tolist() == picked.index.tolist()
    assigned = picked.assign(pd=scored["pd"], reasons=scored["reasons"])
    assert assigned["pd"].notna().all()
    assert assigned.loc[21, "pd"] == pytest.approx(scorer.score_one(fresh.loc[21].to_dict()).pd, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("reasons", [0, 3])
def test_an_empty_batch_scores_to_an_empty_frame(scorer, fresh, reasons):
    """End of day with no applicant left to score: no rows, the usual columns, no ZeroDivisionError."""
    scored = scorer.score_batch(fresh.head(0), reasons=reasons)
    assert len(scored) == 0
    assert list(scored.columns) == ["pd", "score", "scorecard_points", *(["reasons"] if reasons else [])]


@pytest.mark.parametrize(("encoding", "named"), [("gbk", "GB18030"), ("utf-8", "UTF-8")])
def test_a_model_that_names_a_column_as_its_bytes_misread_as_latin1_says_so(trained, fresh, encoding, named):
    """A model trained on a Chinese file read as Latin-1 (a GBK export, or UTF-8 with one stray byte,
    before either was read right) calls '地区' something like 'µØÇø': scoring the file read right
    is refused naming the model's column, and saying which column of the data it is."""
    import json

    from creditline.risk.models import ModelArtifacts

    artifacts, _ = trained
    garbled = "地区".encode(encoding).decode("latin-1")
    metadata = json.loads(json.dumps(artifacts.metadata))
    (spec,) = [spec for spec in metadata["features"] if spec["name"] == "Region"]
    spec["name"] = garbled  # the raw column's name; its model feature keeps the sanitised name
    reference = metadata["monitoring"]["features"]
    reference[garbled] = reference.pop("Region")
    scorer = Scorer(ModelArtifacts(artifacts.booster_text, artifacts.scorecard, artifacts.calibration, metadata))
    frame = fresh.rename(columns={"Region": "地区"})
    for score in (lambda: scorer.score_batch(frame), lambda: scorer.score_one(frame.iloc[0].to_dict())):
        with pytest.raises(InvalidScoringRequest) as raised:
            score()
        assert raised.value.field == garbled
        assert f"'地区' is given, whose {named} bytes read as Latin-1 are {garbled!r}" in raised.value.message
        assert "retrain" in raised.value.message
    assert scorer.score_batch(fresh.rename(columns={"Region": garbled}))["pd"].between(0, 1).all()
