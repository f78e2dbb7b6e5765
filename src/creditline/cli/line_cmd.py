"""`creditline line open|show|freeze|unfreeze|close|change-limit`."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

ReasonOption = Annotated[str, typer.Option("--reason", help="why (recorded with the change)")]


def line_text(view: dict) -> str:
    return (
        f"line {view['line_id']} ({view['borrower_id']}, {view['product_id']}): {view['status']}, "
        f"limit {view['limit']} {view['currency']}, available {view['available']}, "
        f"outstanding {view['outstanding_principal']}, daily rate {view['daily_rate_pct']}%"
    )


def register(app: typer.Typer) -> None:
    line = typer.Typer(help="Credit lines: one per borrower and product.", no_args_is_help=True)
    app.add_typer(line, name="line")

    @line.command("open")
    def open_cmd(
        borrower: Annotated[str, typer.Option("--borrower", help="borrower id")],
        limit: Annotated[str, typer.Option("--limit", help="credit limit in major units, e.g. 20000")],
        daily_rate: Annotated[str, typer.Option("--daily-rate", help="daily rate in percent, e.g. 0.05")],
        product: Annotated[str, typer.Option("--product", help="product id")] = "revolving-consumer",
        line_id: Annotated[str | None, typer.Option("--line-id", help="choose the line id (default: generated)")] = None,
        reason: ReasonOption = "opened",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Open a credit line for a borrower on a product."""
        from creditline.app import OpenLine, open_line

        command = OpenLine(borrower, product, limit, daily_rate, reason, line_id)
        view = open_line(engine_for(db_url), command)
        emit(view, as_json, line_text(view))

    @line.command("show")
    def show_cmd(line_id: Annotated[str, typer.Argument(help="line id")], db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Show a credit line, its available limit and its loans."""
        from creditline.app import show_line

        view = show_line(engine_for(db_url), line_id)
        emit(view, as_json, line_text(view))

    def status_command(action: str, summary: str) -> None:
        def command(
            line_id: Annotated[str, typer.Argument(help="line id")],
            reason: ReasonOption = action,
            db_url: DbOption = None,
            as_json: JsonOption = False,
        ) -> None:
            from creditline.app import ChangeLineStatus, change_line_status

            view = change_line_status(engine_for(db_url), ChangeLineStatus(line_id, action, reason))
            emit(view, as_json, line_text(view))

        command.__doc__ = summary
        line.command(action)(command)

    status_command("freeze", "Freeze a line: no new drawdowns; repayments go on.")
    status_command("unfreeze", "Lift a freeze.")
    status_command("close", "Close a line for good: no more drawdowns; loans already drawn run their course.")

    @line.command("change-limit")
    def change_limit_cmd(
        line_id: Annotated[str, typer.Argument(help="line id")],
        limit: Annotated[str, typer.Option("--limit", help="new limit in major units")],
        reason: ReasonOption = "limit review",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Raise or lower a line's limit."""
        from creditline.app import ChangeLimit, change_limit

        view = change_limit(engine_for(db_url), ChangeLimit(line_id, limit, reason))
        emit(view, as_json, line_text(view))

    @line.command("temp-limit")
    def temp_limit_cmd(
        line_id: Annotated[str, typer.Argument(help="line id")],
        limit: Annotated[str | None, typer.Option("--limit", help="temporary limit in major units")] = None,
        until: Annotated[str | None, typer.Option("--until", help="last day it applies (YYYY-MM-DD)")] = None,
        remove: Annotated[bool, typer.Option("--remove", help="remove the temporary limit")] = False,
        reason: ReasonOption = "temporary limit",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set (or --remove) a temporary limit that applies through --until."""
        from creditline.app import SetTempLimit, set_temp_limit
        from creditline.cli.db_cmd import parse_date
        from creditline.lending.credit_line import InvalidLineChange

        if remove and (limit is not None or until is not None):
            raise InvalidLineChange("--remove takes no --limit or --until: remove the temporary limit, or set one", field="remove")
        command = SetTempLimit(line_id, None if remove else limit, None if remove else parse_date(until, "until"), reason)
        view = set_temp_limit(engine_for(db_url), command)
        emit(view, as_json, line_text(view))
