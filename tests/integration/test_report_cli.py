"""`creditline report portfolio` end to end: files written, JSON on stdout, and every bad input a clean exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from creditline.cli.main import run
from creditline.portfolio.synthetic import synthetic_snapshots

AS_OF = "2024-03-31"
STEM = f"portfolio-{AS_OF}"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("snapshots")
    frame = synthetic_snapshots(loans=800, months=15, seed=11)  # month-ends 2023-01-31 … 2024-03-31
    paths = {"csv": folder / "snapshots.csv", "parquet": folder / "snapshots.parquet",
             "sheet": folder / "sheet.json"}
    frame.write_csv(paths["csv"])
    frame.write_parquet(paths["parquet"])
    paths["sheet"].write_text(json.dumps({
        "currency": "CNY", "capital": {"cet1": "9,000,000.00", "tier2": "1,000,000"},
        "hqla": {"level1": "2,000,000", "level2a": "500,000"},
        "outflows": [{"name": "wholesale funding", "amount": "10,000,000", "rate": "0.25"}],
        "inflows": [{"name": "interbank", "amount": "1,000,000", "rate": "1"}],
        "other_exposures": [{"name": "interbank placements", "amount": "1,000,000", "risk_weight": "0.2"}],
        "other_assets": "3,000,000",
    }))
    return paths


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        run(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_report_writes_json_html_and_csv_tables(files, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                            "--out", str(out), "--lgd", "0.6")
    assert (code, err) == (0, "")
    assert f"wrote {out / (STEM + '.html')}" in stdout
    summary = json.loads((out / f"{STEM}.json").read_text())
    assert summary["as_of"] == AS_OF and summary["currency"] == "CNY"
    assert summary["ecl"]["allowance_minor"] == sum(s["ecl_minor"] for s in summary["ecl"]["by_stage"]) > 0
    # on book: the accruing loans in the buckets and the charged-off ones not yet written off
    assert summary["loans_on_book"] == sum(b["loans"] for b in summary["buckets"]) + summary["charged_off"]["loans"]
    assert summary["charged_off"]["loans"] > 0 and summary["loans_on_book"] == sum(t["loans"] for t in
                                                                                   summary["tiers"]["rows"])
    assert summary["default_rate_12m"]["available"] is True
    assert summary["capital"]["available"] is False and "--balance-sheet" in summary["capital"]["reason"]
    html = (out / f"{STEM}.html").read_text()
    assert html.count("data:image/png;base64,") == 3
    vintage = pl.read_csv(out / f"{STEM}-vintage.csv")
    assert vintage.columns[:3] == ["vintage_month", "mob", "loans"]
    assert vintage.height > 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{STEM}.json", f"{STEM}.html"] + [f"{STEM}-{t}.csv" for t in (
            "buckets", "tiers", "vintage", "roll-rates", "transition-matrix", "ecl-by-stage", "provision-matrix")])


def test_the_json_holds_the_vintage_roll_rate_and_transition_tables_the_csvs_hold(files, tmp_path, capsys):
    """`portfolio-<date>.json` holds every figure: the vintages, roll rates and transition matrix were
    only in the CSVs. Ratios are 8-decimal text there as everywhere in the JSON; counts are integers."""
    out = tmp_path / "out"
    code, _, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                       "--out", str(out), "--lgd", "0.6", "--transition-months", "6")
    assert (code, err) == (0, "")
    summary = json.loads((out / f"{STEM}.json").read_text())
    for key, csv in (("vintage", "vintage"), ("roll_rates", "roll-rates")):
        table = pl.read_csv(out / f"{STEM}-{csv}.csv")
        assert len(summary[key]) == table.height > 0
        assert [row["loans"] for row in summary[key]] == table.get_column("loans").to_list()
    matrix = summary["transition_matrix"]
    assert matrix["months"] == 6
    assert [row["from_state"] for row in matrix["rows"]] == pl.read_csv(
        out / f"{STEM}-transition-matrix.csv").get_column("from_state").to_list()
    observed = [row for row in matrix["rows"] if row["observations"] > 0]
    states = [name for name in observed[0] if name not in ("from_state", "observations")]
    for row in observed:  # each observed state's probabilities, as text, add up to one
        assert abs(sum(Decimal(row[name]) for name in states) - 1) <= Decimal("1e-7")
    rate = summary["vintage"][-1]["ever_90_rate_amount"]
    assert isinstance(rate, str) and len(rate.split(".")[1]) == 8
    assert isinstance(summary["roll_rates"][0]["month_end"], str)
    roll_csv = pl.read_csv(out / f"{STEM}-roll-rates.csv", try_parse_dates=False)
    assert [row["month_end"] for row in summary["roll_rates"]] == roll_csv.get_column("month_end").cast(pl.String).to_list()


def test_json_goes_to_stdout_alone_and_parquet_reads_the_same(files, tmp_path, capsys):
    code, stdout, _ = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["parquet"]),
                          "--out", str(tmp_path), "--lgd", "0.6", "--json")
    assert code == 0
    assert json.loads(stdout) == json.loads((tmp_path / f"{STEM}.json").read_text())
    _, from_csv, _ = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                         "--out", str(tmp_path / "csv"), "--lgd", "0.6", "--json")
    assert json.loads(from_csv) == json.loads(stdout)


def test_the_balance_sheet_adds_capital_and_liquidity(files, tmp_path, capsys):
    code, stdout, _ = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["parquet"]),
                          "--out", str(tmp_path), "--lgd", "0.6", "--balance-sheet", str(files["sheet"]),
                          "--pd-method", "markov", "--json")
    assert code == 0
    summary = json.loads(stdout)
    assert summary["capital"]["available"] and summary["capital"]["total_capital_minor"] == 1_000_000_000
    assert summary["capital"]["rwa_minor"] == summary["capital"]["retail_rwa_minor"] + 20_000_000
    assert summary["liquidity"]["available"]
    assert summary["liquidity"]["hqla_minor"] == 200_000_000 + 42_500_000
    assert summary["liquidity"]["inflows_counted_minor"] <= summary["liquidity"]["outflows_minor"] * 3 // 4 + 1
    assert summary["ecl"]["pd_method"] == "markov"


BAD = {
    "a date with no snapshot": (["--as-of", "2024-03-30"], "error: --as-of: no snapshot for 2024-03-30 "
                                "(snapshots cover 2023-01-31 to 2024-03-31)"),
    "a date that is not a date": (["--as-of", "2024-13-01"], "error: --as-of: '2024-13-01' is not a date"),
    "a date in ISO 8601's basic form": (["--as-of", AS_OF.replace("-", "")], "error: --as-of: '"
                                        f"{AS_OF.replace('-', '')}' is not a date (YYYY-MM-DD)"),
    "an unknown PD method": (["--pd-method", "magic"], "error: --pd-method: 'magic' is not one of model, markov"),
    "a coverage minimum outside the band": (["--coverage-min", "1.1"], "error: --coverage-min: the coverage "
                                            "minimum must be within 120% to 150%"),
    "a CCF above one": (["--ccf", "1.5"], "error: --ccf: the credit conversion factor must be in [0, 1]"),
    "an unknown tier policy": (["--tier-policy", "eu"], "error: --tier-policy: 'eu' is not one of"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_options_exit_2_with_one_line_and_write_nothing(case, files, tmp_path, capsys):
    extra, message = BAD[case]
    argv = ["report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]), "--out",
            str(tmp_path / "out"), "--lgd", "0.6", *extra]
    code, stdout, err = cli(capsys, *argv)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1
    assert stdout == ""
    assert not (tmp_path / "out").exists()


def test_bad_snapshot_files_exit_2_naming_the_option(files, tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    text = files["csv"].read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("days_past_due")] = "soon"
    broken.write_text("\n".join([text[0], ",".join(cells), *text[2:5]]) + "\n")
    wrong_type = tmp_path / "snapshots.xlsx"
    wrong_type.write_text("x")
    cases = {
        str(tmp_path / "absent.csv"): "does not exist",
        str(broken): "column days_past_due must hold whole numbers: 'soon' on row 1 is not one",
        str(wrong_type): "expected a .csv or .parquet file",
    }
    for path, message in cases.items():
        code, _, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", path,
                           "--out", str(tmp_path / "out"))
        assert code == 2 and err.startswith("error: --snapshots: ") and message in err, err
    assert not (tmp_path / "out").exists()


def test_a_bad_balance_sheet_exits_2(files, tmp_path, capsys):
    sheet = tmp_path / "sheet.json"
    sheet.write_text(json.dumps({"currency": "CNY", "hqla": {"level_1": "5"}}))
    code, _, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                       "--out", str(tmp_path / "out"), "--balance-sheet", str(sheet))
    assert code == 2
    assert err.startswith("error: --balance-sheet: unknown field(s) in hqla: level_1")
    sheet.write_text("{not json")
    code, _, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                       "--out", str(tmp_path / "out"), "--balance-sheet", str(sheet))
    assert code == 2 and "is not JSON" in err
    for content, words in ((b"caf\xe9", "not UTF-8"), (b"[" * 100_000, "is not JSON")):  # latin-1; past the recursion limit
        sheet.write_bytes(content)
        code, _, err = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]),
                           "--out", str(tmp_path / "out"), "--balance-sheet", str(sheet))
        assert code == 2 and err.startswith("error: --balance-sheet: ") and words in err and err.count("\n") == 1, err
    assert not (tmp_path / "out").exists()


def test_the_installed_command_exits_2_without_a_traceback(files, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "creditline.cli.main", "report", "portfolio", "--as-of", "2022-01-31",
         "--snapshots", str(files["parquet"]), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: --as-of: no snapshot for 2022-01-31 "
                                   "(snapshots cover 2023-01-31 to 2024-03-31)")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_book_in_two_currencies_is_reported_per_currency(files, tmp_path, capsys):
    cny = pl.read_parquet(files["parquet"])
    usd = cny.with_columns(pl.lit("USD").alias("currency"), ("U" + pl.col("loan_id")).alias("loan_id"))
    mixed = tmp_path / "mixed.parquet"
    pl.concat([cny, usd]).write_parquet(mixed)
    argv = ["report", "portfolio", "--as-of", AS_OF, "--snapshots", str(mixed), "--lgd", "0.6"]
    code, _, err = cli(capsys, *argv, "--out", str(tmp_path / "none"))
    assert code == 2 and err.startswith("error: --currency: a portfolio report covers one currency; found CNY, USD")
    code, _, err = cli(capsys, *argv, "--out", str(tmp_path / "none"), "--currency", "EUR")
    assert code == 2 and err.startswith("error: --currency: no loans in EUR on 2024-03-31"), err
    code, _, err = cli(capsys, *argv, "--out", str(tmp_path / "none"), "--currency", "XYZ")
    assert code == 2 and err.startswith("error: --currency: unknown ISO 4217 currency 'XYZ'"), err
    assert not (tmp_path / "none").exists()
    code, stdout, err = cli(capsys, *argv, "--out", str(tmp_path / "usd"), "--currency", "usd", "--json")
    assert (code, err) == (0, "")
    summary = json.loads(stdout)
    _, alone, _ = cli(capsys, "report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["parquet"]),
                      "--lgd", "0.6", "--out", str(tmp_path / "cny"), "--json")
    expected = json.loads(alone)
    assert summary["currency"] == "USD"
    assert summary["ecl"] == expected["ecl"] and summary["buckets"] == expected["buckets"]  # the same book, in USD


def test_a_write_that_fails_midway_leaves_the_previous_report_whole(files, tmp_path, capsys):
    """Files were written and renamed one by one: a failure on the third left the new JSON and HTML beside
    the old CSV tables. Now every file is written first and renamed only when all are."""
    out = tmp_path / "out"
    argv = ("report", "portfolio", "--as-of", AS_OF, "--snapshots", str(files["csv"]), "--out", str(out))
    assert cli(capsys, *argv, "--lgd", "0.6")[0] == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    (out / f".{STEM}-tiers.csv.partial").mkdir()  # that file's temporary cannot be written
    code, stdout, err = cli(capsys, *argv, "--lgd", "0.3")
    assert (code, stdout) == (2, "") and err.startswith(f"error: --out: cannot write to {out}: ")
    after = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    assert after == before  # no temporary left over, no file of the new report
