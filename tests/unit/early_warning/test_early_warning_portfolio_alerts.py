"""Portfolio-level early warning: roll rates and vintage losses above expectation, concentration.

Roll rates and vintage curves come from `creditline.portfolio` over snapshot frames built here, so
the alert is tested on the same figures the portfolio report shows.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from creditline.portfolio.roll_rates import roll_rates, transition_counts
from creditline.portfolio.vintage import vintage_curves
from creditline.servicing.early_warning import Kind, builtin_thresholds
from creditline.servicing.early_warning_portfolio import (
    concentration_alerts,
    roll_rate_alerts,
    vintage_alerts,
)

T = builtin_thresholds().portfolio  # M0 expected 3% + 50% = alert above 4.5%; at least 100 loans
ON = date(2025, 3, 1)
JAN, FEB = date(2025, 1, 31), date(2025, 2, 28)


def _snapshots(loans: int, rolled: int) -> pl.DataFrame:
    """`loans` current loans of 1,000.00 at the end of January; `rolled` of them 1-30 days late a month on."""
    rows = []
    for i in range(loans):
        late = i < rolled
        for as_of, days in ((JAN, 0), (FEB, 20 if late else 0)):
            rows.append({"as_of": as_of, "loan_id": f"L{i}", "vintage_month": date(2025, 1, 1), "disbursed_minor": 100_000,
                         "principal_minor": 100_000, "status": "overdue" if days else "active", "days_past_due": days})
    return pl.DataFrame(rows, schema={"as_of": pl.Date, "loan_id": pl.String, "vintage_month": pl.Date,
                                      "disbursed_minor": pl.Int64, "principal_minor": pl.Int64, "status": pl.String,
                                      "days_past_due": pl.Int32})  # fmt: skip


def _roll_alerts(loans: int, rolled: int) -> list:
    frame = _snapshots(loans, rolled)
    return roll_rate_alerts(roll_rates(transition_counts(frame, FEB)), ON, T, "CNY")


def test_a_roll_rate_above_expectation_raises_an_alert_and_at_it_does_not() -> None:
    assert _roll_alerts(200, 9) == []  # 4.5%: at the line
    (alert,) = _roll_alerts(200, 10)  # 5%
    assert (alert.kind, alert.subject, alert.scope) == (Kind.ROLL_RATE, "M0:2025-02-28:CNY", "portfolio")
    assert alert.details["rolled_principal_minor"] == 1_000_000 and alert.details["principal_minor"] == 20_000_000
    assert "rolled 5.00% of its CNY balance" in alert.message and alert.details["currency"] == "CNY"


def test_a_small_bucket_is_noise() -> None:
    assert _roll_alerts(99, 50) == []


def _curves(loans: int, bad: int, mob: int) -> pl.DataFrame:
    return pl.DataFrame({
        "vintage_month": [date(2024, 1, 1)], "mob": [mob], "loans": [loans], "disbursed_minor": [loans * 100_000],
        "ever_90_loans": [bad], "ever_90_disbursed_minor": [bad * 100_000], "dpd30_principal_minor": [0],
    }, schema_overrides={"mob": pl.Int32})  # fmt: skip


def test_a_vintage_above_its_expected_curve_raises_an_alert() -> None:
    # MOB 6 expects 2%, alert above 2.5%: 3 bad of 100 is 3%.
    (alert,) = vintage_alerts(_curves(100, 3, 6), ON, T, "CNY")
    assert (alert.kind, alert.subject) == (Kind.VINTAGE_LOSS, "2024-01:mob6:CNY")
    assert vintage_alerts(_curves(200, 5, 6), ON, T, "CNY") == []  # exactly 2.5%
    assert vintage_alerts(_curves(99, 50, 6), ON, T, "CNY") == []  # too small to tell
    assert vintage_alerts(_curves(100, 50, 7), ON, T, "CNY") == []  # no checkpoint at MOB 7


def test_vintage_alerts_read_portfolio_vintage_curves() -> None:
    frame = _snapshots(150, 0).with_columns(
        pl.when(pl.col("loan_id").is_in(["L0", "L1"]) & (pl.col("as_of") == FEB)).then(95).otherwise(0).alias("days_past_due")
    )
    curves = vintage_curves(frame.with_columns(pl.col("days_past_due").cast(pl.Int32)), FEB)
    assert vintage_alerts(curves, ON, T, "CNY") == []  # MOB 1 is before the first checkpoint


def test_concentration_is_one_group_above_its_share_among_several() -> None:
    alerts = concentration_alerts({"product": {"a": 81, "b": 19}, "region": {"CN": 100}}, ON, T, "CNY")
    assert [(a.subject, a.details["principal_minor"]) for a in alerts] == [("product:a:CNY", 81)]
    assert "holds 81.00% of outstanding CNY principal" in alerts[0].message
    assert concentration_alerts({"product": {"a": 80, "b": 20}}, ON, T, "CNY") == []
    assert concentration_alerts({"partner": {"p1": 51, "p2": 49}}, ON, T, "USD")[0].subject == "partner:p1:USD"
    assert concentration_alerts({"unknown_dimension": {"x": 99, "y": 1}}, ON, T, "CNY") == []
