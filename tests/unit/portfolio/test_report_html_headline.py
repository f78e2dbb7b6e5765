"""The HTML report's headline shows a ratio over nothing as a dash, as every table of the report does."""

from __future__ import annotations

from creditline.portfolio.report_html import _headline


def test_a_ratio_with_nothing_to_divide_by_is_a_dash_not_none() -> None:
    summary = {
        "loans_on_book": 0,
        "npl": {"npl_ratio": None},
        "default_rate_12m": {"available": True, "by_count": None},
        "ecl": {"allowance_minor": 0},
        "provisions": {"coverage_ratio": None, "loan_provision_ratio": 0.0125},
    }
    page = _headline(summary, lambda minor: f"{minor / 100:,.2f}")
    assert "None" not in page
    assert "<th>NPL ratio</th><td>—</td>" in page
    assert "<th>provision coverage ratio</th><td>—</td>" in page
    assert "<th>loan provision ratio</th><td>0.012500</td>" in page
    assert "<th>ECL allowance</th><td>0.00</td>" in page
