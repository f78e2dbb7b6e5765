"""`creditline model …` end to end: raw files in, model directory, evaluation, scores, drift, report,
and the issue's bad inputs (one line, exit 2, nothing half-written). Real shared datasets when present."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from run_once import once
from shared_files import shared_data_file

EVALUATE_KEYS = {"n", "auc", "gini", "ks", "brier", "log_loss", "calibration", "auc_ci95"}


def run(*argv: str) -> tuple[int, str, str]:
    from creditline.cli.main import run as main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def ok_json(*argv: str) -> dict:
    code, out, err = run(*argv, "--json")
    assert code == 0, err
    return json.loads(out)


def lender_export(rows: int, seed: int) -> pd.DataFrame:
    """A `;`-separated export with decimal commas, blanks, a -9 code, Y/N flags and categories."""
    rng = np.random.default_rng(seed)
    late = rng.poisson(0.5, rows)
    ratio = rng.uniform(0, 1, rows)
    segment = rng.choice(["A", "B", "C"], rows)
    bureau = np.where(rng.random(rows) < 0.1, -9, rng.integers(300, 850, rows))
    logit = -1.5 + 0.8 * late + 2 * (ratio - 0.5) + 0.6 * (segment == "C") + np.where(bureau < 0, 0.4, -(bureau - 575) / 200)
    bad = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "Late90": late.astype(str),
            "DebtRatio": [f"{r:.3f}".replace(".", ",") if rng.random() > 0.05 else "" for r in ratio],
            "Segment": segment,
            "Salaried": rng.choice(["Y", "N"], rows),
            "Bureau": bureau.astype(str),
            "Status": np.where(bad, "Bad", "Good"),
        }
    )


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> tuple[Path, Path]:
    """(model directory, training file), trained once per test run whichever workers run these tests."""

    def build(folder: Path) -> tuple[Path, Path, dict]:
        data = folder / "export.csv"
        lender_export(1500, 1).to_csv(data, sep=";", index=False)
        labels = folder / "labels.json"
        labels.write_text(json.dumps({"Late90": "Number of payments 90+ days late",
                                      "Segment": {"zh-CN": "客户分群"}, "Nowhere": {"zh": "无此列"}}))
        summary = ok_json("model", "train", "--data", str(data), "--target", "Status", "--out", str(folder / "pd"),
                          "--trials", "1", "--labels", str(labels))
        return folder / "pd", data, summary

    directory, data, summary = once(tmp_path_factory, "model-cli", build)
    assert summary["bad_value"] == "bad" and summary["rows_without_target"] == 0
    # the feature gate scored the blank count against the raw fields; the search stopped on its trial count
    assert summary["search_trials"] == 1 and summary["ensemble_members"] == 1
    assert {f for f in summary["features"]} == {"Late90", "DebtRatio", "Segment", "Salaried", "Bureau"}
    assert summary["test"]["champion"]["auc"] > 0.65
    return directory, data


def test_train_writes_a_verified_model_directory(model):
    directory, _ = model
    assert sorted(p.name for p in directory.iterdir()) == [
        "calibration.json", "manifest.json", "metadata.json", "model.txt", "scorecard.json",
    ]
    metadata = json.loads((directory / "metadata.json").read_text())
    debt = next(f for f in metadata["features"] if f["name"] == "DebtRatio")
    assert debt["kind"] == "number" and debt["decimal_comma"]
    # the lender's words for its own column, by the label reasons are worded with (a column not in the file: none)
    assert metadata["label_words"] == {"zh": {"Segment": "客户分群"}}


def test_a_decision_keeps_the_lender_s_words_for_its_reasons_labels(model):
    from creditline.app.apply_explain import in_words
    from creditline.risk.models import Scorer, load_model

    directory, _ = model
    scorer = Scorer(load_model(directory), threads=1)
    kept = []
    for segment in "ABCD":
        applicant = {"Late90": 4, "DebtRatio": "0,95", "Segment": segment, "Salaried": "N", "Bureau": -9}
        reasons = scorer.score_one(applicant, reasons=5).reasons
        words = scorer.reason_words(reasons)
        assert words == ({"zh": {"Segment": "客户分群"}} if any(r.field == "Segment" for r in reasons) else {})
        kept.append(words)
    assert any(kept)  # some segment is among the reasons
    factors = ["Segment is 'C'", "Number of payments 90+ days late is high (4)"]
    explained = {"reasons": [], "model_factors": factors, "label_words": {"zh": {"Segment": "客户分群"}}}
    chinese = in_words(explained, lambda text: {"%(label)s is %(quoted)s": "%(label)s为%(quoted)s"}.get(text, text), "zh")
    assert chinese["model_factors"] == ["客户分群为'C'", "Number of payments 90+ days late is high (4)"]
    assert in_words(explained, lambda text: text, "en")["model_factors"] == factors


def test_evaluate_prints_the_contract(model, tmp_path):
    directory, _ = model
    fresh = tmp_path / "fresh.csv"
    lender_export(800, 2).to_csv(fresh, sep=";", index=False)
    result = ok_json("model", "evaluate", "--model", str(directory), "--data", str(fresh), "--target", "Status")
    assert result.keys() >= EVALUATE_KEYS
    assert result["n"] == 800
    assert result["gini"] == pytest.approx(2 * result["auc"] - 1)
    assert result["auc_ci95"][0] < result["auc"] < result["auc_ci95"][1]
    assert len(result["calibration"]) == 10


def test_score_one_applicant_and_a_file(model, tmp_path):
    directory, data = model
    applicant = {"Late90": 4, "DebtRatio": "0,95", "Segment": "C", "Salaried": "N", "Bureau": -9}
    decision = ok_json("model", "score", "--model", str(directory), "--applicant", json.dumps(applicant))
    assert 0 < decision["pd"] < 1 and 350 <= decision["score"] <= 950
    assert any(r["text"] == "Number of payments 90+ days late is high (4)" for r in decision["reasons"])
    assert any(r["text"] == "Bureau is missing" for r in decision["reasons"])
    out = tmp_path / "scores.csv"
    code, _, err = run("model", "score", "--model", str(directory), "--data", str(data), "--out", str(out))
    assert code == 0, err
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["pd", "score", "scorecard_points", "reasons"] and len(scores) == 1500


def test_a_file_scored_as_json_gives_each_row_the_reasons_one_applicant_gets(model, tmp_path):
    directory, _ = model
    # As text, the way the file's values are read, so that each reason's `value` is the same too.
    applicant = {"Late90": "4", "DebtRatio": "0,95", "Segment": "C", "Salaried": "N", "Bureau": "-9"}
    decision = ok_json("model", "score", "--model", str(directory), "--applicant", json.dumps(applicant))
    data = tmp_path / "one.csv"
    data.write_text("Late90;DebtRatio;Segment;Salaried;Bureau\n4;0,95;C;N;-9\n", encoding="utf-8")
    (row,) = ok_json("model", "score", "--model", str(directory), "--data", str(data))
    assert (row["pd"], row["score"]) == (pytest.approx(decision["pd"], rel=1e-9), decision["score"])
    assert row["reasons"] == decision["reasons"]
    assert "Number of payments 90+ days late is high (4)" in [r["text"] for r in row["reasons"]]


def test_monitor_reports_bands(model, tmp_path):
    directory, data = model
    same = ok_json("model", "monitor", "--model", str(directory), "--data", str(data))
    assert same["score"]["band"] == "stable"
    moved = lender_export(1500, 3)
    moved["Late90"] = (moved["Late90"].astype(int) + 3).astype(str)
    path = tmp_path / "moved.csv"
    moved.to_csv(path, sep=";", index=False)
    drift = ok_json("model", "monitor", "--model", str(directory), "--data", str(path))
    assert drift["score"]["band"] == "act"
    assert drift["features"][0] == {"feature": "Late90", "csi": pytest.approx(drift["features"][0]["csi"]), "band": "act"}


def test_report_writes_html_and_plots(model, tmp_path):
    directory, _ = model
    result = ok_json("model", "report", "--model", str(directory), "--out", str(tmp_path / "r" / "report.html"))
    page = Path(result["out"]).read_text()
    for section in ("Data", "Features", "Held-out test metrics", "Scorecard bins"):
        assert section in page
    assert {p.name for p in (tmp_path / "r").glob("*.png")} == {
        f"report_{k}.png" for k in ("roc", "ks", "calibration", "scores", "importance")
    }


def test_a_report_whose_page_cannot_be_written_leaves_no_plots_behind(model, tmp_path, monkeypatch):
    directory, _ = model
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")

    def disk_full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", disk_full)
    for out in (existing / "report.html", tmp_path / "new" / "deeper" / "report.html"):
        with pytest.raises(OSError, match="No space left"):
            run("model", "report", "--model", str(directory), "--out", str(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
    assert [p.name for p in existing.iterdir()] == ["keep.txt"]


def one_line_error(argv: list[str]) -> str:
    code, out, err = run(*argv)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_bad_inputs_fail_in_one_line_and_write_nothing(model, tmp_path):
    directory, data = model
    out = tmp_path / "never"
    train = ["model", "train", "--out", str(out), "--trials", "1"]
    assert "--target: no column 'Nope'" in one_line_error([*train, "--data", str(data), "--target", "Nope"])
    one_class = tmp_path / "one.csv"
    one_class.write_text("x,y\n" + "".join(f"{i},0\n" for i in range(50)))
    assert "one class" in one_line_error([*train, "--data", str(one_class), "--target", "y"])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "--data:" in one_line_error([*train, "--data", str(empty), "--target", "y"])
    picture = tmp_path / "p.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00")
    assert "not a delimited text" in one_line_error([*train, "--data", str(picture), "--target", "y"])
    labels = tmp_path / "labels.json"
    for bad in ({"Late90": {"english!": "x"}}, {"Late90": {"zh": ""}}, {"Late90": 7}, ["Late90"]):
        labels.write_text(json.dumps(bad))
        assert "--labels:" in one_line_error([*train, "--data", str(data), "--target", "Status", "--labels", str(labels)])
    assert not out.exists()
    assert "--model:" in one_line_error(["model", "evaluate", "--model", str(tmp_path), "--data", str(data), "--target", "Status"])
    partial = tmp_path / "partial.csv"
    lender_export(50, 4).drop(columns=["Segment"]).to_csv(partial, sep=";", index=False)
    assert "--data: column Segment: required column" in one_line_error(
        ["model", "evaluate", "--model", str(directory), "--data", str(partial), "--target", "Status"])
    assert "--data: column Segment" in one_line_error(["model", "monitor", "--model", str(directory), "--data", str(partial)])
    request = ["model", "score", "--model", str(directory), "--applicant"]
    assert "'Bureau': required field is missing" in one_line_error([*request, '{"Late90": 1, "DebtRatio": "0,1", "Segment": "A", "Salaried": "Y"}'])
    typed = '{"Late90": "many", "DebtRatio": "0,1", "Segment": "A", "Salaried": "Y", "Bureau": 700}'
    assert "'Late90': expected a number" in one_line_error([*request, typed])


def train_shared(tmp_path: Path, data: Path, target: str, *extra: str) -> dict:
    return ok_json("model", "train", "--data", str(data), "--target", target, "--out", str(tmp_path / "m"),
                   "--trials", "1", *extra)


@pytest.mark.data
@pytest.mark.parametrize(
    ("name", "target", "extra", "auc_min"),
    [
        ("german.data", "last", (), 0.72),
        ("australian.dat", "15", (), 0.88),
        ("thomas_loan_data.csv", "BAD", (), 0.58),
    ],
)
def test_shared_raw_files_train_through_the_cli(tmp_path, name, target, extra, auc_min):
    summary = train_shared(tmp_path, shared_data_file(name), target, *extra)
    assert summary["test"]["champion"]["auc"] >= auc_min
    assert summary["test"]["champion"]["brier"] <= summary["test"]["champion_uncalibrated_brier"] * 1.05


@pytest.mark.data
def test_hmeq_sample_uses_missingness(tmp_path):
    frame = pd.read_csv(shared_data_file("hmeq.csv"))
    sample = frame.groupby("BAD", group_keys=False).sample(n=400, random_state=1)
    path = tmp_path / "hmeq.csv"
    sample.to_csv(path, index=False)
    summary = train_shared(tmp_path, path, "BAD", "--engineered", "off")
    assert summary["test"]["champion"]["auc"] >= 0.85
    assert summary["engineered_features"] == []
    metadata = json.loads((tmp_path / "m" / "metadata.json").read_text())
    debtinc = next(v for v in json.loads((tmp_path / "m" / "scorecard.json").read_text())["variables"]
                   if v["feature"] == "DEBTINC")
    missing = debtinc["bins"][-1]
    assert missing["label"] == "Missing" and missing["event_rate"] > 1.5 * metadata["target"]["bad_rate"]


@pytest.mark.data
def test_taiwan_identifier_dropped_and_payment_history_engineered():
    """The whole raw file up to the feature plan (no training): what the accuracy benchmark trains on."""
    from creditline.risk.models import TrainingOptions, read_table
    from creditline.risk.models.derived import plan_features
    from creditline.risk.models.split import split_rows
    from creditline.risk.models.training import guard_leakage, prepare

    table = read_table(shared_data_file("UCI_Credit_Card.csv"))
    prepared = prepare(table, TrainingOptions(target="default.payment.next.month"))
    split = split_rows(prepared.target, prepared.order, 7)
    guard_leakage(prepared, split)
    assert "ID" in {d["column"] for d in prepared.dropped}
    plan = plan_features(prepared.specs, prepared.features[split.development])
    assert {"PAY_mean", "PAY_max", "PAY_trend", "BILL_AMT_mean", "PAY_AMT_trend"} <= set(plan.names)
    assert "BILL_AMT1_per_LIMIT_BAL" in plan.names  # utilisation: the latest bill over the credit limit
    extended = plan.extend(prepared.features[:3])
    names = [s.name for s in prepared.specs] + plan.names
    bill, limit = table.frame.loc[:2, "BILL_AMT1"].astype(float), table.frame.loc[:2, "LIMIT_BAL"].astype(float)
    assert extended[:, names.index("BILL_AMT1_per_LIMIT_BAL")] == pytest.approx((bill / limit).to_numpy())


@pytest.mark.data
def test_nested_zip_and_unnamed_index_are_read():
    from creditline.risk.models import read_table

    pakdd = read_table(shared_data_file("PAKDD2010.zip"))
    assert pakdd.frame.shape == (50000, 54) and pakdd.separator == "\t" and not pakdd.has_header
    gmsc = read_table(shared_data_file("cs-training.csv.zip"))
    assert list(gmsc.frame.columns[:2]) == ["c1", "SeriousDlqin2yrs"]


def test_an_infinite_number_in_an_applicant_is_one_line_naming_the_field(model):
    directory, _ = model
    applicant = '{"Late90": Infinity, "DebtRatio": "0,1", "Segment": "A", "Salaried": "Y", "Bureau": 700}'
    err = one_line_error(["model", "score", "--model", str(directory), "--applicant", applicant, "--reasons", "20"])
    assert "--applicant: field 'Late90': expected a number, got inf" in err


def test_a_constant_time_column_is_refused_and_nothing_written(model, tmp_path):
    _, data = model
    frame = pd.read_csv(data, sep=";", dtype=str, keep_default_na=False)
    frame["Booked"] = "2024-03-01"
    constant = tmp_path / "constant.csv"
    frame.to_csv(constant, sep=";", index=False)
    out = tmp_path / "never"
    err = one_line_error(["model", "train", "--data", str(constant), "--target", "Status", "--time", "Booked",
                          "--out", str(out), "--trials", "1"])
    assert "--time: the time column holds one value only" in err
    assert not out.exists() and list(tmp_path.iterdir()) == [constant]


def test_a_hand_edited_model_is_one_line_naming_the_model(model, tmp_path):
    """Checksums recomputed over a metadata.json of the wrong shape: refused, not a traceback."""
    from creditline.risk.models import ModelArtifacts, load_model, save_model

    directory, data = model
    artifacts = load_model(directory)
    for name, metadata in (("weight", {"champion": {"blend_weight": None}}), ("monitoring", {"monitoring": {}})):
        edited = save_model(ModelArtifacts(artifacts.booster_text, artifacts.scorecard, artifacts.calibration,
                                           {**artifacts.metadata, **metadata}), tmp_path / name)
        err = one_line_error(["model", "monitor", "--model", str(edited), "--data", str(data)])
        assert err.startswith("error: --model: ")


def test_an_out_that_cannot_be_a_file_is_refused_before_any_work(model, tmp_path):
    directory, data = model
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    blocker = folder / "keep.txt"
    commands = {
        "score": ["model", "score", "--model", str(directory), "--data", str(data)],
        "report": ["model", "report", "--model", str(directory)],
        "join": ["model", "join", "--data", str(data), "--join", f"{data}:Segment"],
    }
    for argv in commands.values():
        assert f"--out: {folder} is a directory" in one_line_error([*argv, "--out", str(folder)])
        assert f"--out: {blocker} is a file, not a folder" in one_line_error([*argv, "--out", str(blocker / "x.csv")])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["folder", "keep.txt"]
    assert blocker.read_text() == "mine"
    nested = tmp_path / "new" / "scores.csv"
    code, _, err = run(*commands["score"], "--out", str(nested))
    assert code == 0, err
    assert len(pd.read_csv(nested)) == 1500 and [p.name for p in nested.parent.iterdir()] == ["scores.csv"]


def test_an_applicant_with_out_is_refused_naming_out_and_writes_nothing(model, tmp_path):
    directory, _ = model
    applicant = {"Late90": 4, "DebtRatio": "0,95", "Segment": "C", "Salaried": "N", "Bureau": -9}
    out = tmp_path / "decision.csv"
    err = one_line_error(["model", "score", "--model", str(directory), "--applicant", json.dumps(applicant),
                          "--out", str(out)])
    assert err.startswith("error: --out: ") and "--applicant" in err
    assert not out.exists()


def test_an_applicant_file_that_is_not_utf8_is_one_line(model, tmp_path):
    directory, _ = model
    latin = tmp_path / "applicant.json"
    latin.write_bytes('{"Segment": "Müller"}'.encode("latin-1"))
    err = one_line_error(["model", "score", "--model", str(directory), "--applicant", f"@{latin}"])
    assert f"--applicant: cannot read {latin} as UTF-8 JSON" in err


def test_train_refuses_an_unusable_out_before_reading_or_training(model, tmp_path):
    _, data = model
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    train = ["model", "train", "--data", str(data), "--target", "Status", "--trials", "1", "--out"]
    assert f"--out: {blocker} is a file, not a folder to write m in" in one_line_error([*train, str(blocker / "m")])
    unread = ["model", "train", "--data", str(tmp_path / "absent.csv"), "--target", "Status", "--out", str(blocker)]
    assert f"--out: {blocker} exists and is not a creditline model directory" in one_line_error(unread)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"] and blocker.read_text() == "mine"


def test_an_out_of_time_validation_period_with_one_bad_still_trains(tmp_path):
    """The latest development rows (validation) hold a single bad: calibration leaves Platt scaling
    out rather than stopping the run with scikit-learn's one-class traceback."""
    rng = np.random.default_rng(5)
    rows = 1000
    bad = np.zeros(rows, dtype=int)
    bad[rng.choice(640, 40, replace=False)] = 1
    bad[700] = 1  # validation: rows 640-799 by time
    bad[rng.choice(np.arange(800, rows), 6, replace=False)] = 1
    data = tmp_path / "oot.csv"
    pd.DataFrame({
        "Month": pd.date_range("2015-01-01", periods=rows).strftime("%Y-%m-%d"),
        "Score": (rng.normal(size=rows) + 1.5 * bad).round(3), "Noise": rng.normal(size=rows).round(3), "Bad": bad,
    }).to_csv(data, index=False)
    summary = ok_json("model", "train", "--data", str(data), "--target", "Bad", "--time", "Month",
                      "--out", str(tmp_path / "m"), "--trials", "1")
    assert summary["split"].startswith("out-of-time")
    metadata = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert metadata["metrics"]["validation"]["calibration_brier"]["platt"] is None
    # Platt is not judged on Brier; it is taken only when isotonic, chosen on Brier, flattens the ranking
    reason = metadata["champion"]["calibration_reason"]
    assert summary["calibration_reason"] == reason
    if summary["calibration"] == "platt":
        assert reason.startswith("isotonic had the lowest held-out Brier score but its steps cut validation AUC")
    elif summary["calibration"] == "identity" and "standard error" in reason:  # a gain within noise
        assert reason.endswith("the model's own PDs are kept")
    else:
        assert reason == f"lowest held-out Brier score ({summary['calibration']})"


def test_a_joined_semicolon_file_keeps_its_decimal_commas_readable(tmp_path):
    """The joined file keeps the main table's separator: written with commas, `0,270` became the
    quoted "0,270" of a comma file, where a comma before three digits groups thousands: 270."""
    from creditline.risk.models import read_table
    from creditline.risk.models.columns import column_values, infer_spec

    main = tmp_path / "applications.csv"
    main.write_text("cid;ratio;bad\n" + "".join(f"{i};0,{(i * 37) % 1000:03d};{i % 2}\n" for i in range(60)))
    loans = tmp_path / "loans.csv"
    loans.write_text("cid,amount\n" + "".join(f"{i % 60},{100 + i}\n" for i in range(120)))
    joined = tmp_path / "joined.csv"
    ok_json("model", "join", "--data", str(main), "--join", f"{loans}:cid", "--out", str(joined))
    table = read_table(joined)
    assert table.separator == ";"
    spec = infer_spec("ratio", "ratio", table.frame["ratio"], table.separator)
    assert column_values(spec, table.frame["ratio"])[:3].tolist() == [0.0, 0.037, 0.074]
    assert table.frame["loans.amount_max"].tolist()[:2] == ["160.0", "161.0"]


def test_a_utf8_file_with_a_stray_byte_is_scored_with_a_warning_naming_where(model, tmp_path):
    directory, data = model
    frame = pd.read_csv(data, sep=";", dtype=str, keep_default_na=False).head(40)
    frame["Note"] = "café crème"
    text = frame.to_csv(sep=";", index=False).encode()
    cut = text.index(b"caf", text.index(b"\n", 200))  # in a data row past byte 200
    stray = tmp_path / "stray.csv"
    stray.write_bytes(text[:cut] + b"\x96" + text[cut:])
    code, out, err = run("model", "score", "--model", str(directory), "--data", str(stray), "--reasons", "0")
    assert code == 0, err
    line = text[:cut].count(b"\n") + 1
    assert err.strip() == (
        f"warning: {stray}: 1 byte sequence that is not UTF-8 read as U+FFFD; the first at line {line}, "
        f"byte {cut} (0x96); the rest of the text is UTF-8"
    )
    assert len(pd.read_csv(io.StringIO(out))) == 40


def test_a_gzipped_export_with_a_title_and_a_footer_evaluates_as_the_plain_file(model, tmp_path):
    """A lender's export as it arrives: compressed, a title above the table, a total below it."""
    import gzip

    directory, data = model
    text = data.read_text()
    export = tmp_path / "book.txt.gz"
    footer = "Total" + ";" * text.splitlines()[0].count(";")
    export.write_bytes(gzip.compress(f"Loan book export\nrun 2026-11-29\n{text}{footer}\n".encode()))
    plain = json.loads(run("model", "evaluate", "--model", str(directory), "--data", str(data), "--target", "Status",
                           "--json")[1])
    code, out, err = run("model", "evaluate", "--model", str(directory), "--data", str(export), "--target", "Status",
                         "--json")
    assert code == 0, err
    warning = f"{export}: skipped 2 lines before the table, the first 'Loan book export'"
    assert err.strip() == f"warning: {warning}"
    result = json.loads(out)
    assert (result.pop("warnings"), plain.pop("warnings")) == ([warning], [])
    assert result == plain  # the footer's row has no target: left out, as a blank target is


def test_another_export_of_the_same_rows_evaluates_monitors_and_scores_as_the_training_file(model, tmp_path):
    """The model learnt from a `;` file with decimal commas (`0,637`), Y/N flags and capital segments.
    The same rows exported by another system — commas, decimal points, names and segments in other
    letter case, flags as 1/0 — read as the same applicants, and every change is said once."""
    directory, data = model
    frame = pd.read_csv(data, sep=";", dtype=str, keep_default_na=False)
    other = pd.DataFrame({
        "LATE90": frame["Late90"],
        "DebtRatio": frame["DebtRatio"].str.replace(",", ".", regex=False),  # `0.637`: 637 by the model's own form
        "segment": frame["Segment"].str.lower(),
        "Salaried": frame["Salaried"].map({"Y": "1", "N": "0"}),
        "Bureau": frame["Bureau"],
        "Status": frame["Status"],
    })
    export = tmp_path / "other.csv"
    other.to_csv(export, index=False)
    plain = ok_json("model", "evaluate", "--model", str(directory), "--data", str(data), "--target", "Status")
    code, out, err = run("model", "evaluate", "--model", str(directory), "--data", str(export), "--target", "Status",
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    first_ratio = next(r for r in other["DebtRatio"] if r)
    assert result.pop("warnings") == [line.removeprefix("warning: ") for line in err.splitlines()] == [
        "columns named but for letter case or blanks as the model names them, read so: "
        "Late90 from 'LATE90', Segment from 'segment'",
        f"column DebtRatio: read as numbers with decimal points as this file writes them (e.g. {first_ratio!r}); "
        "the training file had numbers with decimal commas",
        "column Segment: read 'c' as 'C', 'b' as 'B', 'a' as 'A' (the model's categories but for letter case or blanks)",
    ]
    plain.pop("warnings")
    assert result == plain
    drift = ok_json("model", "monitor", "--model", str(directory), "--data", str(export))
    assert drift["score"]["band"] == "stable" and {f["band"] for f in drift["features"]} == {"stable"}
    scored = tmp_path / "scores.csv"
    assert run("model", "score", "--model", str(directory), "--data", str(export), "--out", str(scored))[0] == 0
    own = tmp_path / "own.csv"
    assert run("model", "score", "--model", str(directory), "--data", str(data), "--out", str(own))[0] == 0
    scored, own = pd.read_csv(scored), pd.read_csv(own)
    pd.testing.assert_frame_equal(scored.drop(columns="reasons"), own.drop(columns="reasons"))
    # the same reasons, each quoting the applicant's value as this file writes it (`Segment is 'c'`)
    assert scored["reasons"].str.upper().tolist() == own["reasons"].str.upper().tolist()


def test_values_a_later_file_cannot_read_are_counted_per_column(model, tmp_path):
    directory, data = model
    frame = pd.read_csv(data, sep=";", dtype=str, keep_default_na=False)
    frame.loc[::100, "Late90"] = "n.v."
    export = tmp_path / "odd.csv"
    frame.to_csv(export, sep=";", index=False)
    result = ok_json("model", "evaluate", "--model", str(directory), "--data", str(export), "--target", "Status")
    assert result["warnings"] == [
        "column Late90: 15 of 1500 values are not a number and were read as missing (e.g. 'n.v.')"
    ]
    code, _, err = run("model", "score", "--model", str(directory), "--data", str(export))
    assert code == 2 and "column Late90: expected a number, got 'n.v.' (15 such value(s))" in err


def test_a_status_column_trains_on_its_bad_and_good_values_and_leaves_the_running_loans_out(tmp_path):
    """A loan book's raw status: two bad values, one good, and loans still running (indeterminate)."""
    frame = lender_export(1400, 4)
    rng = np.random.default_rng(4)
    bad = frame["Status"] == "Bad"
    frame["Status"] = np.where(bad, rng.choice(["Charged Off", "Default"], len(frame)), "Fully Paid")
    frame.loc[frame.index[::7], "Status"] = "Current"  # 200 loans still running
    data = tmp_path / "book.csv"
    frame.to_csv(data, sep=";", index=False)
    summary = ok_json("model", "train", "--data", str(data), "--target", "Status", "--out", str(tmp_path / "pd"),
                      "--trials", "1", "--positive", "Charged Off", "--positive", "default", "--negative", "Fully Paid")
    running = int((frame["Status"] == "Current").sum())
    assert (summary["bad_values"], summary["good_values"]) == (["charged off", "default"], ["fully paid"])
    assert (summary["rows"], summary["rows_indeterminate"], summary["rows_without_target"]) == (1400 - running, running, 0)
    code, _, err = run("model", "train", "--data", str(data), "--target", "Status", "--out", str(tmp_path / "pd2"))
    assert code == 2 and not (tmp_path / "pd2").exists() and "name the bad one(s) with --positive" in err
    # evaluate applies the model's own definition: the running loans are left out again
    result = ok_json("model", "evaluate", "--model", str(tmp_path / "pd"), "--data", str(data), "--target", "Status")
    assert result["n"] == 1400 - running
    code, _, err = run("model", "evaluate", "--model", str(tmp_path / "pd"), "--data", str(data), "--target", "Status",
                       "--positive", "Default", "--negative", "Default")
    assert code == 2 and "'default' is named both bad (--positive) and good (--negative)" in err


def test_a_workbooks_chosen_sheet_evaluates_as_its_csv(model, tmp_path):
    """A lender's workbook: notes, this year's applicants, last year's; `--sheet` picks one, by name."""
    import openpyxl

    directory, _ = model
    fresh = lender_export(600, 9)
    fresh.to_csv(tmp_path / "fresh.csv", sep=";", index=False)
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["exported for the model review"])
    for name, frame in (("2025", fresh), ("2024", lender_export(900, 10))):
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([value or None for value in row])
    book.save(tmp_path / "book.xlsx")
    plain = ok_json("model", "evaluate", "--model", str(directory), "--data", str(tmp_path / "fresh.csv"), "--target", "Status")
    chosen = ok_json("model", "evaluate", "--model", str(directory), "--data", str(tmp_path / "book.xlsx"), "--sheet", "2025",
                     "--target", "Status")  # fmt: skip
    assert chosen["n"] == plain["n"] == 600 and chosen["auc"] == plain["auc"] and chosen["brier"] == plain["brier"]
    fullest = ok_json("model", "evaluate", "--model", str(directory), "--data", str(tmp_path / "book.xlsx"), "--target", "Status")
    assert fullest["n"] == 900 and any("read sheet '2024', the fullest visible one" in w for w in fullest["warnings"])
    code, _, err = run("model", "evaluate", "--model", str(directory), "--data", str(tmp_path / "book.xlsx"), "--sheet", "2023",
                       "--target", "Status")  # fmt: skip
    assert code == 2 and "--sheet:" in err and "has no sheet '2023' (its sheets: 'Notes', '2025', '2024')" in err
    code, _, err = run("model", "score", "--model", str(directory), "--data", str(tmp_path / "fresh.csv"), "--sheet", "2025")
    assert code == 2 and "--sheet: a sheet is chosen in a workbook, and" in err and "is a text file" in err
    ok_json("model", "train", "--data", str(tmp_path / "book.xlsx"), "--sheet", "2025", "--target", "Status",
            "--out", str(tmp_path / "pd"), "--trials", "1")  # fmt: skip
    data = json.loads((tmp_path / "pd" / "metadata.json").read_text())["data"]
    assert (data["sheet"], data["encoding"]) == ("2025", "xlsx")  # the workbook's hash alone does not say which
    again = ok_json("model", "evaluate", "--model", str(tmp_path / "pd"), "--data", str(tmp_path / "book.xlsx"),
                    "--target", "Status")  # fmt: skip
    assert again["n"] == 600 and any("read sheet '2025', the sheet the model was trained on" in w for w in again["warnings"])
