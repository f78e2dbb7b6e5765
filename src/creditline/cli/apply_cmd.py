"""`creditline apply`: decide one credit application given as JSON on stdin or in a file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for


def decision_text(view: dict) -> str:
    head = f"{view['outcome']}: decision {view['decision_id']}"
    if view["reasons"]:
        head += f" ({', '.join(view['reasons'])})"
    if view["limit"] is not None and view["outcome"] != "decline":
        head += f"\nlimit {view['limit']} {view['currency']}, {view['price_display']}"
    if view["line_id"]:
        head += f"\ncredit line {view['line_id']} opened for {view['borrower_id']}"
    return head


def read_body(path: Path | None) -> dict:
    import json

    from creditline.app.apply_form import BODY_BYTES_MAX, InvalidApplication

    if path is not None:
        if not path.is_file():
            raise InvalidApplication(f"{path} is not a file", field="file")
        with path.open("rb") as handle:
            raw = handle.read(BODY_BYTES_MAX + 1)
    else:
        raw = sys.stdin.buffer.read(BODY_BYTES_MAX + 1)
    if len(raw) > BODY_BYTES_MAX:
        raise InvalidApplication(f"an application is at most {BODY_BYTES_MAX} bytes", field="application")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser recurses
        raise InvalidApplication(f"not valid UTF-8 JSON: {exc}", field="application") from exc
    if not isinstance(body, dict):
        raise InvalidApplication("an application is a JSON object", field="application")
    return body


def register(app: typer.Typer) -> None:
    @app.command("apply")
    def apply_cmd(
        file: Annotated[Path | None, typer.Option("--file", help="the application JSON (default: stdin)")] = None,
        key: Annotated[
            str | None, typer.Option("--key", help="client idempotency key (default: the JSON's client_key)")
        ] = None,
        challenger_share: Annotated[
            str, typer.Option("--challenger-share", help="share of applications the challenger decides, 0..1")
        ] = "0.1",
        model: Annotated[
            Path | None, typer.Option("--model", help="PD model directory (default: the simulated-population model)")
        ] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Decide a credit application: consent, identity, fraud, policy, PD, limit and price, recorded."""
        from creditline.app.apply import ApplyForCredit, apply
        from creditline.app.apply_form import InvalidApplication
        from creditline.app.apply_setup import OriginationConfig
        from creditline.money import parse_decimal

        body = read_body(file)
        client_key = key if key is not None else body.pop("client_key", None)
        body.pop("client_key", None)
        if not isinstance(client_key, str):
            raise InvalidApplication("give --key or a client_key in the JSON", field="key")
        share = parse_decimal(challenger_share, field="challenger_share")
        if not 0 <= share <= 1:
            raise InvalidApplication("must be between 0 and 1", field="challenger_share")
        config = OriginationConfig(challenger_share=share, model_dir=None if model is None else str(model))
        view = apply(engine_for(db_url), ApplyForCredit(client_key, body, config))
        emit(view, as_json, decision_text(view))
