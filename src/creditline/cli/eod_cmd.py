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
        """End of day: accrue and age every loan up to the date, post the accruals, advance the business date."""
        from creditline.app import run_eod

        target = parse_date(on, "date")
        assert target is not None
        runs = run_eod(engine_for(db_url), target, catch_up=catch_up)
        last = runs[-1]
        text = "\n".join(
            f"eod {r['run_date']}: {r['loans_accrued']} loans accrued, interest {r['interest']}, "
            f"penalty {r['penalty']}, {r['loans_overdue']} overdue" + (" (already run)" if r.get("replayed") else "")
            for r in runs
        )
        emit({"runs": runs, "business_date": last["run_date"]}, as_json, text)
