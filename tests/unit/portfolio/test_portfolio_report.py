"""The report object: consistent totals across sections, honest gaps, and its own input checks."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from portfolio_factories import row

from creditline.money import currency
from creditline.portfolio import snapshot
from creditline.portfolio.balance_sheet import parse_balance_sheet
from creditline.portfolio.errors import InvalidAssumption, InvalidSnapshot, SnapshotNotFound
from creditline.portfolio.ratio import shown
from creditline.portfolio.report import ReportOptions, build_report
from creditline.portfolio.synthetic import synthetic_snapshots


@pytest.fixture(scope="module")
def book() -> pl.DataFrame:
    return snapshot.validate(synthetic_snapshots(loans=1_500, months=20, seed=5))


def test_sections_agree_with_each_other(book):
    as_of = book.get_column("as_of").max()
    report = build_report(book, as_of, ReportOptions(lgd=Decimal("0.5")))
    s = report.summary
    day = book.filter(pl.col("as_of") == as_of)
    on_book = day.filter(snapshot.on_book_expr())
    assert s["loans_on_book"] == on_book.height
    assert s["npl"]["loans_principal_minor"] == on_book.get_column("principal_minor").sum()
    assert s["provisions"]["allowance_minor"] == s["ecl"]["allowance_minor"]
    assert sum(r["exposures"] for r in s["ecl"]["by_stage"]) == on_book.height
    assert sum(r["loans"] for r in s["tiers"]["rows"]) == on_book.height
    coverage = Decimal(s["provisions"]["coverage_ratio"])
    exact = Decimal(s["ecl"]["allowance_minor"]) / Decimal(s["npl"]["npl_principal_minor"])
    assert abs(coverage - exact) < Decimal("1e-8")
    document = json.loads(report.to_json())  # the summary, and beside it the tables the CSVs hold too
    assert {key: document[key] for key in s} == json.loads(json.dumps(s, default=str))
    assert set(document) - set(s) == {"vintage", "roll_rates", "transition_matrix"}
    assert report.csv("ecl_by_stage").splitlines()[0] == "stage,exposures,ecl_minor,ead_minor"


def test_a_single_snapshot_reports_what_it_can_and_says_why_not_the_rest():
    frame = snapshot.from_rows([row(), row(loan_id="L2", days_past_due=100, status="overdue", stage=3)])
    report = build_report(frame, date(2024, 6, 30), ReportOptions())
    s = report.summary
    assert s["default_rate_12m"] == {"available": False, "reason": "the 12-month default rate needs the snapshot "
                                     "of 2023-06-30: no snapshot for 2023-06-30 (snapshots cover 2024-06-30 to "
                                     "2024-06-30)"}
    assert s["provision_matrix"]["available"] is False
    assert s["provision_matrix"]["reason"] == "no balance observed rolling out of M0, M4"  # the buckets with a balance
    assert s["npl"]["npl_ratio"] == "0.50000000"
    assert s["ecl"]["allowance_minor"] == 878 + 45_000
    assert "Not available" in report.to_html()


def test_the_html_names_no_column_minor_units_where_it_shows_major_ones(book):
    report = build_report(book, book.get_column("as_of").max(), ReportOptions(lgd=Decimal("0.5")))
    page = report.to_html()
    assert "_minor</th>" not in page  # the CSV and JSON keep `_minor`: they hold minor units
    assert "<th>ecl</th>" in page and "<th>ead</th>" in page  # ecl_by_stage's money columns, in major units
    assert report.csv("ecl_by_stage").splitlines()[0] == "stage,exposures,ecl_minor,ead_minor"


def test_ratios_are_shown_with_eight_decimals_never_in_exponent_notation():
    frame = snapshot.from_rows([row(principal_minor=100_000_000_000, lgd=0.0),
                                row(loan_id="L2", principal_minor=12, days_past_due=100, status="overdue", stage=3)])
    report = build_report(frame, date(2024, 6, 30), ReportOptions())
    assert report.summary["npl"]["npl_ratio"] == "0.00000000"  # 12 of 100,000,000,012: below display
    performing = build_report(snapshot.from_rows([row()]), date(2024, 6, 30), ReportOptions())
    assert performing.summary["npl"]["npl_ratio"] == "0.00000000"  # no NPL at all
    assert "0.00000000" in performing.to_html() and "E-" not in performing.to_html().split("<img")[0]
    assert shown(Decimal(12) / Decimal(10**8)) == "0.00000012"


def test_the_report_refuses_a_missing_date_mixed_currencies_and_a_foreign_balance_sheet(book):
    with pytest.raises(SnapshotNotFound):
        build_report(book, date(2030, 1, 31))
    mixed = snapshot.from_rows([row(), row(loan_id="L2", currency="USD")])
    with pytest.raises(InvalidSnapshot):
        build_report(mixed, date(2024, 6, 30))
    sheet = parse_balance_sheet({"currency": "USD", "capital": {"cet1": "1"}})
    with pytest.raises(InvalidAssumption) as info:
        build_report(snapshot.from_rows([row()]), date(2024, 6, 30), ReportOptions(balance_sheet=sheet))
    assert info.value.field == "balance_sheet"


@pytest.mark.parametrize("field", ["transition_months", "workout_months"])
def test_windows_are_bounded(field):
    with pytest.raises(InvalidAssumption) as info:
        ReportOptions(**{field: 0})
    assert info.value.field == field


def test_the_markov_report_needs_every_performing_bucket_observed():
    frame = snapshot.from_rows([row(), row(as_of=date(2024, 7, 31))])
    from creditline.portfolio.ecl import PdMethod
    from creditline.portfolio.errors import InsufficientHistory

    with pytest.raises(InsufficientHistory) as info:
        build_report(frame, date(2024, 7, 31), ReportOptions(pd_method=PdMethod.MARKOV))
    assert info.value.field == "pd_method"


def test_undrawn_line_rows_are_exposures_but_not_loans():
    line = row(loan_id="line:X", borrower_id="B2", disbursed_minor=0, principal_minor=0, undrawn_minor=100_000)
    report = build_report(snapshot.from_rows([row(), line]), date(2024, 6, 30), ReportOptions())
    s = report.summary
    assert s["loans_on_book"] == 1
    assert sum(r["exposures"] for r in s["ecl"]["by_stage"]) == 2
    assert s["ecl"]["allowance_minor"] == 878 + 439  # EAD 1,000.00 drawn; 0.5 × 1,000.00 undrawn on the line
    exposures = s["capital"]["qualifying_retail_exposure_minor"] + s["capital"]["other_retail_exposure_minor"]
    assert exposures == 100_000 + 10_000  # the line's undrawn 1,000.00 at the capital CCF of 10%
    assert s["capital"]["qualifying_retail_exposure_minor"] == 0  # two borrowers: neither is 0.2% of the book


def test_a_book_in_two_currencies_is_reported_one_currency_at_a_time():
    # EOD books loans of every currency into one snapshot table: the report takes one of them.
    mixed = snapshot.from_rows([row(), row(loan_id="L2", borrower_id="B2", currency="USD", principal_minor=50_000,
                                           days_past_due=100, status="overdue", stage=3)])
    with pytest.raises(InvalidSnapshot) as info:
        build_report(mixed, date(2024, 6, 30))
    assert info.value.field == "currency" and "CNY, USD" in info.value.message
    usd = build_report(mixed, date(2024, 6, 30), ReportOptions(currency=currency("USD")))
    assert usd.summary["currency"] == "USD" and usd.summary["loans_on_book"] == 1
    assert usd.summary["ecl"]["allowance_minor"] == 22_500  # stage 3: 500.00 × LGD 45%
    assert usd.summary["npl"]["npl_principal_minor"] == usd.summary["npl"]["loans_principal_minor"] == 50_000
    cny = build_report(mixed, date(2024, 6, 30), ReportOptions(currency=currency("CNY")))
    assert cny.summary["ecl"]["allowance_minor"] == 878 and cny.summary["npl"]["npl_principal_minor"] == 0
    with pytest.raises(InvalidAssumption) as info:
        build_report(mixed, date(2024, 6, 30), ReportOptions(currency=currency("EUR")))
    assert info.value.field == "currency" and "no loans in EUR" in info.value.message


def _aged(loan_id: str, days_by_month: list[int | str]) -> list:
    """A loan's month-end rows from January 2024: days past due, or "charged_off"."""
    ends = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    rows = []
    for day, days in zip(ends, days_by_month, strict=True):
        if days == "charged_off":
            rows.append(row(as_of=day, loan_id=loan_id, status="charged_off", days_past_due=181, stage=3))
        else:
            rows.append(row(as_of=day, loan_id=loan_id, days_past_due=days, status="overdue" if days else "active",
                            stage=3 if days > 90 else 2 if days > 30 else 1))
    return rows


def test_the_provision_matrix_ends_at_a_charge_off_that_comes_before_m7():
    # Loans are charged off at 180 days past due (the shipped products do), so none is ever in M7:
    # M6's balance goes straight to loss, and M7's rate is needed by no bucket. A charged-off loan is
    # still on book until written off, and the matrix takes its balance in full (C's 1,000.00).
    frame = snapshot.from_rows([
        *_aged("A", [0, 0, 0, 0]), *_aged("B", [0, 15, 45, 75]), *_aged("C", [100, 130, 160, "charged_off"]),
        *_aged("D", [75, 105, 135, 165]), *_aged("E", [15, 0, 0, 0]),
    ])
    report = build_report(frame, date(2024, 4, 30), ReportOptions())
    s = report.summary
    matrix = s["provision_matrix"]
    assert matrix["available"] is True, matrix
    rates = {r["name"]: r["loss_rate"] for r in matrix["rows"]}
    # M0: 1 of 6 loan-months rolls to M1; M1: 1 of 2 rolls on (E cured), then every bucket rolls to loss.
    assert rates == {"M0": "0.08333333", "M1": "0.50000000", "M2": "1.00000000", "M3": "1.00000000",
                     "M4": "1.00000000", "M5": "1.00000000", "M6": "1.00000000", "M7": None,
                     "charged_off": "1.00000000"}
    allowances = {r["name"]: r["allowance_minor"] for r in matrix["rows"]}
    assert allowances == {"M0": 16_667, "M1": 0, "M2": 0, "M3": 100_000, "M4": 0, "M5": 0, "M6": 100_000, "M7": 0,
                          "charged_off": 100_000}
    assert matrix["allowance_minor"] == 316_667
    assert "<td>M7</td><td>0.00</td><td>—</td><td>0.00</td>" in report.to_html()  # an unknown rate, shown empty


def test_the_workout_lgd_is_a_ratio_shown_like_every_other(book):
    """It was the bare float (0.6512345678901234) among ratios written as Decimal text with 8 decimals."""
    from creditline.portfolio.lgd import workout_lgd

    as_of = book.get_column("as_of").max()
    workout = build_report(book, as_of, ReportOptions()).summary["lgd_workout"]
    expected = workout_lgd(book, as_of).lgd
    assert expected is not None and workout["defaults"] > 0
    assert workout["lgd"] == shown(Decimal(repr(expected))) and len(workout["lgd"].split(".")[1]) == 8
    assert json.loads(build_report(book, as_of, ReportOptions()).to_json())["lgd_workout"]["lgd"] == workout["lgd"]
