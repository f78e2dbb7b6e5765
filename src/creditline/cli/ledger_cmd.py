"""`creditline ledger trial-balance|reconcile`."""

from __future__ import annotations

from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for


def register(app: typer.Typer) -> None:
    ledger = typer.Typer(help="The general ledger.", no_args_is_help=True)
    app.add_typer(ledger, name="ledger")

    @ledger.command("trial-balance")
    def trial_balance_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Every account's debits and credits; exits 1 if they do not agree."""
        from creditline.app.books import balance_accounts_outside_chart, trial_balance_now
        from creditline.app.views import trial_balance_view

        engine = engine_for(db_url)
        unknown = balance_accounts_outside_chart(engine)
        if unknown:  # a row no trial balance line can be: the check fails, naming it
            emit({"balanced": False, "unknown_accounts": unknown}, as_json,
                 f"NOT BALANCED: running balances on accounts outside the chart: {', '.join(unknown)}")
            raise typer.Exit(1)
        tb = trial_balance_now(engine)
        payload = trial_balance_view(tb)
        lines = [f"{r['number']} {r['name']:<30} {r['currency']} {r['debit']:>16} {r['credit']:>16}" for r in payload["accounts"]]
        totals = [f"total {code}: debits {t['debit']} credits {t['credit']}" for code, t in payload["totals"].items()]
        emit(payload, as_json, "\n".join([*lines, *totals, "balanced" if tb.balanced else "NOT BALANCED"]))
        if not tb.balanced:
            raise typer.Exit(1)

    @ledger.command("reconcile")
    def reconcile_cmd(
        db_url: DbOption = None,
        deep: Annotated[
            bool, typer.Option("--deep", help="also replay every loan's events and compare with its stored state")
        ] = False,
        as_json: JsonOption = False,
    ) -> None:
        """Rebuild every loan from the journal and compare with its state; exits 1 on any difference."""
        from creditline.app.books import reconcile_books, snapshot_differences
        from creditline.app.views import reconcile_lines, reconcile_view

        engine = engine_for(db_url)
        report = reconcile_books(engine)
        payload = reconcile_view(report)
        replay_differences = snapshot_differences(engine) if deep else []
        payload["replay_differences"] = replay_differences
        clean = report.clean and not replay_differences
        payload["clean"] = clean
        text = f"{report.loans_checked} loans checked: " + ("clean" if clean else "DIFFERENCES FOUND")
        emit(payload, as_json, "\n".join([text, *reconcile_lines(payload), *(f"  {d}" for d in replay_differences)]))
        if not clean:
            raise typer.Exit(1)
