"""The console's figures: which read model feeds each chart, and the background caches behind them.

Figures that scan the whole book are `Background` values, so a page never waits for them: the live
book and the loans past due (scans of the loans, recomputed when money moved, at most every 2 s), the model
monitoring (every 5 minutes) and the snapshot report (when EOD stores a new snapshot, or the
snapshot file given instead changes).
Each page says when its figure was computed. The snapshot report is one currency's: a background value per
currency asked for (`?currency=` on the dashboard and its charts), the book's main currency by default.
Only a currency the book holds (the main report's or the live book's) is reported: any other code is
refused naming `currency` (`CurrencyNotInBook`) and nothing is computed for it — each report is seconds
of CPU and is kept, and there are some 150 ISO 4217 codes to ask for.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine

from creditline.errors import DomainError
from creditline.web import charts
from creditline.web.caches import Background, Computed
from creditline.web.settings import WebSettings

REPORT_TTL_S = 3600.0
MONITORING_TTL_S = 300.0
LIVE_TTL_S = 60.0  # the live book: a grouped scan of every loan, a few hundred ms at 100,000 loans
LIVE_INTERVAL_S = 2.0  # after money moved, recompute at most this often
VINTAGES_CHARTED_MAX = 8
WAIT_FIRST_S = 0.15  # a page waits this long for a first value, then renders without it
WARM_WAIT_S = 600.0  # the start-up drawing waits for the figures this long at most


class CurrencyNotInBook(DomainError):
    code = "currency_not_in_book"


class Figures:
    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        from creditline.app import console_views

        self.engine = engine
        self.settings = settings
        self._reports: dict[str | None, Background] = {}  # by currency code asked for (None: the main one)
        self._reports_lock = threading.Lock()
        self.report = self.report_in(None)
        self.monitoring = Background("model-monitoring", lambda: console_views.model_monitoring(engine), MONITORING_TTL_S)
        self.live = Background("live-book", lambda: console_views.live_portfolio(engine), LIVE_TTL_S,
                               key=lambda: console_views.money_moved(engine), min_interval_s=LIVE_INTERVAL_S)
        self.past_due = Background("past-due", lambda: console_views.past_due(engine), LIVE_TTL_S,
                                   key=lambda: console_views.money_moved(engine), min_interval_s=LIVE_INTERVAL_S)
        self.warmed = threading.Event()  # set once start-up's charts are drawn (or there is nothing to warm)

    def report_in(self, code: str | None) -> Background:
        """The snapshot report of one currency's loans (`code` one the book holds, as `report_now` checks:
        at most one value each)."""
        from creditline.app import console_views

        path, sheet, lgd, engine = self.settings.snapshots, self.settings.balance_sheet, self.settings.lgd, self.engine
        main = self._reports.get(None)
        latest = None if code is None or main is None else main.get()
        if latest is not None and latest.value is not None and latest.value["currency"] == code:
            return main  # the main currency chosen by name (the page's chooser): the report already kept
        with self._reports_lock:
            found = self._reports.get(code)
            if found is not None:
                return found
            name = "portfolio-report" if code is None else f"portfolio-report-{code}"
            if path is not None:  # a snapshot file given explicitly wins over the database's history
                found = Background(name, lambda: console_views.snapshot_report(path, sheet, lgd, code), REPORT_TTL_S,
                                   key=lambda: _file_key(path, sheet))  # fmt: skip
            else:
                found = Background(name, lambda: console_views.database_snapshot_report(engine, sheet, lgd, code),
                                   REPORT_TTL_S, key=lambda: (console_views.latest_snapshot_date(engine), _file_key(sheet)))  # fmt: skip
            self._reports[code] = found
            return found

    def warm(self) -> bool:
        """In a console deployment (a snapshot file, or `creditline serve`'s CREDITLINE_WARM=1), start the
        slow figures and matplotlib at start-up, so the first visitor finds them ready; otherwise (an
        app built by a test) nothing runs until asked."""
        if self.settings.snapshots is None and not self.settings.warm:
            self.warmed.set()
            return False
        self.report.get()
        self.live.get()
        threading.Thread(target=self._prerender, name="web-charts-warm", daemon=True).start()
        return True

    def _prerender(self) -> None:
        """Draw every chart once its figure is ready, so no visitor waits for a first drawing."""
        try:
            charts.warm()
            self.report.get(wait_s=WARM_WAIT_S)
            self.live.get(wait_s=WARM_WAIT_S)
            for name in CHARTS:
                if name != "psi":  # model monitoring starts on the first visit to its page: computed at
                    self.chart(name)  # start-up, it would show the decisions of before start for 5 minutes
        finally:  # a chart that fails is drawn (and its failure shown) on request; readiness must not hang
            self.warmed.set()

    def report_now(self, wait_s: float = WAIT_FIRST_S, code: str | None = None) -> Computed | None:
        """One currency's report (`code`, or the main one); for a code, None until the book's currencies
        are known, and a currency the book does not hold is refused."""
        if code is not None:
            held = self.book_currencies()
            if held is None:
                return None
            if code not in held:
                raise CurrencyNotInBook(
                    f"the book holds loans in {', '.join(sorted(held)) or 'no currency'} only, not {code}", field="currency"
                )
        return self.report_in(code).get(wait_s)

    def book_currencies(self) -> set[str] | None:
        """The currencies of the book: the main report's and the live book's (None while neither is computed)."""
        report, live = self.report.get(), self.live.get()
        held = None
        if report is not None and report.value is not None:
            held = set(report.value["currencies"])
        if live is not None and live.value is not None:
            held = (held or set()) | {book["currency"] for book in live.value["currencies"]}
        return held

    def monitoring_now(self, wait_s: float = WAIT_FIRST_S) -> Computed | None:
        return self.monitoring.get(wait_s)

    def live_now(self, wait_s: float = WAIT_FIRST_S) -> Computed | None:
        return self.live.get(wait_s)

    def past_due_now(self, wait_s: float = WAIT_FIRST_S) -> Computed | None:
        return self.past_due.get(wait_s)

    def chart(self, name: str, code: str | None = None) -> bytes | None:
        """The SVG of a chart of one currency's book (`code`, or the main one), or None when its data does not
        exist (yet)."""
        source = CHARTS.get(name)
        if source is None:
            return None
        found = source(self, code)
        if found is None:
            return None
        draw, data = found
        return charts.svg_for(name, data, draw)


def _file_key(*paths: Any) -> Hashable:
    key = []
    for path in paths:
        try:
            stat = os.stat(path) if path is not None else None
        except OSError:
            stat = None
        key.append(None if stat is None else (str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


# -- what each chart shows ------------------------------------------------------------------------------


def live_book(live: dict[str, Any], code: str | None) -> dict[str, Any] | None:
    """One currency's live book (`app.portfolio_summary`): `code`'s, or the main currency's (most loans)."""
    books = {book["currency"]: book for book in live["currencies"]}
    if code is None and books:
        code = min(books, key=lambda c: (-books[c]["loans"], c))
    return books.get(code) if code is not None else None


def _live(figures: Figures, code: str | None) -> dict[str, Any] | None:
    computed = figures.live_now()
    if computed is None or computed.value is None:
        return None
    return live_book(computed.value, code)


def _balances(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    book = _live(figures, code)
    if book is None:
        return None
    buckets = book["principal_by_bucket"]
    return charts.bars, {"labels": list(buckets), "values": charts.as_fractions(buckets.values())}


def _statuses(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    book = _live(figures, code)
    if book is None:
        return None
    by_status = book["loans_by_status"]
    return charts.bars, {"labels": list(by_status), "values": list(by_status.values())}


def _report(figures: Figures, code: str | None) -> dict[str, Any] | None:
    computed = figures.report_now(wait_s=0, code=code)
    return None if computed is None or computed.value is None else computed.value


def _vintage(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    report = _report(figures, code)
    if report is None:
        return None
    rows = report["tables"]["vintage"]
    every = sorted({str(r["vintage_month"])[:7] for r in rows})
    # spread over the whole history: the oldest vintages have the longest curves
    step = max(1, -(-len(every) // VINTAGES_CHARTED_MAX))
    months = every[::step]
    series = []
    for month in months:
        points = sorted((r["mob"], r["dpd30_rate_amount"]) for r in rows if str(r["vintage_month"])[:7] == month)
        series.append([month, [p[0] for p in points], charts.as_fractions(p[1] for p in points)])

    def draw(axes: Any, data: dict) -> None:
        charts.lines(axes, data)
        charts.percent_axis(axes)

    return draw, {"series": series}


def _roll_rates(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    report = _report(figures, code)
    if report is None or not report["tables"]["roll_rates"]:
        return None
    rows = report["tables"]["roll_rates"]
    latest = max(str(r["month_end"]) for r in rows)
    shown = [r for r in rows if str(r["month_end"]) == latest]

    def draw(axes: Any, data: dict) -> None:
        charts.bars(axes, data)
        charts.percent_axis(axes)

    return draw, {"labels": [r["bucket"] for r in shown], "values": charts.as_fractions(r["roll_rate_balance"] for r in shown)}


def _ecl(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    report = _report(figures, code)
    if report is None:
        return None
    rows = report["tables"]["ecl_by_stage"]
    digits = report["summary"]["minor_digits"]
    return charts.grouped_bars, {
        "labels": [f"{r['stage']}" for r in rows],
        "series": [["ECL", [r["ecl_minor"] / 10**digits for r in rows]]],
    }


def _ratios(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    report = _report(figures, code)
    if report is None:
        return None
    summary = report["summary"]
    liquidity, capital = summary["liquidity"], summary["capital"]
    labels, values, minimums = [], [], []
    if liquidity.get("available") and liquidity.get("lcr") is not None:
        labels, values, minimums = ["LCR"], [liquidity["lcr"]], [1.0]
    if capital.get("available"):
        from creditline.portfolio import capital as rules

        for name, key, minimum in (("CAR", "car", rules.CAR_MIN_WITH_BUFFER), ("Tier 1", "tier1_ratio", rules.TIER1_MIN_WITH_BUFFER),
                                   ("CET1", "cet1_ratio", rules.CET1_MIN_WITH_BUFFER), ("Leverage", "leverage_ratio", rules.LEVERAGE_MIN)):
            if capital.get(key) is not None:
                labels.append(name)
                values.append(capital[key])
                minimums.append(minimum)
    if not labels:
        return None

    def draw(axes: Any, data: dict) -> None:
        charts.grouped_bars(axes, data)
        charts.percent_axis(axes)

    return draw, {"labels": labels, "series": [["ratio", charts.as_fractions(values)], ["minimum", charts.as_fractions(minimums)]]}


def _psi(figures: Figures, code: str | None) -> tuple[Callable, dict] | None:
    computed = figures.monitoring_now(wait_s=0)
    if computed is None or computed.value is None or not computed.value.get("features"):
        return None
    rows = computed.value["features"]
    return charts.bars, {
        "labels": [r["feature"] for r in rows], "values": charts.as_fractions(r["csi"] for r in rows),
        "reference": 0.1, "rotation": 75,
    }  # fmt: skip


CHARTS: dict[str, Callable[[Figures, str | None], tuple[Callable, dict] | None]] = {
    "balances": _balances,
    "statuses": _statuses,
    "vintage": _vintage,
    "roll-rates": _roll_rates,
    "ecl": _ecl,
    "ratios": _ratios,
    "psi": _psi,
}
