"""Regulation Z Appendix J (c)(1)(i): $5,000 repaid by 24 monthly payments of $230 is a 9.69% APR."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from creditline.cli.main import run
from creditline.lending.calendar import add_months

CASES = json.loads((Path(__file__).parent / "data" / "apr_regz.json").read_text())["cases"]


def _payments(series: list[dict]) -> list[dict]:
    payments = []
    for item in series:
        assert item["every"] == "1 month", "only monthly series appear in the golden file"
        first = date.fromisoformat(item["first_date"])
        payments += [
            {"amount": f"{item['amount']:.2f}", "date": add_months(first, k).isoformat()} for k in range(item["count"])
        ]
    return payments


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_reg_z_apr_matches_the_regulation(case, capsys, monkeypatch) -> None:
    request = {
        "advance": {"amount": f"{case['amount_financed']:.2f}", "date": case["advance_date"]},
        "payments": _payments(case["payments"]),
        "method": "reg-z",
        "currency": "USD",
        "disclosed_apr_pct": f"{case['expected_apr_pct']:.2f}",
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(request)))
    run(["apr", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["apr_pct"] == f"{case['expected_apr_pct']:.2f}"
    assert result["unit_period"] == case["unit_period"]
    assert result["periods_per_year"] == str(case["unit_periods_per_year"])
    assert result["within_tolerance"] is True
    assert result["regular"] is True
