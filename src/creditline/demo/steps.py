"""The demo build, one function per step: database, model, portfolio, report, securitisation.

Each step returns a small JSON-able summary that goes into the manifest, so a second run shows
the same lines without doing the work again. Steps that depend on the book being big enough
(the report needs snapshots, a deal needs eligible loans) are skipped with the command's own
reason rather than failing the demo.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from creditline.demo.commands import CommandRefused, creditline, creditline_json, shown
from creditline.demo.layout import MANIFEST_VERSION, DemoLayout, DemoOptions


class Tracker:
    """What a step reports while it runs: a named stage, or progress through a count."""

    def stage(self, name: str) -> None: ...

    def advance(self, done: int, total: int, label: str) -> None: ...


@dataclass
class Build:
    layout: DemoLayout
    options: DemoOptions
    engine: Engine
    manifest: dict[str, Any]


Step = Callable[[Build, Tracker], dict[str, Any]]
Work = Callable[[Tracker], dict[str, Any]]
Display = Callable[[str, Work], dict[str, Any]]  # runs one named step with its own progress and line


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_demo(layout: DemoLayout, options: DemoOptions, state: str, run_step: Display) -> dict[str, Any]:
    """Every step, run under `run_step`, into a new manifest; `state` is what `layout.plan` said."""
    from creditline.store import make_engine

    assert state in ("new", "rebuild"), "a reused build is not built"
    if state == "rebuild":
        layout.clear()
    manifest = {"version": MANIFEST_VERSION, "db": str(layout.db), "build": options.build, "status": "building",
                "started_at": now_text(), "steps": {}}  # fmt: skip
    layout.write_manifest(manifest)
    engine = make_engine(layout.url)
    try:
        build = Build(layout, options, engine, manifest)
        for name, step in STEPS:
            started = time.perf_counter()
            summary = run_step(name, lambda tracker, step=step: step(build, tracker))
            manifest["steps"][name] = summary | {"seconds": round(time.perf_counter() - started, 1)}
            layout.write_manifest(manifest)
    finally:
        engine.dispose()
    manifest |= {"status": "complete", "finished_at": now_text()}
    layout.write_manifest(manifest)
    return manifest


def migrate(layout: DemoLayout) -> str:
    """A reused database is brought to the current schema (the code may be newer than the build)."""
    from creditline.store import make_engine, upgrade

    engine = make_engine(layout.url)
    try:
        return str(upgrade(engine))
    finally:
        engine.dispose()


def database_step(build: Build, tracker: Tracker) -> dict[str, Any]:
    from creditline.store import upgrade

    tracker.stage("migrations")
    # Only the schema: the simulator sets the first business date itself and refuses a database that has one.
    return {"revision": str(upgrade(build.engine)), "path": str(build.layout.db)}


def model_step(build: Build, tracker: Tracker) -> dict[str, Any]:
    from creditline.demo.model import train_demo_model, training_rows, write_population

    layout, options = build.layout, build.options
    rows = training_rows(options.borrowers)
    tracker.stage("population")
    write_population(layout.population_csv, rows, options.seed)
    summary = train_demo_model(layout.population_csv, layout.model_dir, layout.model_report, options.seed,
                               tracker.stage)  # fmt: skip
    return {
        "model_id": summary["model_id"], "rows": summary["rows"], "bad_rate": summary["bad_rate"],
        "champion": summary["champion"], "test": summary["test"]["champion"], "shipped": summary["shipped"],
        "report": summary["report"], "command": shown("model", "train", "--data", str(layout.population_csv),
                                                      "--target", "bad", "--positive", "1", "--out", "DIR"),
    }  # fmt: skip


def portfolio_step(build: Build, tracker: Tracker) -> dict[str, Any]:
    from creditline.simulation import SimulationConfig, simulate

    options = build.options
    config = SimulationConfig(borrowers=options.borrowers, months=options.months, seed=options.seed)
    report = simulate(build.engine, config, progress=lambda done, total: tracker.advance(done, total, "days"))
    return report | {"command": shown("simulate", "--borrowers", str(options.borrowers), "--months",
                                      str(options.months), "--seed", str(options.seed))}  # fmt: skip


def report_step(build: Build, tracker: Tracker) -> dict[str, Any]:
    from creditline.demo.treasury import illustrative_balance_sheet

    layout = build.layout
    as_of = build.manifest["steps"]["portfolio"]["last_eod"]["run_date"]
    tracker.stage("balance sheet")
    drawn_minor, currency = drawn_principal(build.engine, date.fromisoformat(as_of))
    layout.balance_sheet.write_text(json.dumps(illustrative_balance_sheet(drawn_minor, currency), indent=1))
    args = ("report", "portfolio", "--as-of", as_of, "--db", layout.url, "--out", str(layout.report_dir),
            "--balance-sheet", str(layout.balance_sheet))  # fmt: skip
    tracker.stage("report portfolio")
    try:
        report = creditline_json(*args)
    except CommandRefused as refused:
        return {"skipped": refused.message, "as_of": as_of}
    return {"as_of": as_of, "html": str(layout.report_dir / f"portfolio-{as_of}.html"), "command": shown(*args),
            **{k: report[k] for k in ("currency", "loans_on_book", "npl", "provisions", "ecl", "capital",
                                      "liquidity", "default_rate_12m")}}  # fmt: skip


def drawn_principal(engine: Engine, as_of: date) -> tuple[int, str]:
    import polars as pl

    from creditline.app.eod_reports import portfolio_snapshots

    day = portfolio_snapshots(engine, as_of).filter(pl.col("as_of") == as_of)
    currencies = day.get_column("currency").unique().to_list() or ["CNY"]
    return int(day.get_column("principal_minor").sum()), str(currencies[0])


def abs_step(build: Build, tracker: Tracker) -> dict[str, Any]:
    import polars as pl

    from creditline.demo.deal import SCENARIO_YAML, deal_yaml
    from creditline.demo.tape import platform_tape

    layout = build.layout
    if "skipped" in build.manifest["steps"]["report"]:
        return {"skipped": "no portfolio report, so no snapshot to cut the tape from"}
    as_of = build.manifest["steps"]["portfolio"]["last_eod"]["run_date"]
    tracker.stage("loan tape")
    columns = platform_tape(build.engine, date.fromisoformat(as_of))
    if not columns["loan_id"]:
        return {"skipped": "no loan has principal outstanding at the cut-off date"}
    layout.abs_dir.mkdir(parents=True, exist_ok=True)
    tape, deal, scenario = (layout.abs_dir / name for name in ("tape.csv", "deal.yaml", "scenario.yaml"))
    pl.DataFrame(columns).write_csv(tape)
    principal_minor = sum(int(p) for p in columns["outstanding_principal_minor"])
    deal.write_text(
        deal_yaml(
            date.fromisoformat(as_of), principal_minor, columns["currency"][0], len(columns["loan_id"])
        ),
        encoding="utf-8",
    )
    scenario.write_text(SCENARIO_YAML, encoding="utf-8")
    inputs = ("--tape", str(tape), "--deal", str(deal), "--scenario", str(scenario))
    try:
        tracker.stage("abs run")
        summary = creditline_json("abs", "run", *inputs)
        tracker.stage("abs report")
        creditline("abs", "report", *inputs, "--out", str(layout.abs_dir / "report"))
    except CommandRefused as refused:
        return {"skipped": refused.message, "tape_loans": len(columns["loan_id"])}
    return {"tape_loans": len(columns["loan_id"]), "pool": _pool(summary["pool"]), "tranches": summary["run"]["tranches"],
            "name": summary["structure"]["name"], "html": str(layout.abs_dir / "report" / "report.html"),
            "command": shown("abs", "run", *inputs)}  # fmt: skip


def _pool(pool: dict[str, Any]) -> dict[str, Any]:
    return {k: pool[k] for k in ("currency", "source_loans", "selected_loans", "selected_principal_minor")}


STEPS: tuple[tuple[str, Step], ...] = (
    ("database", database_step),
    ("model", model_step),
    ("portfolio", portfolio_step),
    ("report", report_step),
    ("abs", abs_step),
)
