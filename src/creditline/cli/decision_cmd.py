"""`creditline decision show|replay|explain|review|queue|resolve`: decision records and human review."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from creditline.cli.db_cmd import DbOption, JsonOption, emit, engine_for
from creditline.ids import ROW_ID_MAX

DecisionArgument = Annotated[str, typer.Argument(help="decision id (DC…)")]


def register(app: typer.Typer) -> None:
    decision = typer.Typer(help="Origination decisions: records, replay, explanations, review.", no_args_is_help=True)
    app.add_typer(decision, name="decision")

    @decision.command("show")
    def show_cmd(decision_id: DecisionArgument, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Show a decision record (inputs hashed, versions, fraud, PD, outcome, limit, price)."""
        from creditline.app.decision import show_decision

        view = show_decision(engine_for(db_url), decision_id)
        record = view["record"]
        text = (
            f"{decision_id}: {record['outcome']} {record['reasons']} ({view['status']}; "
            f"record {'intact' if view['record_intact'] else 'ALTERED'})\n"
            + json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False)
        )
        emit(view, as_json, text)

    @decision.command("replay")
    def replay_cmd(decision_id: DecisionArgument, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Recompute the decision from its record; exits 1 if anything differs."""
        from creditline.app.decision import replay_decision

        view = replay_decision(engine_for(db_url), decision_id)
        verdict = "matches" if view["matches"] else f"DIFFERS: {view['differences']}"
        emit(view, as_json, f"{decision_id}: replay {verdict} ({view['replayed'].get('outcome')})")
        if not view["matches"]:
            raise typer.Exit(1)

    @decision.command("explain")
    def explain_cmd(decision_id: DecisionArgument, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """The decision in words: reasons, the model's main factors, what set the limit, the price."""
        from creditline.app.decision import explain_decision

        view = explain_decision(engine_for(db_url), decision_id)
        lines = [f"{decision_id}: {view['outcome']}"]
        lines += [f"- {reason['text']}" for reason in view["reasons"]]
        lines += [f"- factor: {factor}" for factor in view["model_factors"]]
        if "limit" in view:
            lines.append(f"limit {view['limit']['amount']} {view['limit']['currency']}, set by {view['limit']['set_by']}")
        if "price" in view:
            lines.append(view["price"]["display"])
        lines.append(view["your_rights"])
        emit(view, as_json, "\n".join(lines))

    @decision.command("review")
    def review_cmd(
        decision_id: DecisionArgument,
        reason: Annotated[str, typer.Option("--reason", help="why the borrower asks for a person to review")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """A borrower's request for human review of an automated decision (PIPL Art. 24)."""
        from creditline.app.decision import request_review

        view = request_review(engine_for(db_url), decision_id, reason)
        emit(view, as_json, f"review {view['review_id']} opened for {decision_id}")

    @decision.command("queue")
    def queue_cmd(
        every: Annotated[bool, typer.Option("--all", help="include closed reviews")] = False,
        limit: Annotated[int, typer.Option("--limit", help="at most this many", min=1, max=1000)] = 100,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The human-review queue: referrals and borrowers' review requests, oldest first."""
        from creditline.app.decision import review_queue

        rows = review_queue(engine_for(db_url), status=None if every else "open", limit=limit)
        text = "\n".join(f"{r['review_id']}\t{r['status']}\t{r['kind']}\t{r['decision_id']}\t{r['reason']}" for r in rows)
        emit({"reviews": rows}, as_json, text or "no reviews")

    @decision.command("resolve")
    def resolve_cmd(
        review_id: Annotated[int, typer.Argument(help="review id", min=1, max=ROW_ID_MAX)],
        resolution: Annotated[str, typer.Option("--resolution", help="approved | declined | upheld")],
        resolver: Annotated[str, typer.Option("--resolver", help="operator id")],
        note: Annotated[str, typer.Option("--note", help="what was checked")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Close a review; approving a referral opens the credit line it was priced for."""
        from creditline.app.decision import resolve_review

        view = resolve_review(engine_for(db_url), review_id, resolution, resolver, note)
        opened = f", line {view['line_id']} opened" if view["line_id"] else ""
        emit(view, as_json, f"review {review_id} {view['status']}{opened}")
