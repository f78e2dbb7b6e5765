"""The console's portfolio figures for a book in two currencies: the risk and regulatory figures are one
currency's (a report never adds up money of two), the book's main currency unless `?currency=` picks
another; the charts follow the choice."""

from __future__ import annotations

import pytest
from test_console_pages import _ready, operator
from web_flows import found, make_console_site

pytestmark = pytest.mark.xdist_group("web-console_currencies")  # one module-scoped site per module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Snapshots of 600 CNY loans and 200 USD ones (the first 200 again, in dollars); a CNY balance sheet."""
    import polars as pl

    from creditline.portfolio.synthetic import synthetic_snapshots

    folder = tmp_path_factory.mktemp("currencies")
    cny = synthetic_snapshots(loans=600, months=15, seed=5)
    first = sorted(cny.get_column("loan_id").unique().to_list())[:200]
    usd = cny.filter(pl.col("loan_id").is_in(first)).with_columns(
        pl.lit("USD").alias("currency"), ("U" + pl.col("loan_id")).alias("loan_id"))  # fmt: skip
    app, engine = make_console_site(folder, pl.concat([cny, usd]))
    yield app, engine, {"CNY": cny.height, "USD": usd.height}
    engine.dispose()


def test_the_figures_are_the_main_currencys_unless_another_is_chosen(site) -> None:  # type: ignore[no-untyped-def]
    app, engine, rows = site
    finance = operator(app, engine, "finance")
    page = _ready(finance, "/console/", 'data-field="ecl"')  # it was the error: a report covers one currency
    assert 'data-field="ecl">CN¥' in page and "charts/ratios.svg" in page  # the balance sheet is in yuan
    assert '<option value="CNY" selected>' in page and '<option value="USD">' in page
    dollars = _ready(finance, "/console/?currency=usd", 'data-field="ecl"')
    assert 'data-field="ecl">$' in dollars and '<option value="USD" selected>' in dollars
    assert "charts/ratios.svg" not in dollars and "the balance sheet is in CNY" in dollars
    assert "/console/charts/vintage.svg?currency=USD" in dollars
    shown = [int(found(r"(\d+) snapshot rows over", text)) for text in (page, dollars)]
    assert shown == [rows["CNY"], rows["USD"]]
    for chart in ("vintage", "roll-rates", "ecl"):
        response = finance.get(f"/console/charts/{chart}.svg?currency=USD")
        assert response.status_code == 200 and response.content.startswith(b"<?xml"), chart
    unknown = finance.get("/console/?currency=XYZ", headers={"accept": "application/json"})
    assert (unknown.status_code, unknown.json()["field"], unknown.json()["code"]) == (422, "currency", "unknown_currency")



def test_a_currency_the_book_does_not_hold_is_refused_and_no_report_is_built(site) -> None:  # type: ignore[no-untyped-def]
    """Each `?currency=` kept a report of its own, seconds of CPU each, for any of ~150 ISO codes: only the
    book's currencies are reported now; another code is refused naming the field, and nothing is computed."""
    app, engine, _ = site
    finance = operator(app, engine, "finance")
    _ready(finance, "/console/", 'data-field="ecl"')
    figures = next(route.app for route in app.routes if getattr(route, "path", "") == "/console").state.figures
    kept = set(figures._reports)
    absent = finance.get("/console/?currency=EUR", headers={"accept": "application/json"})
    assert (absent.status_code, absent.json()["field"], absent.json()["code"]) == (422, "currency", "currency_not_in_book")
    assert "CNY, USD" in absent.json()["error"]
    page = finance.get("/console/?currency=EUR")
    assert page.status_code == 422 and 'data-code="currency_not_in_book"' in page.text
    chart = finance.get("/console/charts/vintage.svg?currency=JPY", headers={"accept": "application/json"})
    assert (chart.status_code, chart.json()["code"]) == (422, "currency_not_in_book")
    assert set(figures._reports) == kept and not {"EUR", "JPY"} & set(figures._reports)
