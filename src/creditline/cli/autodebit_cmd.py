"""`creditline autodebit reconcile --date D`: the day's debit attempts against the bank's statement, and
the debits the bank returned that day taken off the loans (each returned repayment reversed)."""

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
        """Match every attempt of the day to the simulated bank's statement line; reverse the repayment of every
        debit the bank returned that day (R01); list the reversals and the breaks."""
        from creditline.app.debit_reconciliation import reconcile_and_book_returns
        from creditline.errors import DomainError
        from creditline.money import Money
        from creditline.store import UnitOfWork

        day = parse_date(on, "date")
        assert day is not None
        engine = engine_for(db_url)
        with UnitOfWork(engine, read_only=True) as uow:
            today = uow.system.business_date()
        if today is not None and day > today:  # no attempt is made yet: "0 breaks" would vouch for nothing
            raise DomainError(f"{day} is after the business date {today}", field="date")
        report = reconcile_and_book_returns(engine, day)
        head = (f"{report['business_date']}: {report['attempts']} attempts, {report['statement_lines']} statement "
                f"lines, {len(report['returns'])} returned debit(s) reversed, {report['breaks_total']} break(s)")  # fmt: skip
        reversed_lines = [f"  returned {r['key']} ({r['reason']}): {Money.of_minor(r['returned_minor'], r['currency'])} "
                          f"reversed as {r['reversal_event_id']} on loan {r['loan_id']}, now {r['loan_status']}"
                          for r in report["returns"][:BREAKS_PRINTED_MAX]]  # fmt: skip
        lines = [f"  {b['kind']} {b['key']}: ours {b['ours']}; bank {b['theirs']}"
                 for b in report["breaks"][:BREAKS_PRINTED_MAX]]  # fmt: skip
        emit(report, as_json, "\n".join([head, *reversed_lines, *lines]))
        if report["breaks_total"]:
            raise typer.Exit(1)
