"""`creditline alerts list|ack|resolve|check|signal`: the early-warning alerts of the operator console."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for
from creditline.ids import ROW_ID_MAX

Opt = typer.Option


def _engine(db_url: str | None) -> Any:
    return engine_for(db_url)


def _alert_text(alert: dict[str, Any]) -> str:
    return (f"#{alert['alert_id']}  {alert['raised_on']}  {alert['severity']:<6} {alert['status']:<12} "
            f"{alert['kind']} {alert['subject']}: {alert['message']}")  # fmt: skip


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Early-warning alerts: list, acknowledge, resolve.", no_args_is_help=True)
    app.add_typer(group, name="alerts")

    @group.command("list")
    def list_cmd(
        status: Annotated[str | None, Opt("--status", help="open (default), acknowledged, resolved or all")] = "open",
        scope: Annotated[str | None, Opt("--scope", help="loan or portfolio")] = None,
        kind: Annotated[str | None, Opt("--kind", help="e.g. first_payment_default, roll_rate")] = None,
        borrower: Annotated[str | None, Opt("--borrower", help="one borrower's alerts")] = None,
        limit: Annotated[int, Opt("--limit", help="at most this many, newest first")] = 100,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List alerts, newest first."""
        from creditline.app.alerts import list_alerts

        chosen = None if status == "all" else status
        view = list_alerts(_engine(db_url), status=chosen, scope=scope, kind=kind, borrower_id=borrower, limit=limit)
        emit(view, as_json, "\n".join(_alert_text(a) for a in view["alerts"]) or "no alerts")

    def move(action: str, summary: str) -> None:
        def command(
            alert: Annotated[int, typer.Argument(help="alert id", min=1, max=ROW_ID_MAX)],
            operator: Annotated[str, Opt("--operator", help="who is acting (operator id)")],
            note: Annotated[str | None, Opt("--note", help="why, at most 400 characters")] = None,
            db_url: DbOption = None,
            as_json: JsonOption = False,
        ) -> None:
            from creditline.app import alerts

            function = alerts.acknowledge_alert if action == "ack" else alerts.resolve_alert
            view = function(_engine(db_url), alert, operator, note)
            emit(view, as_json, _alert_text(view))

        command.__doc__ = summary
        group.command(action)(command)

    move("ack", "Acknowledge an open alert (someone is on it).")
    move("resolve", "Resolve an open or acknowledged alert.")

    @group.command("check")
    def check_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Run the early-warning checks on the business date now (end of day runs them too)."""
        from creditline.app.alerts import check_alerts_today

        view = check_alerts_today(_engine(db_url))
        emit(view, as_json, f"{view['alerts_raised']} alerts raised ({view['signals_found']} signals found)")

    @group.command("signal")
    def signal_cmd(
        borrower: Annotated[str, Opt("--borrower", help="borrower id")],
        kind: Annotated[str, Opt("--kind", help="e.g. account_takeover, device_change")],
        detail: Annotated[str, Opt("--detail", help="what was seen")],
        source: Annotated[str, Opt("--source", help="who reports it")] = "operator",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Report a fraud signal about a borrower; the next early-warning check raises its alert."""
        from creditline.app.alerts import FraudSignal, record_fraud_signal

        view = record_fraud_signal(_engine(db_url), FraudSignal(borrower, kind, detail, source))
        emit(view, as_json, f"signal {view['signal_id']} recorded for {view['borrower_id']}")
