"""The portfolio report as one self-contained HTML page, its plots embedded as PNG data.

matplotlib draws on `Figure` objects (not pyplot's global state) with the Agg canvas into memory,
so rendering is thread-safe and touches no file.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

import polars as pl

from creditline.money import Money

if TYPE_CHECKING:
    from creditline.portfolio.report import PortfolioReport

VINTAGES_PLOTTED_MAX = 12  # more lines than this is a tangle, not a chart


def render(report: PortfolioReport) -> str:
    summary = report.summary
    money = _formatter(report)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Portfolio report {html.escape(summary['as_of'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;"
        "text-align:right}th{background:#f3f3f3}img{max-width:100%}</style></head><body>",
        f"<h1>Portfolio report as of {html.escape(summary['as_of'])} ({html.escape(summary['currency'])})</h1>",
        _headline(summary, money),
        "<h2>Delinquency</h2>", _table(report.tables["buckets"], money), _table(report.tables["tiers"], money),
        _image(_bar_chart(report.tables["buckets"], "name", "drawn_minor", "Drawn balance by bucket")),
        "<h2>Vintage curves</h2>", _image(_vintage_chart(report.tables["vintage"])),
        "<h2>Roll rates</h2>", _image(_roll_chart(report.tables["roll_rates"])),
        "<h3>Transition matrix (pooled, by loans)</h3>", _table(report.tables["transition_matrix"], money),
        "<h2>Expected credit loss (IFRS 9)</h2>", _table(report.tables["ecl_by_stage"], money),
        "<h3>Provision matrix (simplified approach, for comparison)</h3>",
        _table(report.tables["provision_matrix"], money) if summary["provision_matrix"]["available"]
        else f"<p>Not available: {html.escape(summary['provision_matrix']['reason'])}</p>",
        "<h2>Provisions, capital and liquidity</h2>",
        _mapping("Provisions", summary["provisions"], money),
        _mapping("Capital", summary["capital"], money),
        _mapping("Liquidity", summary["liquidity"], money),
        "</body></html>",
    ]
    return "\n".join(parts)


def _formatter(report: PortfolioReport) -> Any:
    def money(minor: int) -> str:
        return Money(int(minor), report.currency).amount_str()

    return money


def _headline(summary: dict[str, Any], money: Any) -> str:
    default = summary["default_rate_12m"]
    rows = {
        "loans on book": summary["loans_on_book"],
        "NPL ratio": summary["npl"]["npl_ratio"],
        "12-month default rate (count)": default.get("by_count") if default["available"] else default["reason"],
        "ECL allowance": money(summary["ecl"]["allowance_minor"]),
        "provision coverage ratio": summary["provisions"]["coverage_ratio"],
        "loan provision ratio": summary["provisions"]["loan_provision_ratio"],
    }
    if "booked_allowance_minor" in summary["provisions"]:  # read from the database: what EOD booked that day
        booked = summary["provisions"]["booked_allowance_minor"]
        rows["allowance EOD booked"] = "no provision run that day" if booked is None else money(booked)
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_cell(k, v, money))}</td></tr>" for k, v in rows.items())
    return f"<table>{body}</table>"


def _cell(name: str, value: Any, money: Any) -> str:
    if value is None:  # a ratio over nothing, a rate never observed
        return "—"
    if name.endswith("_minor") and isinstance(value, int) and not isinstance(value, bool):
        return money(value)
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _label(name: str) -> str:
    """A column's heading: money columns are shown in major units (`_cell`), so not named `_minor`."""
    return name.removesuffix("_minor")


def _table(frame: pl.DataFrame, money: Any) -> str:
    head = "".join(f"<th>{html.escape(_label(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(c, v, money))}</td>" for c, v in row.items()) + "</tr>"
        for row in frame.iter_rows(named=True)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _mapping(title: str, values: dict[str, Any], money: Any) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(_label(k))}</th><td>{html.escape(_cell(k, v, money))}</td></tr>" for k, v in values.items()
    )
    return f"<h3>{html.escape(title)}</h3><table>{rows}</table>"


def _figure() -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=96)
    return figure, figure.add_subplot()


def _image(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"<img alt='chart' src='data:image/png;base64,{data}'>"


def _bar_chart(frame: pl.DataFrame, x: str, y: str, title: str) -> Any:
    figure, axes = _figure()
    axes.bar(frame.get_column(x).to_list(), frame.get_column(y).to_list())
    axes.set_title(f"{title} (minor units)")
    return figure


def _vintage_chart(curves: pl.DataFrame) -> Any:
    figure, axes = _figure()
    vintages = curves.get_column("vintage_month").unique().sort().tail(VINTAGES_PLOTTED_MAX).to_list()
    for vintage in vintages:
        curve = curves.filter(pl.col("vintage_month") == vintage)
        axes.plot(curve.get_column("mob").to_list(), curve.get_column("ever_90_rate_amount").to_list(),
                  label=vintage.strftime("%Y-%m"))
    axes.set_xlabel("months on book")
    axes.set_ylabel("ever 90+ (share of disbursed)")
    axes.set_title("Vintage curves")
    if vintages:
        axes.legend(fontsize="small", ncols=2)
    return figure


def _roll_chart(rolls: pl.DataFrame) -> Any:
    figure, axes = _figure()
    for bucket in rolls.get_column("bucket").unique().sort().to_list():
        line = rolls.filter(pl.col("bucket") == bucket).sort("month_end")
        axes.plot(line.get_column("month_end").to_list(), line.get_column("roll_rate_balance").to_list(),
                  label=f"{bucket}→worse")
    axes.set_ylabel("roll rate (by balance)")
    axes.set_title("Monthly roll rates")
    if not rolls.is_empty():
        axes.legend(fontsize="small", ncols=2)
    figure.autofmt_xdate()
    return figure
