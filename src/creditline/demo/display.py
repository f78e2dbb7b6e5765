"""What `creditline demo` shows: a progress bar per step, one line per finished step, then the
accounts and the addresses to open.

Everything goes to stdout through rich: on a terminal the bars animate and vanish when a step
ends, leaving its line; piped (or under `make` in CI) only the lines are printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape

from creditline.demo.accounts import DemoOperator
from creditline.demo.steps import Tracker

TITLES = {
    "database": "Database",
    "model": "PD model",
    "portfolio": "Portfolio",
    "report": "Report",
    "abs": "ABS deal",
}


class BarTracker(Tracker):
    def __init__(self, progress: Any, task: Any, stages: int) -> None:
        self.progress, self.task, self.stages, self.seen = progress, task, stages, 0

    def stage(self, name: str) -> None:
        self.seen += 1
        self.progress.update(self.task, description=name, completed=self.seen - 1, total=self.stages)

    def advance(self, done: int, total: int, label: str) -> None:
        self.progress.update(
            self.task, description=f"{label} {done:,}/{total:,}", completed=done, total=total
        )


class Screen:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def print(self, text: str = "") -> None:
        self.console.print(text, soft_wrap=True)

    def header(self, db: str, state: str) -> None:
        what = {"new": "building a new demo", "rebuild": "building the demo again",
                "reuse": "reusing the demo built earlier (--fresh builds it again)"}[state]  # fmt: skip
        self.print(f"[bold]creditline demo[/bold] — {what}")
        self.print(f"  database {escape(db)}")

    def run_step(self, name: str, work: Callable[[Tracker], dict[str, Any]]) -> dict[str, Any]:
        """Run one step under its own progress bar, then print its line."""
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        from creditline.demo.model import stage_count

        progress = Progress(
            SpinnerColumn(), TextColumn(f"{TITLES[name]:<10}"), BarColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), console=self.console, transient=True, disable=not self.console.is_terminal,
        )  # fmt: skip
        started = time.perf_counter()
        with progress:
            task = progress.add_task("", total=None)
            summary = work(BarTracker(progress, task, stage_count() if name == "model" else 3))
        self.step_line(name, summary | {"seconds": round(time.perf_counter() - started, 1)})
        return summary

    def step_line(self, name: str, summary: dict[str, Any], *, reused: bool = False) -> None:
        from creditline.demo.summaries import step_text

        mark = "[green]✓[/green]" if "skipped" not in summary else "[yellow]–[/yellow]"
        took = "reused" if reused else f"{summary.get('seconds', 0):.1f} s"
        lines = step_text(name, summary)
        self.print(f"{mark} [bold]{TITLES[name]:<10}[/bold] {escape(lines[0])}  [dim]({took})[/dim]")
        for line in lines[1:]:
            self.print(f"  {'':<10} {escape(line)}")

    def accounts(self, operators: list[DemoOperator], origin: str) -> None:
        # Plain lines, not a table: a code must never be cut to fit a narrow terminal.
        self.print(f"[bold]Operators[/bold]: enter a code at {origin}/console/sign-in under \"First time here?\" "
                   "and create your passkey (each code works once, for 7 days):")  # fmt: skip
        for operator in operators:
            code = operator.enrollment_code or "(enrolled: sign in with your passkey)"
            self.print(f"  {operator.role:<18} {operator.name:<23} {code}")
