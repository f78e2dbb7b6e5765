"""`creditline schedule` and `creditline apr`: the JSON contract and the one-line error contract."""

from __future__ import annotations

import io
import json

import pytest

from creditline.cli.main import run

BASE = [
    "schedule",
    "--principal",
    "10000",
    "--annual-rate",
    "18",
    "--installments",
    "3",
    "--disbursed",
    "2024-01-31",
]


def run_ok(argv: list[str], capsys) -> str:
    run(argv)
    return capsys.readouterr().out


def run_fail(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exited:
        run(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_schedule_json_has_the_contract_keys_and_major_unit_strings(capsys) -> None:
    document = json.loads(run_ok([*BASE, "--json"], capsys))
    assert set(document) >= {"rows", "totals", "apr"}
    first = document["rows"][0]
    assert list(first) == ["n", "due_date", "days", "principal", "interest", "total", "balance"]
    assert first == {
        "n": 1,
        "due_date": "2024-02-29",
        "days": 29,
        "principal": "3283.83",
        "interest": "150.00",
        "total": "3433.83",  # numpy-financial: pmt(0.015, 3, 10000) = -3433.83
        "balance": "6716.17",
    }
    assert document["totals"] == {
        "installments": 3,
        "principal": "10000.00",
        "interest": "301.49",
        "total": "10301.49",
    }
    assert document["apr"]["apr_pct"] == "18.00"
    assert document["apr"]["reg_z_apr_pct"] == "18.00"
    assert document["apr"]["unit_period"] == "month"


def test_schedule_table_is_printed_without_json(capsys) -> None:
    out = run_ok(BASE, capsys)
    assert "3433.83" in out and "2024-04-30" in out and "APR" in out


def test_daily_rate_option(capsys) -> None:
    argv = [
        "schedule",
        "--principal",
        "1000",
        "--daily-rate",
        "0.05",
        "--installments",
        "1",
        "--method",
        "bullet",
        "--interest-basis",
        "daily",
        "--disbursed",
        "2024-01-01",
        "--json",
    ]
    document = json.loads(run_ok(argv, capsys))
    assert document["rows"][0]["interest"] == "15.50"  # 1000 × 0.05% × 31 days


@pytest.mark.parametrize(
    ("change", "option"),
    [
        (["--principal", "0"], "--principal"),
        (["--principal", "-5"], "--principal"),
        (["--principal", "1e3"], "--principal"),
        (["--principal", "10.001"], "--principal"),
        (["--installments", "361"], "--installments"),
        (["--installments", "0"], "--installments"),
        (["--installments", "ten"], "--installments"),
        (["--first-due", "2024-01-01"], "--first-due"),
        (["--currency", "ABC"], "--currency"),
        (["--disbursed", "2024-02-30"], "--disbursed"),
        (["--disbursed", "20240115"], "--disbursed"),  # ISO 8601's basic form: YYYY-MM-DD only
        (["--first-due", "2024-W07-4"], "--first-due"),  # an ISO week date
        (["--annual-rate", "eighteen"], "--annual-rate"),
        (["--annual-rate", "-1"], "--annual-rate"),
        (["--daily-rate", "0.05"], "--annual-rate"),
        (["--method", "balloon"], "--method"),
        (["--frequency", "yearly"], "--frequency"),
        (["--interest-basis", "hourly"], "--interest-basis"),
        (["--days-in-year", "366"], "--days-in-year"),
        (["--days-in-month", "31"], "--days-in-month"),
        (["--emi-solve", "exact"], "--emi-solve"),
        (["--rounding", "bankers"], "--rounding"),
        (["--every", "0"], "--every"),
        (["--installment-multiple", "0"], "--installment-multiple"),
        (["--grace-principal", "3"], "--grace-principal"),
    ],
)
def test_every_bad_option_exits_2_with_one_line_naming_it(change, option, capsys) -> None:
    argv = list(BASE)
    name = change[0]
    if name in argv:
        argv[argv.index(name) + 1] = change[1]
    else:
        argv += change
    line = run_fail(argv, capsys)
    assert line.startswith(f"error: {option}: "), line


def test_neither_rate_given_is_an_error(capsys) -> None:
    line = run_fail(["schedule", "--principal", "100", "--disbursed", "2024-01-01"], capsys)
    assert line.startswith("error: --annual-rate: ")


APR_REQUEST = {
    "advance": {"amount": "5000", "date": "1978-01-10"},
    "payments": [
        {"amount": "230", "date": f"{1978 + (1 + k) // 12}-{(1 + k) % 12 + 1:02d}-10"} for k in range(24)
    ],
    "method": "reg-z",
    "currency": "USD",
}


def run_apr(request: object, capsys, monkeypatch, raw: str | None = None) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(raw if raw is not None else json.dumps(request)))
    return run_ok(["apr", "--json"], capsys)


def test_apr_reads_json_and_prints_the_rate(capsys, monkeypatch) -> None:
    result = json.loads(run_apr(APR_REQUEST, capsys, monkeypatch))
    assert result["apr_pct"] == "9.69"
    assert result["unit_period"] == "month"
    assert result["periods_per_year"] == "12"
    irr = json.loads(run_apr({**APR_REQUEST, "method": "irr"}, capsys, monkeypatch))
    assert irr["apr_pct"] == "9.69"
    assert irr["effective_annual_pct"] == "10.13"


def test_apr_of_a_next_day_payday_loan_prints_its_effective_rate(capsys, monkeypatch) -> None:
    # 100.00 repaid with 300.00 the next day: the effective annual rate (3^365 − 1) has 177 digits; the
    # command was a decimal.InvalidOperation traceback.
    request = {"advance": {"amount": "100", "date": "2025-01-10"}, "payments": [{"amount": "300", "date": "2025-01-11"}],
               "method": "irr"}  # fmt: skip
    result = json.loads(run_apr(request, capsys, monkeypatch))
    assert result["apr_pct"] == "73000.00"
    whole, cents = result["effective_annual_pct"].split(".")
    assert len(cents) == 2 and len(whole) == 177 and whole.startswith("1410")


def test_apr_checks_a_disclosed_rate_of_any_size(capsys, monkeypatch) -> None:
    # A disclosed 1e999999999 % was a decimal.Overflow traceback (the subtraction in the default context).
    for disclosed, within in (("1e999999999", False), ("9.69", True), ("9.5", False), ("-5", False)):
        result = json.loads(run_apr({**APR_REQUEST, "disclosed_apr_pct": disclosed}, capsys, monkeypatch))
        assert result["within_tolerance"] is within, disclosed


def test_apr_accepts_json_numbers_without_float_rounding(capsys, monkeypatch) -> None:
    raw = json.dumps(APR_REQUEST).replace('"230"', "230.00").replace('"5000"', "5000.0")
    assert json.loads(run_apr(None, capsys, monkeypatch, raw=raw))["apr_pct"] == "9.69"


@pytest.mark.parametrize(
    ("raw", "start"),
    [
        ("{not json", "error: stdin: not valid JSON"),
        ("[]", "error: stdin: "),
        ("[" * 50_000 + "]" * 50_000, "error: stdin: not JSON this reads"),  # past the recursion limit
        ('{"advance": ' + "9" * 5_000 + "}", "error: stdin: not JSON this reads"),  # past int's 4,300 digits
        ('{"advance": {"amount": "1"}, "payments": []}', "error: advance: "),
        ('{"advance": {"amount": "100", "date": "2024-01-01"}, "payments": []}', "error: payments: "),
        (
            '{"advance": {"amount": "100", "date": "2024-01-01"}, "payments": [{"amount": "x", "date": "2024-02-01"}]}',
            "error: payments[0].amount: ",
        ),
        (
            '{"advance": {"amount": "100", "date": "2024-01-01"}, "payments": [{"amount": "101", "date": "2024-02-01"}],'
            ' "method": "apy"}',
            "error: method: ",
        ),
        (
            '{"advance": {"amount": "100", "date": "2024-01-01"}, "payments": [{"amount": "90", "date": "2024-02-01"}]}',
            "error: payments: ",
        ),
    ],
)
def test_apr_bad_input_exits_2_with_one_line(raw, start, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(raw))
    line = run_fail(["apr", "--json"], capsys)
    assert line.startswith(start), line


@pytest.mark.parametrize(
    ("installments", "solve", "level", "last"),
    [
        ("12", None, "64.23", "65.01"),  # the product's terms keep the nominal solve (30-day months)
        ("360", None, "10.64", "10.61"),  # beyond 12 the default solves over the actual days
        ("360", "nominal", "10.56", "420.44"),  # named, nominal still lets 30-day months drift
        ("60", None, "17.88", "18.04"),
    ],
)
def test_the_default_solve_is_nominal_up_to_12_installments_and_actual_beyond(
    installments, solve, level, last, capsys
) -> None:
    argv = [
        *("schedule", "--principal", "700.60", "--daily-rate", "0.05", "--interest-basis", "daily"),
        *("--days-in-year", "360", "--installments", installments, "--disbursed", "2025-01-15", "--json"),
    ]
    if solve is not None:
        argv += ["--emi-solve", solve]
    rows = json.loads(run_ok(argv, capsys))["rows"]
    assert (rows[1]["total"], rows[-1]["total"]) == (level, last)
    assert all(row["total"] != "0.00" for row in rows)
