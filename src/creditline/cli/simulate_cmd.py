"""`creditline simulate --borrowers N --months M --seed S [--db URL]`: build the demo's portfolio.

Also home of the progress bar the long-running servicing commands share (`simulate`, `eod`): rich,
on stderr, drawn only on a terminal and cleared when done, so an error stays one line.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date


class ProgressBar:
    """`with ProgressBar("eod") as advance: advance(label, done, total)`; total 0 shows a spinner count."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.label = label
        self.progress = Progress(
            TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=True, disable=not console.is_terminal,
        )  # fmt: skip
        self.task: Any = None

    def __enter__(self) -> Any:
        self.progress.start()
        self.task = self.progress.add_task(self.label, total=None)

        def advance(step: str, done: int, total: int) -> None:
            self.progress.update(self.task, description=f"{self.label}: {step}", completed=done, total=total or None)

        return advance

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self.progress.stop()


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_command(
        borrowers: Annotated[int, typer.Option("--borrowers", help="applicants to simulate")],
        months: Annotated[int, typer.Option("--months", help="months of business to run, EOD every day")] = 12,
        seed: Annotated[int, typer.Option("--seed", help="seed of every random draw (same seed, same book)")] = 7,
        start: Annotated[str | None, typer.Option("--start", help="first business date (YYYY-MM-DD)")] = None,
        core_eod: Annotated[
            bool, typer.Option("--core-eod", help="run only the core EOD stages (no collections, reviews, alerts)")
        ] = False,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Simulate applicants, decisions, drawdowns, repayment behaviour and EOD into an empty database."""
        from datetime import date

        from creditline.app.eod_stages import CORE_STAGES
        from creditline.simulation import SimulationConfig, simulate

        first = parse_date(start, "start") or date(2025, 1, 1)
        config = SimulationConfig(borrowers, months, seed, first, CORE_STAGES if core_eod else None)
        engine = engine_for(db_url, schema_required=False)  # the simulation migrates an empty one
        with ProgressBar("simulate") as advance:
            report = simulate(engine, config, progress=lambda done, total: advance("days", done, total))
        emit(report, as_json, _text(report))


def _text(report: dict[str, Any]) -> str:
    decisions = report["decisions"]
    last = report["last_eod"]
    return "\n".join([
        f"simulated {report['applications']} applications over {report['eod_days']} days from {report['start']}: "
        f"{decisions.get('approve', 0)} approved, {decisions.get('decline', 0)} declined, "
        f"{decisions.get('refer', 0)} referred",
        f"{report['loans']} loans drawn, {report['payoffs']} paid off by hand; business date {report['business_date']}",
        f"last EOD: {last['loans_accrued']} loans accrued, {last['loans_overdue']} overdue",
        "seconds: " + ", ".join(f"{k} {v}" for k, v in report["seconds"].items()),
    ])  # fmt: skip
