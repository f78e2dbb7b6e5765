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


def test_a_bad_recovery_rate_option_names_the_option(capsys, tape: Path) -> None:
    """`--recovery-rate 2` came back as `error: --scenario: …` although no scenario file was given."""
    code, _, stderr = cli(
        capsys, "abs", "run", "--tape", str(tape), "--deal", str(EXAMPLES / "deal.yaml"), "--recovery-rate", "2"
    )
    assert code == 2
    assert stderr.startswith("error: --recovery-rate: ")
    assert "at most 1" in stderr and stderr.count("\n") == 1
