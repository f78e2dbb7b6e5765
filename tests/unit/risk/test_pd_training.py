"""Training on synthetic raw applicants: types, leakage guard, champion choice, calibration, metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.risk.models import InvalidData, TrainingOptions, read_table, train
from creditline.risk.models import champion as boosting
from creditline.risk.models.champion import prepare_folds, search


def test_feature_types_and_sentinels_are_inferred(trained):
    artifacts, _ = trained
    kinds = {f["name"]: f["kind"] for f in artifacts.metadata["features"]}
    assert kinds == {
        "MonthlyIncome": "number",
        "NumberOfTimes90DaysLate": "number",
        "RevolvingUtilization": "number",
        "Region": "category",
        "HomeOwner": "flag",
        "AccountOpened": "date",
        "BureauScore": "number",
        "CreditLimit": "number",
        "Balance": "number",
        "Missed1": "number",
        "Missed2": "number",
        "Missed3": "number",
    }
    bureau = next(f for f in artifacts.metadata["features"] if f["name"] == "BureauScore")
    assert bureau["missing_codes"] == [-9.0]


def test_leakage_guard_drops_the_identifier_and_the_outcome_proxy(trained):
    artifacts, _ = trained
    reasons = {d["column"]: d["reason"] for d in artifacts.metadata["dropped"]}
    assert reasons["ApplicationId"].startswith("identifier")
    assert reasons["ChargeOffDate"].startswith("reproduces the target")


def test_champion_is_the_best_on_validation_and_calibration_does_not_hurt(trained):
    artifacts, _ = trained
    metadata = artifacts.metadata
    validation = metadata["metrics"]["validation"]["auc"]
    assert validation["blend"] >= max(validation["lightgbm"], validation["scorecard"]) - 1e-12
    assert metadata["champion"]["kind"] in {"lightgbm", "scorecard", "blend"}
    test = metadata["metrics"]["test"]
    assert test["champion"]["auc"] > 0.7
    assert test["champion"]["brier"] <= test["champion_uncalibrated_brier"] * 1.02
    method, reason = metadata["champion"]["calibration"], metadata["champion"]["calibration_reason"]
    assert (
        reason == f"lowest held-out Brier score ({method})"
        or (method == "platt" and reason.startswith("isotonic had"))
        or (method == "identity" and reason.endswith("one standard error of the gain: the model's own PDs are kept"))
    )
    assert metadata["split"]["test_rows"] == 400
    assert set(metadata["packages"]) >= {"lightgbm", "optbinning", "numpy"}
    assert len(metadata["data"]["sha256"]) == 64


def test_metadata_records_the_plan_shipped_with_its_validation(trained):
    artifacts, _ = trained
    champion = artifacts.metadata["champion"]
    plans = champion["plans"]
    assert len(plans) == 1  # only the rules' plan is validated (choosing among plans was not kept)
    assert plans and all(0.5 < p["validation_auc"] <= 1.0 for p in plans)
    (chosen,) = [p for p in plans if p["chosen"]]
    assert chosen["validation_auc"] == max(p["validation_auc"] for p in plans)
    # the ensemble shipped is that plan, member for member, and the search's figure is its validation AUC
    assert [(m["learning_rate"], m["rounds"], m["seed"]) for m in chosen["members"]] == [
        (m["learning_rate"], m["rounds"], m["seed"]) for m in champion["ensemble"]
    ]
    trials = champion["search_trials"]
    assert [trials[m["setting"]]["params"] for m in chosen["members"]] == [m["params"] for m in champion["ensemble"]]
    assert artifacts.metadata["metrics"]["validation"]["search_auc"] == chosen["validation_auc"]
    assert champion["search"]["validation_auc_ensemble"] == chosen["validation_auc"]
    stretched = chosen["kind"] == "best alone stretched"
    assert champion["rounds"] <= (boosting.TREES_STRETCH_MAX if stretched else boosting.TREES_MAX)


def test_scorecard_points_follow_pdo_scaling(trained):
    artifacts, _ = trained
    card = artifacts.scorecard
    assert card["scaling"] == {"pdo": 20.0, "odds": 50.0, "points_at_odds": 600.0}
    for variable in card["variables"]:
        bins = variable["bins"]
        assert [b["label"] for b in bins[-2:]] == ["Special", "Missing"]
        # points fall by PDO/ln2 per unit of log-odds: the gap between any two bins says so
        factor = 20 / np.log(2)
        first, last = bins[0], bins[-3]
        assert first["points"] - last["points"] == pytest.approx(-factor * (first["logit"] - last["logit"]), abs=1e-6)


def test_out_of_time_split_uses_the_latest_rows_for_test(small_applicants_csv):
    artifacts = train(read_table(small_applicants_csv), TrainingOptions(target="Default", time="AccountOpened", trials=1))
    split = artifacts.metadata["split"]
    assert split["method"].startswith("out-of-time")
    assert "AccountOpened" not in {f["name"] for f in artifacts.metadata["features"]}


def test_monotone_constraint_is_honoured():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(800, 3))
    # the data say risk falls then rises with feature 0; the analyst insists it only rises
    target = (rng.random(800) < 1 / (1 + np.exp(-(features[:, 0] ** 2 - 1 + features[:, 1])))).astype(float)
    folds = prepare_folds(features, target, [(np.arange(0, 600), np.arange(600, 800))], 1, ["a", "b", "c"], [], 1)
    fit = search(folds, monotone=[1, 0, 0], seed=1, trials=2)
    assert len(fit.trials) == 2  # every member of the ensemble honours it, so their average does
    grid = np.zeros((41, 3))
    grid[:, 0] = np.linspace(-3, 3, 41)
    raw = fit.booster.predict(grid, raw_score=True)
    assert np.all(np.diff(raw) >= -1e-12)
    assert raw[-1] > raw[0]


def test_out_of_time_split_with_one_class_in_the_latest_rows_is_refused():
    from creditline.risk.models.split import split_rows

    target = np.array([1.0, 0.0] * 40 + [0.0] * 20)
    with pytest.raises(InvalidData) as raised:
        split_rows(target, np.arange(100.0), seed=1)
    assert raised.value.field == "time"


def test_out_of_time_split_with_one_class_in_the_earliest_rows_is_refused():
    """Bads only in the latest periods: the booster and scorecard would fit on good rows alone
    (optbinning stopped with a traceback), so the split is refused naming --time."""
    from creditline.risk.models.split import split_rows

    target = np.array([0.0] * 64 + [1.0, 0.0] * 18)
    with pytest.raises(InvalidData, match="earliest") as raised:
        split_rows(target, np.arange(100.0), seed=1)
    assert raised.value.field == "time"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (TrainingOptions(target="Nope"), "target"),
        (TrainingOptions(target="Default", monotone={"Region": 1}), "monotone"),
        (TrainingOptions(target="Default", time="Region"), "time"),
    ],
)
def test_bad_options_are_refused_by_name(applicants_csv, options, field):
    with pytest.raises(InvalidData) as raised:
        train(read_table(applicants_csv), options)
    assert raised.value.field == field


def test_the_target_as_the_time_column_is_refused_saying_so(applicants_csv):
    # Ordered by the target, the latest rows were all bad: the refusal spoke of one class in them.
    with pytest.raises(InvalidData, match="'Default' is the target; an out-of-time split") as raised:
        train(read_table(applicants_csv), TrainingOptions(target="Default", time="last"))
    assert raised.value.field == "time"


@pytest.mark.parametrize("unknown", ["", "NA", "null", "?"])
def test_a_time_column_with_missing_tokens_still_orders_the_rows(unknown):
    """Missing tokens in the time column are blanks (placed earliest), not a reason to call it text."""
    from creditline.risk.models.training import time_order

    times = pd.Series([unknown if i % 10 == 0 else f"2020-01-{i % 28 + 1:02d}" for i in range(100)])
    order = time_order(times, ",")
    assert order[1] < order[2] and order[0] == order.min()


def test_a_time_column_of_yyyymmdd_numbers_splits_as_its_dates_would():
    """20230115 is read as a number, not a date: the split ranks the rows, and YYYYMMDD ranks as the date does."""
    from creditline.risk.models.split import split_rows
    from creditline.risk.models.training import time_order

    rng = np.random.default_rng(4)
    days = pd.Timestamp("2021-11-20") + pd.to_timedelta(rng.permutation(np.arange(400) % 200), unit="D")
    blank = rng.random(400) < 0.02
    iso = pd.Series(np.where(blank, "", days.strftime("%Y-%m-%d")))
    numbers = pd.Series(np.where(blank, "", days.strftime("%Y%m%d")))
    target = (np.arange(400) % 3 == 0).astype(float)
    by_date, by_number = split_rows(target, time_order(iso, ","), 1), split_rows(target, time_order(numbers, ","), 1)
    assert sorted(by_number.test) == sorted(by_date.test) and sorted(by_number.development) == sorted(by_date.development)
    assert by_number.folds[0][1].tolist() == by_date.folds[0][1].tolist()
    assert days[by_number.test].min() >= days[by_number.development].max()


@pytest.mark.parametrize("times", [["2020-01-31"] * 6, ["7", "7", "", "7", "7", "7"]])
def test_a_time_column_of_one_value_is_refused(times):
    from creditline.risk.models.training import time_order

    with pytest.raises(InvalidData) as raised:
        time_order(pd.Series(times), ",")
    assert raised.value.field == "time" and "one value only" in raised.value.message


def test_a_monotone_position_counts_the_files_columns_as_target_does(small_applicants_csv):
    """`--monotone 3=+1` is the file's third column, whatever was dropped before it."""
    from creditline.risk.models.training import monotone_vector, prepare

    table = read_table(small_applicants_csv)
    assert list(table.frame.columns)[:3] == ["ApplicationId", "MonthlyIncome", "NumberOfTimes90DaysLate"]
    options = TrainingOptions(target="Default", ids=("ApplicationId",), monotone={"3": 1})
    prepared = prepare(table, options)
    names = [spec.name for spec in prepared.specs]
    assert monotone_vector(prepared, options)[names.index("NumberOfTimes90DaysLate")] == 1
    assert sum(map(abs, monotone_vector(prepared, options))) == 1
    with pytest.raises(InvalidData) as raised:
        monotone_vector(prepared, TrainingOptions(target="Default", monotone={"1": 1}))
    assert raised.value.field == "monotone"
    assert "ApplicationId is not a feature of the model (dropped: target, time or named identifier)" in raised.value.message


def test_rows_with_no_target_are_left_out_and_counted(small_applicants_csv, tmp_path):
    """An export's title and footer, and rows whose target is blank: the rows are counted, not trained on."""
    from creditline.risk.models.training import prepare

    frame = pd.read_csv(small_applicants_csv, dtype=str, keep_default_na=False)
    frame.loc[[3, 40, 41], "Default"] = ["", "NA", " "]
    path = tmp_path / "export.csv"
    body = frame.to_csv(index=False)
    path.write_text("Loan book export\n" + body + "Total" + "," * (frame.shape[1] - 1) + "\nEnd of report\n")
    table = read_table(path)
    prepared = prepare(table, TrainingOptions(target="Default", ids=("ApplicationId",)))
    assert prepared.unlabelled == 5 and prepared.target.size == frame.shape[0] - 3
    assert table.warnings == (f"{table.source}: skipped 1 line before the table, the first 'Loan book export'",)


@given(
    rows=st.integers(0, 60), width=st.integers(1, 12), data=st.data(), block=st.integers(1, 50),
)
def test_first_columns_in_place_equals_a_copy(rows, width, data, block):
    """The feature matrix shrunk in its own memory equals slicing and copying it, whatever the block."""
    from creditline.risk.models.training import first_columns

    count = data.draw(st.integers(1, width))
    matrix = np.arange(rows * width, dtype=np.float64).reshape(rows, width) * 1.5
    expected = matrix[:, :count].copy()
    got = first_columns(matrix, count, block_cells=block)
    assert got.shape == (rows, count) and got.flags.c_contiguous
    assert np.array_equal(got, expected)


def test_prepare_keeps_none_of_the_tables_rows_and_drops_blank_columns(small_applicants_csv, tmp_path):
    """A blank and a constant column are dropped, the matrix holds the kept columns only, in order."""
    from creditline.risk.models.training import prepare

    frame = pd.read_csv(small_applicants_csv, dtype=str, keep_default_na=False)
    frame.insert(2, "Blank", "")
    frame.insert(4, "Same", "x")
    frame.loc[[5, 9], "Default"] = ""
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    prepared = prepare(read_table(path), TrainingOptions(target="Default", ids=("ApplicationId",)))
    assert {"Blank", "Same"} <= {d["column"] for d in prepared.dropped}
    names = [spec.name for spec in prepared.specs]
    assert prepared.features.shape == (frame.shape[0] - 2, len(names)) and prepared.features.flags.c_contiguous
    income = pd.to_numeric(frame.drop(index=[5, 9])["MonthlyIncome"].replace("", np.nan)).to_numpy()
    assert np.allclose(prepared.features[:, names.index("MonthlyIncome")], income, equal_nan=True)
    assert list(prepared.table.frame.columns) == list(frame.columns) and prepared.table.frame.empty


def test_a_prepared_table_holds_none_of_its_text(tmp_path):
    """Once prepared, the table's strings can go: training holds the features, not the text."""
    import gc
    import sys
    import tracemalloc

    from creditline.risk.models.training import prepare

    rng = np.random.default_rng(3)
    amount = rng.lognormal(8, 1, 20_000)
    frame = pd.DataFrame({"Amount": amount.round(6), "Bad": (rng.random(20_000) < 0.2).astype(int)})
    frame.to_csv(tmp_path / "wide.csv", index=False)
    tracemalloc.start()
    try:
        table = read_table(tmp_path / "wide.csv")
        text = sum(sys.getsizeof(value) for value in table.frame["Amount"])
        prepared = prepare(table, TrainingOptions(target="Bad"))
        held = tracemalloc.get_traced_memory()[0]
        del table
        gc.collect()
        released = held - tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert prepared.features.shape == (20_000, 1)
    assert released > 0.9 * text, (released, text)
