"""`creditline autodebit reconcile --date D`: the day's debit attempts against the bank's statement."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date

BREAKS_PRINTED_MAX = 20


def register(app: typer.Typer) -> None:
    autodebit = typer.Typer(help="Auto-debit: reconciliation with the bank.", no_args_is_help=True)
    app.add_typer(autodebit, name="autodebit")

    @autodebit.command("reconcile")
    def reconcile_cmd(
        on: Annotated[str, typer.Option("--date", help="business date of the attempts (YYYY-MM-DD)")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Match every attempt of the day to the simulated bank's statement line; list the breaks."""
        from creditline.app.debit_reconciliation import reconcile_debits
        from creditline.errors import DomainError
        from creditline.store import UnitOfWork

        day = parse_date(on, "date")
        assert day is not None
        engine = engine_for(db_url)
        with UnitOfWork(engine, read_only=True) as uow:
            today = uow.system.business_date()
        if today is not None and day > today:  # no attempt is made yet: "0 breaks" would vouch for nothing
            raise DomainError(f"{day} is after the business date {today}", field="date")
        report = reconcile_debits(engine, day)
        head = (f"{report['business_date']}: {report['attempts']} attempts, {report['statement_lines']} statement "
                f"lines, {report['breaks_total']} break(s)")  # fmt: skip
        lines = [f"  {b['kind']} {b['key']}: ours {b['ours']}; bank {b['theirs']}"
                 for b in report["breaks"][:BREAKS_PRINTED_MAX]]  # fmt: skip
        emit(report, as_json, "\n".join([head, *lines]))
        if report["breaks_total"]:
            raise typer.Exit(1)
