"""`creditline reliability check`: every invariant of the books, on a live database, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for

EXIT_ANOMALIES = 1


def register(app: typer.Typer) -> None:
    reliability = typer.Typer(help="Proofs of the books' invariants (docs/reliability.md).", no_args_is_help=True)
    app.add_typer(reliability, name="reliability")

    @reliability.command("check")
    def check_cmd(
        db_url: DbOption = None,
        deep: Annotated[bool, typer.Option("--deep/--shallow", help="also replay every loan and rebuild it from the journal")] = True,
        quiescent: Annotated[
            bool, typer.Option("--quiescent", help="nothing is running: auto-debits still pending count as anomalies")
        ] = False,
        public_key: Annotated[
            Path | None, typer.Option("--public-key", help="the audit log's public key (PEM): also verify the log")
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Check the books on one consistent snapshot; exits 1 and lists each anomaly when any is found."""
        from creditline.ledger.transparency import InvalidKey, load_public_key
        from creditline.reliability.invariants import check_books

        key = None
        if public_key is not None:
            try:
                key = load_public_key(public_key.read_bytes())
            except OSError as exc:
                raise InvalidKey(f"cannot read {public_key}: {exc.strerror}", field="public_key") from exc
        report = check_books(engine_for(db_url), deep=deep, quiescent=quiescent, public_key=key)
        payload = {"ok": report.ok, "counts": report.counts, "anomalies": [{"kind": a.kind, "detail": a.detail} for a in report.anomalies]}
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.counts.items())
        lines = [f"{a.kind}: {a.detail}" for a in report.anomalies]
        emit(payload, as_json, "\n".join([f"{'ok' if report.ok else 'ANOMALIES'}: {counts}", *lines]))
        if not report.ok:
            raise typer.Exit(EXIT_ANOMALIES)
