"""`creditline abs` end to end, in process: files in, JSON and files out, one-line errors with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from creditline.cli.main import run

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "abs"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = 0
    try:
        run(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def tape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("abs") / "tape.csv"
    run(["abs", "tape", "--loans", "2000", "--seed", "3", "--out", str(path)])
    return path


def run_example(capsys: pytest.CaptureFixture[str], tape: Path, *options: str) -> tuple[int, str, str]:
    """`abs run` of the tape under the worked example's deal, with `options`."""
    return cli(capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), *options)


def deal_file(tmp_path: Path, text: str, suffix: str = ".yaml") -> Path:
    original = (EXAMPLES / "deal.yaml").read_text()
    path = tmp_path / f"deal{suffix}"
    path.write_text(original + text if suffix == ".yaml" else text)
    return path


def test_pool_json_accounts_for_the_tape(capsys, tape: Path, tmp_path: Path) -> None:
    out = tmp_path / "pool.parquet"
    code, stdout, _ = cli(
        capsys,
        "abs",
        "pool",
        "--tape",
        str(tape),
        "--deal",
        str(EXAMPLES / "deal.yaml"),
        "--out",
        str(out),
        "--json",
    )
    assert code == 0
    summary = json.loads(stdout)
    excluded = sum(e["principal_minor"] for e in summary["exclusions"])
    assert excluded + summary["selected_principal_minor"] == summary["source_principal_minor"]
    assert summary["sale"]["price_minor"] == summary["selected_principal_minor"]  # sold at par
    code, stdout, _ = cli(
        capsys, "abs", "pool", "--tape", str(out), "--deal", str(EXAMPLES / "deal.yaml"), "--json"
    )
    assert json.loads(stdout)["selected_principal_minor"] == summary["selected_principal_minor"]


def test_structure_sizes_add_up(capsys, tape: Path) -> None:
    code, stdout, _ = cli(
        capsys, "abs", "structure", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--json"
    )
    assert code == 0
    summary = json.loads(stdout)
    assert sum(t["balance_minor"] for t in summary["tranches"]) == summary["pool_balance_minor"]
    assert [t["name"] for t in summary["tranches"]] == ["A", "B", "Sub"]
    assert summary["tranches"][0]["credit_enhancement"] == pytest.approx(0.2, abs=1e-6)


def test_run_with_scenario_and_monte_carlo(capsys, tape: Path, tmp_path: Path) -> None:
    flows = tmp_path / "cashflows.csv"
    code, stdout, stderr = cli(
        capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"),
        "--scenario", str(EXAMPLES / "scenario.yaml"), "--paths", "400", "--cashflows", str(flows), "--json",
    )  # fmt: skip
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["run"]["assumptions"]["default_model"] == "pd"
    assert summary["monte_carlo"]["paths"] == 400
    tranches = summary["run"]["tranches"]
    assert tranches[0]["break_even_cdr"] > tranches[2]["break_even_cdr"]
    header = flows.read_text().splitlines()[0].split(",")
    assert "A_principal_minor" in header and "residual_minor" in header


def test_options_override_the_scenario(capsys, tape: Path) -> None:
    code, stdout, _ = cli(
        capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"),
        "--scenario", str(EXAMPLES / "scenario.yaml"), "--default-model", "cdr", "--cdr", "2%,4%,6%", "--paths", "0", "--json",
    )  # fmt: skip
    assert code == 0
    run_summary = json.loads(stdout)["run"]
    assert run_summary["assumptions"]["default_model"] == "cdr"
    assert run_summary["assumptions"]["cdr"] == ["0.02", "0.04", "0.06"]
    assert json.loads(stdout)["monte_carlo"] is None


def test_report_writes_html_and_charts(capsys, tape: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code, _, stderr = cli(
        capsys, "abs", "report", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--cdr", "5%",
        "--paths", "300", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    page = (out / "report.html").read_text()
    assert "Capital structure" in page and "Monte Carlo" in page
    for chart in ("tranche_balances.png", "pool_collections.png", "loss_distributions.png"):
        assert (out / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert chart in page


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "\ntriggers:\n  - {metric: excess_spread, above: 2%}\n",
            "error: --deal: triggers[0].metric: unknown metric 'excess_spread'",
        ),
        ("\nservicing_fee_rate: -1%\n", "error: --deal: servicing_fee_rate: -1% is negative"),
    ],
)
def test_bad_deal_files(capsys, tape: Path, tmp_path: Path, extra: str, expected: str) -> None:
    # a later duplicate key replaces the earlier one in YAML
    code, stdout, stderr = cli(
        capsys, "abs", "structure", "--tape", str(tape), "--deal", str(deal_file(tmp_path, extra))
    )
    assert code == 2
    assert stderr.startswith(expected)
    assert len(stderr.strip().splitlines()) == 1
    assert stdout == ""


def test_tranche_sizes_that_do_not_add_up(capsys, tape: Path, tmp_path: Path) -> None:
    toml = """
name = "toml deal"
currency = "CNY"
cut_off_date = 2025-06-30
closing_date = 2025-07-15
first_payment_date = 2025-08-26
[[tranches]]
name = "A"
balance = 1000000.00
coupon_rate = 0.03
[[tranches]]
name = "Sub"
balance = "1.00"
"""
    code, _, stderr = cli(
        capsys, "abs", "structure", "--tape", str(tape), "--deal", str(deal_file(tmp_path, toml, ".toml"))
    )
    assert code == 2
    assert stderr.startswith("error: --deal: tranches: tranches add up to 1000001.00 but the pool is")


def test_pool_that_matches_nothing(capsys, tape: Path, tmp_path: Path) -> None:
    deal = json.dumps(
        {
            "name": "empty",
            "currency": "CNY",
            "cut_off_date": "2025-06-30",
            "closing_date": "2025-07-15",
            "first_payment_date": "2025-08-26",
            "tranches": [{"name": "Sub", "share": "100%"}],
            "eligibility": {"grades": ["Z"]},
        }
    )
    code, _, stderr = cli(
        capsys, "abs", "pool", "--tape", str(tape), "--deal", str(deal_file(tmp_path, deal, ".json"))
    )
    assert code == 2
    assert stderr.startswith("error: --deal: eligibility.grades: no loan of the 2000 in the tape")


def test_negative_rate_option_and_no_partial_write(capsys, tape: Path, tmp_path: Path) -> None:
    flows = tmp_path / "never.csv"
    code, _, stderr = cli(
        capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--cdr", "-5%",
        "--cashflows", str(flows),
    )  # fmt: skip
    assert code == 2
    assert stderr.strip() == "error: --cdr: -5% is negative; rates and shares are zero or more"
    assert not flows.exists()


def test_bad_tape_row(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "loan_id,borrower_id,currency,outstanding_principal_minor,annual_rate,remaining_term_months,days_past_due,status,risk_grade\n"
        "L1,B1,CNY,100000,0.12,12,0,current,A\n"
        "L2,B2,CNY,100000,-0.12,12,0,current,A\n"
    )
    code, _, stderr = cli(capsys, "abs", "pool", "--tape", str(bad), "--deal", str(EXAMPLES / "deal.yaml"))
    assert code == 2
    assert stderr.startswith("error: --tape: annual_rate: row 2 (loan L2) has a negative annual_rate")


def test_missing_files(capsys, tmp_path: Path) -> None:
    code, _, stderr = cli(
        capsys, "abs", "pool", "--tape", str(tmp_path / "no.csv"), "--deal", str(EXAMPLES / "deal.yaml")
    )
    assert code == 2 and stderr.startswith("error: --tape:")
    code, _, stderr = cli(
        capsys, "abs", "pool", "--tape", str(tmp_path / "t.csv"), "--deal", str(tmp_path / "deal.txt")
    )
    assert code == 2 and stderr.startswith("error: --deal:")


def test_a_horizon_that_ends_before_the_deal_reports_what_is_outstanding(capsys, tape: Path) -> None:
    # One month of a pool that runs for 12+: A was shown a yield of -100.00% (its outstanding balance
    # counted as lost), a WAL of 0.12y and a break-even CDR of 100.00%, with a loss of 0.00%
    args = ("abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--cdr", "5%",
            "--horizon-months", "1")  # fmt: skip
    code, stdout, _ = cli(capsys, *args, "--json")
    assert code == 0
    tranches = json.loads(stdout)["run"]["tranches"]
    assert all(t["balance_end_minor"] > 0 for t in tranches)
    assert [(t["wal_years"], t["yield_annual"], t["break_even_cdr"]) for t in tranches] == [
        (None, None, None)
    ] * 3
    code, stdout, _ = cli(capsys, *args)
    assert code == 0
    assert "-100.00%" not in stdout and "100.00%" not in stdout
    a = next(line for line in stdout.splitlines() if line.strip().startswith("A "))
    assert f"outstanding {tranches[0]['balance_end_minor'] // 100:,}." in a
    assert "the horizon (1 month) ends before the deal" in stdout


def test_a_deal_file_that_is_not_utf8_is_refused(capsys, tape: Path, tmp_path: Path) -> None:
    # a deal saved in GBK (or any bytes that are not UTF-8) ended in a UnicodeDecodeError traceback
    deal = tmp_path / "deal.yaml"
    deal.write_bytes((EXAMPLES / "deal.yaml").read_bytes() + "# 信贷资产支持证券\n".encode("gbk"))
    code, _, stderr = cli(capsys, "abs", "pool", "--tape", str(tape), "--deal", str(deal))
    assert code == 2
    assert stderr.strip().startswith("error: --deal: deal: deal.yaml is not UTF-8 text")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_bytes(b"cpr: 10%\n# \xff\n")
    code, _, stderr = run_example(capsys, tape, "--scenario", str(scenario))
    assert code == 2
    assert stderr.strip().startswith("error: --scenario: scenario: scenario.yaml is not UTF-8 text")


@pytest.mark.parametrize("value", ["5", "[1000]", "yes"])
def test_a_scenario_whose_monte_carlo_is_not_a_mapping_is_refused(
    capsys, tape: Path, tmp_path: Path, value
) -> None:
    # `monte_carlo: 5` ended in a TypeError traceback (exit 1)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"cpr: 10%\nmonte_carlo: {value}\n")
    code, _, stderr = run_example(capsys, tape, "--scenario", str(scenario))
    assert code == 2
    assert stderr.strip() == (
        "error: --scenario: monte_carlo: expected a mapping of paths, correlation, seed, granular"
    )


def test_an_output_that_cannot_be_written_is_refused(capsys, tape: Path, tmp_path: Path) -> None:
    # a path under a file, or a directory where the file should go, ended in an OSError traceback (exit 1)
    blocker = tmp_path / "plain.txt"
    blocker.write_text("not a directory")
    (tmp_path / "taken.csv").mkdir()
    deal = str(EXAMPLES / "deal.yaml")
    runs = {
        "--cashflows": ("abs", "run", "--tape", str(tape), "--deal", deal, "--cdr", "5%",
                        "--cashflows", str(blocker / "flows.csv")),
        "--out": ("abs", "report", "--tape", str(tape), "--deal", deal, "--paths", "0", "--out", str(blocker)),
    }  # fmt: skip
    for option, argv in runs.items():
        code, _, stderr = cli(capsys, *argv)
        assert code == 2, stderr
        assert stderr.startswith(f"error: {option}: cannot write "), stderr
    code, _, stderr = cli(capsys, "abs", "tape", "--loans", "5", "--out", str(tmp_path / "taken.csv"))
    assert code == 2 and stderr.startswith("error: --out: cannot write "), stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.txt", "taken.csv"]
    assert not list((tmp_path / "taken.csv").iterdir())


def test_an_assumption_error_without_a_scenario_file_names_the_option(capsys, tape: Path) -> None:
    # `--default-model roll_rate` with no --scenario was reported as "error: --scenario: ...", a file never given
    code, _, stderr = cli(
        capsys,
        "abs",
        "run",
        "--tape",
        str(tape),
        "--deal",
        str(EXAMPLES / "deal.yaml"),
        "--default-model",
        "roll_rate",
    )
    assert code == 2
    assert stderr.strip() == (
        "error: --default-model: default_model roll_rate needs roll_rates (a 5x5 matrix)"
    )


def test_the_report_shows_what_a_short_horizon_leaves_outstanding(capsys, tape: Path, tmp_path: Path) -> None:
    # the report's tranche table showed a loss of 0.00% and blanks, and not the 80% of A still owed
    code, stdout, _ = cli(capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"),
                          "--cdr", "5%", "--horizon-months", "1", "--json")  # fmt: skip
    outstanding = json.loads(stdout)["run"]["tranches"][0]["balance_end_minor"]
    scenario = tmp_path / "short.yaml"
    scenario.write_text("cdr: 5%\nhorizon_months: 1\n")
    out = tmp_path / "report"
    code, _, stderr = cli(capsys, "abs", "report", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"),
                          "--scenario", str(scenario), "--paths", "0", "--out", str(out))  # fmt: skip
    assert code == 0, stderr
    page = (out / "report.html").read_text()
    assert "outstanding at the end" in page
    assert f"{outstanding // 100:,}.{outstanding % 100:02d}" in page


def test_a_bad_recovery_rate_option_names_the_option(capsys, tape: Path) -> None:
    """`--recovery-rate 2` came back as `error: --scenario: …` although no scenario file was given."""
    code, _, stderr = cli(
        capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--recovery-rate", "2"
    )
    assert code == 2
    assert stderr.startswith("error: --recovery-rate: ")
    assert "at most 1" in stderr and stderr.count("\n") == 1


def test_monte_carlo_too_large_for_the_horizon_is_refused_naming_where_the_paths_came_from(
    capsys, tape: Path, tmp_path: Path
) -> None:
    # 100,000 paths over 600 months ran in 2,500-path batches of ~3 GB each for a quarter of an hour
    # (a tape of 2,000 grades took 13.7 GB a batch); now the run is refused before Monte Carlo starts
    scenario = tmp_path / "long.yaml"
    scenario.write_text("default_model: pd\nhorizon_months: 600\nmonte_carlo: {paths: 100000}\n")
    code, stdout, stderr = run_example(capsys, tape, "--scenario", str(scenario))
    assert (code, stdout) == (2, "")
    assert stderr.startswith("error: --scenario: monte_carlo.paths: 100,000 paths of ")
    assert "over 600 months is more than a run computes" in stderr
    out = tmp_path / "report"
    code, _, stderr = cli(capsys, "abs", "report", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"),
                          "--scenario", str(scenario), "--paths", "100000", "--out", str(out))  # fmt: skip
    assert code == 2
    assert stderr.startswith("error: --paths: 100,000 paths of ")
    assert not out.exists()


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("{seed: -1}", "monte_carlo.seed: Input should be greater than or equal to 0"),
        ("{paths: 10, seeds: 3}", "monte_carlo.seeds: is not a setting this model knows (check the spelling)"),
        ("{correlation: 1}", "monte_carlo.correlation: the correlation is below 1"),
    ],
)
def test_a_bad_monte_carlo_setting_in_the_scenario_names_its_place_in_the_file(
    capsys, tape: Path, tmp_path: Path, settings: str, expected: str
) -> None:
    # reported as "error: --scenario: seed: ..." although the file has no top-level seed
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"cpr: 10%\nmonte_carlo: {settings}\n")
    code, _, stderr = run_example(capsys, tape, "--scenario", str(scenario))
    assert code == 2
    assert stderr.strip().startswith(f"error: --scenario: {expected}")
