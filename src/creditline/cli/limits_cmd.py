"""`creditline limits review --date D [--dry-run]` and `creditline limits history LINE`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for, parse_date


def _engine(db_url: str | None) -> Any:
    return engine_for(db_url)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Limit management: the periodic review of every line's limit.", no_args_is_help=True)
    app.add_typer(group, name="limits")

    @group.command("review")
    def review_cmd(
        on: Annotated[str, typer.Option("--date", help="the business date the review runs on (YYYY-MM-DD)")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="decide and show, change nothing")] = False,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Review the lines that are due: raise steady payers, lower or freeze on warning signs."""
        from creditline.app.limit_review import review_limits

        day = parse_date(on, "date")
        assert day is not None
        view = review_limits(_engine(db_url), day, dry_run=dry_run)
        actions = view["actions"]
        head = (f"{'dry run: ' if dry_run else ''}{view['lines_reviewed']} of {view['lines_due']} due lines reviewed "
                f"({view['policy']}): {actions['raise']} raised, {actions['lower']} lowered, {actions['freeze']} frozen, "
                f"{actions['keep']} kept")  # fmt: skip
        lines = [f"  {c['line_id']}: {c['action']} {c['old_limit']} -> {c['new_limit']} {c['currency']} "
                 f"(score {c['score']}; {'; '.join(r['code'] for r in c['reasons'])})" for c in view["changes"]]  # fmt: skip
        emit(view, as_json, "\n".join([head, *lines]))

    @group.command("history")
    def history_cmd(
        line: Annotated[str, typer.Argument(help="credit line id")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """A line's limit reviews, latest first, with their scores and reasons."""
        from creditline.app.limit_review import line_reviews

        view = line_reviews(_engine(db_url), line)
        lines = [f"{r['business_date']}  {r['action']:<6} score {r['score']}  "
                 f"{'; '.join(x['code'] for x in r['reasons'])}" for r in view["reviews"]]  # fmt: skip
        emit(view, as_json, "\n".join(lines) or "no reviews yet")
