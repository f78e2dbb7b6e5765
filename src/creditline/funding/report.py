"""The deal report: one HTML page and its PNG charts, returned as bytes (the caller writes them).

Charts: tranche balances over time, the pool's collections by kind, and (with a Monte Carlo run)
each tranche's loss distribution.
"""

from __future__ import annotations

import html
import io
from typing import Any

import numpy as np

from creditline.funding.deal import DealRun
from creditline.funding.montecarlo import MonteCarloResult
from creditline.funding.summaries import major

CHART_DPI = 110


def render_report(
    run: DealRun,
    pool: dict[str, Any],
    structure: dict[str, Any],
    results: dict[str, Any],
    mc: MonteCarloResult | None,
) -> dict[str, bytes]:
    """{file name: content} for report.html and the charts it links."""
    files = {
        "tranche_balances.png": _balances_chart(run),
        "pool_collections.png": _collections_chart(run),
    }
    if mc is not None:
        files["loss_distributions.png"] = _loss_chart(mc)
    page = _page(run, pool, structure, results, mc, sorted(files))
    files["report.html"] = page.encode("utf-8")
    return files


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI, bbox_inches="tight")
    _figure().close(figure)
    return buffer.getvalue()


def _last_active(run: DealRun) -> int:
    """The last period with anything outstanding, so charts do not trail off into empty months."""
    outstanding = run.result.tranche_balance[0].sum(axis=0) + run.result.pool_balance[0]
    active = np.flatnonzero(outstanding)
    return int(active[-1]) + 1 if active.size else 1


def _balances_chart(run: DealRun) -> bytes:
    pyplot = _figure()
    result, structure = run.result, run.deal.structure
    scale = 10 ** _digits(structure.currency)
    end = min(_last_active(run), result.periods) + 1
    dates = result.dates[:end]
    figure, axes = pyplot.subplots(figsize=(8, 4))
    for k, tranche in enumerate(structure.tranches):
        axes.plot(dates, result.tranche_balance[0, k, :end] / scale, label=tranche.name)
    axes.plot(dates, result.pool_balance[0, :end] / scale, color="black", linestyle="--", label="pool")
    axes.set_title("Tranche balances over time")
    axes.set_ylabel(structure.currency)
    axes.legend()
    figure.autofmt_xdate()
    return _png(figure)


def _collections_chart(run: DealRun) -> bytes:
    pyplot = _figure()
    result = run.result
    scale = 10 ** _digits(run.deal.structure.currency)
    end = min(_last_active(run), result.periods) + 1
    periods = np.arange(1, end)
    parts = {
        "interest": result.interest_collected[0, 1:end],
        "scheduled principal": result.scheduled_collected[0, 1:end],
        "prepayments": result.prepaid_collected[0, 1:end],
        "recoveries": result.recoveries[0, 1:end],
        "clean-up call": result.call_proceeds[0, 1:end],
    }
    figure, axes = pyplot.subplots(figsize=(8, 4))
    bottom = np.zeros(periods.size)
    for label, values in parts.items():
        axes.bar(periods, values / scale, bottom=bottom, label=label)
        bottom += values / scale
    axes.plot(periods, result.defaults[0, 1:end] / scale, color="red", marker=".", label="defaults")
    axes.set_title("Pool collections by period")
    axes.set_xlabel("period")
    axes.legend()
    return _png(figure)


def _loss_chart(mc: MonteCarloResult) -> bytes:
    pyplot = _figure()
    count = len(mc.tranches) + 1
    figure, axes = pyplot.subplots(1, count, figsize=(3.2 * count, 3.2), squeeze=False)
    panels = [("pool net loss", mc.pool_loss_rate), *((d.name, d.losses) for d in mc.tranches)]
    for ax, (label, values) in zip(axes[0], panels, strict=True):
        ax.hist(values * 100, bins=50, color="steelblue")
        ax.set_title(label)
        ax.set_xlabel("loss, % of balance")
        ax.set_yscale("log")
    figure.suptitle(
        f"Loss distributions over {mc.settings.paths:,} scenarios (rho = {mc.settings.correlation})", y=1.04
    )
    return _png(figure)


def _digits(currency_code: str) -> int:
    from creditline.money import currency

    return currency(currency_code).minor_digits


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _page(
    run: DealRun,
    pool: dict[str, Any],
    structure: dict[str, Any],
    results: dict[str, Any],
    mc: MonteCarloResult | None,
    charts: list[str],
) -> str:
    code = structure["currency"]
    sections = [
        f"<h1>{html.escape(structure['name'])}</h1>",
        f"<p>Pool of {pool['selected_loans']:,} loans, {major(pool['selected_principal_minor'], code)} {code} "
        f"at the cut-off date {pool['cut_off_date']}; closing {structure['closing_date']}.</p>",
        "<h2>Eligibility</h2>",
        _table(["rule", "loans excluded", f"principal excluded ({code})"],
               [[e["rule"], e["loans"], major(e["principal_minor"], code)] for e in pool["exclusions"]]),
        "<h2>Pool by grade</h2>",
        _table(["grade", "loans", f"principal ({code})", "share", "WA rate", "WA term (months)", "WA PD"],
               [[s["label"], s["loans"], major(s["principal_minor"], code), _pct(s["share"]), _pct(s["wa_annual_rate"]),
                 f"{s['wa_remaining_term_months']:.1f}", _pct(s["wa_pd_annual"])]
                for s in [*pool["profile"]["by_grade"], pool["profile"]["total"]]]),
        "<h2>Capital structure</h2>",
        _table(["tranche", f"balance ({code})", "share", "credit enhancement", "coupon", "day count"],
               [[t["name"], major(t["balance_minor"], code), _pct(t["share"]), _pct(t["credit_enhancement"]),
                 _pct(float(t["coupon_rate"]), 3), t["day_count"]] for t in structure["tranches"]]),
        f"<p>Principal: {structure['principal_payment']}; sale price {pool['sale']['price']} of par; "
        f"gain on sale {major(pool['sale']['gain_on_sale_minor'], code)} {code}.</p>",
        "<h2>Assumptions</h2>",
        f"<pre>{html.escape(_assumption_text(results['assumptions']))}</pre>",
        "<h2>Tranche results</h2>",
        _table(["tranche", "WAL (years)", "yield", f"interest ({code})", f"principal ({code})", "loss", "break-even CDR",
                f"outstanding at the end ({code})"],
               [[t["name"], "—" if t["wal_years"] is None else f"{t['wal_years']:.2f}", _pct(t["yield_annual"]),
                 major(t["interest_paid_minor"], code), major(t["principal_paid_minor"], code), _pct(t["loss_rate"]),
                 _pct(t["break_even_cdr"]), major(t["balance_end_minor"], code)] for t in results["tranches"]]),
    ]  # fmt: skip
    if mc is not None:
        sections += ["<h2>Monte Carlo</h2>", _monte_carlo_table(mc)]
    sections += [f'<p><img src="{html.escape(name)}" alt="{html.escape(name)}"></p>' for name in charts]
    style = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(structure['name'])}</title><style>{style}</style></head><body>{''.join(sections)}</body></html>"


def _assumption_text(assumptions: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in assumptions.items() if value not in (None, {}, []))


def _monte_carlo_table(mc: MonteCarloResult) -> str:
    rows = [
        [
            d.name,
            _pct(d.expected_loss, 3),
            _pct(d.probability_of_loss),
            *(_pct(v) for v in d.percentiles.values()),
        ]
        for d in mc.tranches
    ]
    headers = ["tranche", "expected loss", "P(loss)", *(f"p{p:g}" for p in mc.tranches[0].percentiles)]
    return _table(headers, rows) + (
        f"<p>{mc.settings.paths:,} scenarios, one-factor Gaussian copula, rho = {mc.settings.correlation}; "
        f"mean pool default rate {_pct(float(mc.pool_default_rate.mean()))}.</p>"
    )
