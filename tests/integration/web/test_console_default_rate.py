"""The console's 12-month default rate in mid-month: the daily snapshot a year before the latest is
pruned (month ends are kept), so the dashboard shows the latest month end's figure, labelled with it."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
from test_console_pages import _ready, operator
from web_flows import found, make_site

pytestmark = pytest.mark.xdist_group("web-console_default_rate")


def test_mid_month_the_dashboard_shows_the_latest_month_ends_default_rate_with_its_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    from creditline.portfolio.report import ReportOptions, build_report
    from creditline.portfolio.synthetic import synthetic_snapshots
    from creditline.web.rendering import ratio

    month_ends = synthetic_snapshots(loans=1000, months=14, seed=3)  # 2023-01-31 … 2024-02-29
    today = month_ends.filter(pl.col("as_of") == date(2024, 2, 29)).with_columns(as_of=pl.lit(date(2024, 3, 15)))
    history = pl.concat([month_ends, today])
    history.write_parquet(tmp_path / "snapshots.parquet")
    saved = dict(os.environ)
    os.environ.update({"CREDITLINE_SNAPSHOTS": str(tmp_path / "snapshots.parquet"), "CREDITLINE_REPORT_LGD": "0.45"})
    try:
        app, engine = make_site(f"sqlite:///{tmp_path / 'console.sqlite'}")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        page = _ready(operator(app, engine, "finance"), "/console/", 'data-field="default-rate"')
    finally:
        engine.dispose()
    # `report portfolio --as-of 2024-03-15` has no start snapshot (2023-03-15); that of 2024-02-29 has
    february = build_report(history, date(2024, 2, 29), ReportOptions(lgd=Decimal("0.45"))).summary["default_rate_12m"]
    assert february["available"] and february["defaulted_loans"] > 0
    assert found(r'data-field="default-rate">([^<]+)<', page).strip() == ratio(february["by_balance"])
    assert found(r'data-field="default-rate-as-of">([^<]+)<', page) == "as of Feb 29, 2024"
