"""`creditline eod --date D [--catch-up]`."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date


def register(app: typer.Typer) -> None:
    @app.command("eod")
    def eod(
        on: Annotated[str, typer.Option("--date", help="the business date to close to (YYYY-MM-DD)")],
        catch_up: Annotated[
            bool, typer.Option("--catch-up", help="run every missing day up to --date, one after the other")
        ] = False,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """End of day: auto-debit, accrual and ageing, charge-off, tiers, provisions, snapshots, post-loan
        stages (docs/eod.md) for every day up to the date; the business date advances."""
        from creditline.app.eod_pipeline import run_pipeline
        from creditline.cli.simulate_cmd import ProgressBar

        target = parse_date(on, "date")
        assert target is not None
        engine = engine_for(db_url)
        with ProgressBar("eod") as advance:
            runs = run_pipeline(engine, target, catch_up=catch_up, progress=advance)
        last = runs[-1]
        text = "\n".join(
            f"eod {r['run_date']}: {r['loans_accrued']} loans accrued, interest {r['interest']}, "
            f"penalty {r['penalty']}, {r['loans_overdue']} overdue" + (" (already run)" if r.get("replayed") else "")
            + "".join(f"\n  {stage}: {message}" for stage, message in r.get("messages", {}).items()
                      if stage != "accrue" and not r.get("replayed"))
            for r in runs
        )
        emit({"runs": runs, "business_date": last["run_date"]}, as_json, text)
