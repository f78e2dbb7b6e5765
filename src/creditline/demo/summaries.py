"""The line (or two) each finished step prints, from the summary the manifest keeps.

Figures are the commands' own: the ratios are the report's Decimal text and the amounts its
integer minor units, formatted here for reading only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def step_text(name: str, summary: dict[str, Any]) -> list[str]:
    if "skipped" in summary:
        return [f"skipped: {summary['skipped']}"]
    return _TEXTS[name](summary)


def count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def percent(ratio: str | float | None, places: int = 2) -> str:
    if ratio is None:
        return "n/a"
    return f"{Decimal(str(ratio)) * 100:.{places}f}%"


def major(minor: int, currency: str) -> str:
    from creditline.funding.summaries import major as major_text

    return f"{major_text(minor, currency)} {currency}"


def _database(s: dict[str, Any]) -> list[str]:
    return [f"SQLite at schema revision {s['revision']}"]


def _model(s: dict[str, Any]) -> list[str]:
    test, shipped = s["test"], s["shipped"]
    return [
        f"{s['model_id']} trained on {s['rows']:,} simulated applicants ({s['bad_rate']:.1%} bad): test AUC "
        f"{test['auc']:.3f}, KS {test['ks']:.3f}, Brier {test['brier']:.3f} ({s['champion']})",
        f"applications are decided by the shipped model {shipped['model_id']} (AUC {shipped['auc']:.3f} on "
        f"{shipped['rows']:,} applicants of the same population); report: {s['report']}",
    ]


def _portfolio(s: dict[str, Any]) -> list[str]:
    decided = s["decisions"]
    return [
        f"{count(s['applications'], 'applicant')} over {count(s['months'], 'month')}: {decided.get('approve', 0):,} approved, "
        f"{decided.get('decline', 0):,} declined, {decided.get('refer', 0):,} referred for review",
        f"{count(s['loans'], 'loan')} drawn, {s['payoffs']:,} paid off early; end of day {count(s['eod_days'], 'time')}, "
        f"business date {s['business_date']}",
    ]


def _report(s: dict[str, Any]) -> list[str]:
    currency, capital, liquidity = s["currency"], s["capital"], s["liquidity"]
    ratios = []
    if capital.get("available"):
        ratios.append(f"CAR {percent(capital['car'])}, leverage {percent(capital['leverage_ratio'])}")
    if liquidity.get("available"):
        ratios.append(f"LCR {percent(liquidity['lcr'], 0)}")
    treasury = f"; {', '.join(ratios)} (illustrative treasury)" if ratios else ""
    return [
        f"as of {s['as_of']}: {count(s['loans_on_book'], 'loan')} on book, principal "
        f"{major(s['npl']['loans_principal_minor'], currency)}, NPL {percent(s['npl']['npl_ratio'])}, "
        f"ECL allowance {major(s['ecl']['allowance_minor'], currency)}{treasury}",
        f"report: {s['html']}",
    ]


def _abs(s: dict[str, Any]) -> list[str]:
    pool = s["pool"]
    tranches = ", ".join(_tranche(t) for t in s["tranches"])
    return [
        f"{s['name']}: {pool['selected_loans']:,} of {count(pool['source_loans'], 'loan')} sold to the trust, "
        f"{major(pool['selected_principal_minor'], pool['currency'])}; {tranches}",
        f"report: {s['html']}",
    ]


def _tranche(t: dict[str, Any]) -> str:
    wal = "-" if t["wal_years"] is None else f"{t['wal_years']:.2f}y"
    return f"{t['name']} WAL {wal}" + ("" if t["yield_annual"] is None else f" yield {t['yield_annual']:.2%}")


_TEXTS = {"database": _database, "model": _model, "portfolio": _portfolio, "report": _report, "abs": _abs}
