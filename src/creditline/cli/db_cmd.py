"""`creditline db upgrade`: create or migrate the database and seed what the platform needs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="database URL (sqlite:///path or postgresql://...); default $CREDITLINE_DB or a file"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON on stdout")]
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An instant as the CLI writes it: the date as above, the time with colons, seconds and fraction optional.
INSTANT_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([+-][0-9]{2}:[0-9]{2}|Z)?")


def parse_date(text: str | None, field: str) -> date | None:
    """The one reader of the CLI's dates: YYYY-MM-DD only. `date.fromisoformat` also takes ISO 8601's
    basic form (20250402) and week dates (2025-W14-3), which a typo can turn into another real day."""
    from creditline.money import InvalidDate

    if text is None:
        return None
    cleaned = text.strip()
    try:
        if _DATE_TEXT.fullmatch(cleaned) is None:
            raise ValueError(cleaned)
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def engine_for(db_url: str | None, *, schema_required: bool = True):  # type: ignore[no-untyped-def]
    """The database engine, or one clear line when the database cannot be used (never a traceback)."""
    from sqlalchemy.exc import DBAPIError

    from creditline.errors import DomainError
    from creditline.store import make_engine
    from creditline.store.migrate import current_revision

    engine = make_engine(db_url)
    if schema_required and _missing_sqlite_file(engine):  # connecting would create an empty file
        raise DomainError(
            f"no database at {engine.url.database}; run `creditline db upgrade` first", field="db", code="database_empty"
        )
    try:
        revision = current_revision(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DomainError(f"cannot open the database: {reason}", field="db", code="database_unavailable") from None
    if schema_required and revision is None:
        raise DomainError(
            "the database has no schema yet; run `creditline db upgrade` first", field="db", code="database_empty"
        )
    return engine


def _missing_sqlite_file(engine) -> bool:  # type: ignore[no-untyped-def]
    from pathlib import Path

    name = engine.url.database if engine.dialect.name == "sqlite" else None
    return bool(name) and name != ":memory:" and not name.startswith("file:") and not Path(name).exists()


@contextmanager
def options_named(**options: str) -> Iterator[None]:
    """Name this command's own option in an error about a field it calls otherwise (`mode` is `--keep`)."""
    from creditline.errors import DomainError

    try:
        yield
    except DomainError as exc:
        if exc.field in options:
            exc.field = options[exc.field]
        raise


def emit(payload: dict, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(payload, indent=2, sort_keys=True) if as_json else text)


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Database schema and setup.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade(
        db_url: DbOption = None,
        business_date: Annotated[
            str | None,
            typer.Option(
                "--business-date",
                help="first business date (YYYY-MM-DD) of a new database; one already on another date refuses it",
            ),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Run the migrations, register the built-in products and set the first business date."""
        from creditline.app.setup import initialise

        engine = engine_for(db_url, schema_required=False)
        # The wall clock is read here, at the edge, once: a new database starts on today's date.
        first = parse_date(business_date, "business_date")
        result = initialise(engine, first or date.today(), date_asked=first is not None)
        emit(result, as_json, f"database at revision {result['revision']}, business date {result['business_date']}")
