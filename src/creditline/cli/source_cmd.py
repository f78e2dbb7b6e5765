"""`creditline source ...`: a borrower's repayment sources (add, list, priority, remove) and payday."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

BorrowerOption = Annotated[str, typer.Option("--borrower", help="borrower id")]
SourceOption = Annotated[
    str, typer.Option("--source-id", help="repayment source id (from `creditline source list`)")
]


def _engine(db_url: str | None):  # type: ignore[no-untyped-def]

    return engine_for(db_url)


def register(app: typer.Typer) -> None:
    source = typer.Typer(
        help="Repayment sources auto-debit asks in priority order, and paydays.", no_args_is_help=True
    )
    app.add_typer(source, name="source")

    @source.command("add")
    def add_cmd(
        borrower: BorrowerOption,
        account: Annotated[
            str, typer.Option("--account-number", help="account or wallet number (stored encrypted)")
        ],
        kind: Annotated[str, typer.Option("--kind", help="bank-account or wallet")] = "bank-account",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Link a source (screened like a change of repayment account); it is asked last until reordered."""
        from creditline.app.repayment_sources import AddSource, add_source

        view = add_source(_engine(db_url), AddSource(borrower, "operator-cli", account, kind))
        emit(
            view,
            as_json,
            f"{view['source_id']} {view['kind']} {view['account']}: priority {view['priority']}",
        )

    @source.command("list")
    def list_cmd(borrower: BorrowerOption, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """The borrower's active sources in priority order, masked (the read is logged)."""
        from creditline.app.repayment_sources import list_sources

        view = list_sources(_engine(db_url), borrower, "operator-cli")
        lines = [
            f"{s['priority']}. {s['source_id']} {s['kind']} {s['account'] or '(account on application)'}"
            + (" (account on file)" if s["on_file"] else "")
            for s in view["sources"]
        ]
        emit(view, as_json, "\n".join(lines))

    @source.command("priority")
    def priority_cmd(
        source_id: SourceOption,
        borrower: BorrowerOption,
        to: Annotated[int, typer.Option("--priority", help="new place in the order, 1 first")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Move one source to a place in the order; the others keep theirs around it."""
        from creditline.app.repayment_sources import move_source

        view = move_source(_engine(db_url), borrower, source_id, to)
        emit(view, as_json, "order: " + ", ".join(view["order"]))

    @source.command("remove")
    def remove_cmd(source_id: SourceOption, borrower: BorrowerOption, db_url: DbOption = None,
                   as_json: JsonOption = False) -> None:  # fmt: skip
        """Stop asking a source (kept on record as removed); the last one cannot be removed."""
        from creditline.app.repayment_sources import remove_source

        view = remove_source(_engine(db_url), borrower, source_id)
        emit(
            view,
            as_json,
            f"{view['source_id']} removed on {view['removed_on']}; order: {', '.join(view['order'])}",
        )

    @source.command("payday")
    def payday_cmd(
        borrower: BorrowerOption,
        day: Annotated[int, typer.Option("--payday", help="day of the month the borrower is paid (1-31)")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Record the borrower's stated payday: auto-debit times its first attempt inside grace by it."""
        from creditline.app.repayment_sources import state_payday

        view = state_payday(_engine(db_url), borrower, day)
        emit(view, as_json, f"{view['borrower_id']}: paid on day {view['payday']} ({view['basis']})")
