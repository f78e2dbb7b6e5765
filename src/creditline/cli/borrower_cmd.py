"""`creditline borrower erase|export`: a borrower's privacy requests, taken by an operator (docs/privacy.md)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date

BorrowerOption = Annotated[str, typer.Option("--borrower", help="borrower id")]
ACTOR = "operator-cli"
EXPORT_FILE_MODE = 0o600  # the export is the person's data in clear: readable by its owner only


def erasure_text(view: dict) -> str:
    if view["outcome"] == "erased":
        done = "was erased" if view["already"] else "erased"
        return (f"borrower {view['borrower_id']}: personal data {done} on {view['erased_on']} "
                f"({view['fields_erased']} field(s)); {view['reason']}")  # fmt: skip
    due = f"erasure due on {view['erase_on']}" if view["erase_on"] else "erasure due once obligations are settled"
    return f"borrower {view['borrower_id']}: restricted to legal duties, {due} ({view['reason']})"


def register(app: typer.Typer) -> None:
    borrower = typer.Typer(help="A borrower's privacy requests: erasure and export.", no_args_is_help=True)
    app.add_typer(borrower, name="borrower")

    @borrower.command("erase")
    def erase_cmd(
        borrower_id: BorrowerOption,
        on: Annotated[
            str | None, typer.Option("--date", help="the day the request was made (YYYY-MM-DD); default the business date")
        ] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Answer an erasure request: erased now if the retention period has passed, else restricted until it has."""
        from creditline.app.subject_rights import RequestErasure, request_erasure

        command = RequestErasure(borrower_id, ACTOR, parse_date(on, "date"))
        view = request_erasure(engine_for(db_url), command)
        emit(view, as_json, erasure_text(view))

    @borrower.command("export")
    def export_cmd(
        borrower_id: BorrowerOption,
        out: Annotated[Path | None, typer.Option("--out", help="write the JSON here (owner-only); default stdout")] = None,
        db_url: DbOption = None,
    ) -> None:
        """A copy of everything held of the borrower as one JSON document (the read is logged)."""
        from creditline.app.subject_rights import export_subject
        from creditline.errors import DomainError
        from creditline.privacy.subject_export import export_json

        engine = engine_for(db_url)
        if out is None:
            typer.echo(export_json(export_subject(engine, borrower_id, ACTOR)).decode("utf-8"))
            return
        existed = out.exists()
        try:  # the file first: a path that cannot be written refuses before the read is logged
            handle = os.open(out, os.O_WRONLY | os.O_CREAT, EXPORT_FILE_MODE)
        except OSError as exc:
            raise DomainError(f"cannot write {str(out)!r}: {exc.strerror}", field="out", code="out_unwritable") from None
        with os.fdopen(handle, "wb") as file:
            try:
                document = export_subject(engine, borrower_id, ACTOR)
            except BaseException:
                if not existed:  # refused: leave no empty file behind (an existing one is left as it was)
                    out.unlink()
                raise
            file.truncate(0)
            file.write(export_json(document))
        typer.echo(f"wrote the export of borrower {borrower_id} to {out}")
