"""`creditline collections queue|contact|promise|hardship|contacts|profile|run|strategy check`.

The operator's side of collections: the call queue (list, assign, close), recording a contact
(refused with one line when it would break quiet hours, a cap, or reach a third party), promises to
pay, hardship re-age proposals, and checking a strategy file before it is used.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from creditline.cli.db_cmd import INSTANT_TEXT, DbOption, JsonOption, emit, engine_for, parse_date
from creditline.errors import DomainError

Opt = typer.Option
OperatorOption = Annotated[str, Opt("--operator", help="who is recording it (operator id)")]
LoanOption = Annotated[str, Opt("--loan", help="loan id")]
ItemOption = Annotated[str | None, Opt("--item", help="the work item being worked, if any")]


def _engine(db_url: str | None) -> Any:
    return engine_for(db_url)


def _item_text(item: dict[str, Any]) -> str:
    who = f", {item['assignee']}" if item["assignee"] else ""
    return (f"{item['item_id']}  {item['queue']:<6} p{item['priority']}  {item['status']}{who}  loan {item['loan_id']} "
            f"({item['borrower_id']}), overdue {item['overdue_minor'] / 100:.2f}, opened {item['opened_on']}")  # fmt: skip


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Collections: the call queue, contacts, promises to pay, hardship, strategies.",
                        no_args_is_help=True)  # fmt: skip
    app.add_typer(group, name="collections")
    _queue_commands(group)
    _contact_commands(group)
    _case_commands(group)
    _strategy_commands(group)

    @group.command("run")
    def run_cmd(db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Run the collections stage on the business date now (end of day runs it too; a rerun adds nothing)."""
        from creditline.app.collections import run_collections_today

        summary = run_collections_today(_engine(db_url))
        emit(summary, as_json, ", ".join(f"{k} {v}" for k, v in summary.items()))


def _queue_commands(group: typer.Typer) -> None:
    queue = typer.Typer(help="The operators' call queue: list (default), assign, close.", invoke_without_command=True)
    group.add_typer(queue, name="queue")

    @queue.callback()
    def list_cmd(
        ctx: typer.Context,
        name: Annotated[str | None, Opt("--queue", help="one queue (early, mid, late)")] = None,
        status: Annotated[str | None, Opt("--status", help="open, assigned or closed (default: open and assigned)")] = None,
        assignee: Annotated[str | None, Opt("--assignee", help="items assigned to this operator")] = None,
        limit: Annotated[int, Opt("--limit", help="at most this many items")] = 50,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List the work queue, highest priority and largest overdue amount first."""
        if ctx.invoked_subcommand is not None:
            return
        from creditline.app.collections import list_queue

        view = list_queue(_engine(db_url), queue=name, status=status, assignee=assignee, limit=limit)
        emit(view, as_json, "\n".join(_item_text(i) for i in view["items"]) or "the queue is empty")

    @queue.command("assign")
    def assign_cmd(
        item: Annotated[str, typer.Argument(help="work item id")],
        to: Annotated[str, Opt("--to", help="operator to assign it to")],
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Assign a work item to an operator."""
        from creditline.app.collections import assign_item

        view = assign_item(_engine(db_url), item, to)
        emit(view, as_json, _item_text(view))

    @queue.command("close")
    def close_cmd(
        item: Annotated[str, typer.Argument(help="work item id")],
        reason: Annotated[str, Opt("--reason", help="why it is closed")] = "closed by operator",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Close a work item."""
        from creditline.app.collections import close_item

        view = close_item(_engine(db_url), item, reason)
        emit(view, as_json, _item_text(view))


def _contact_commands(group: typer.Typer) -> None:
    @group.command("contact")
    def contact_cmd(
        loan: LoanOption,
        outcome: Annotated[str, Opt("--outcome", help="no_answer, reached, promise, refused, hardship, wrong_number, callback")],
        operator: OperatorOption,
        channel: Annotated[str, Opt("--channel", help="call, sms or in_app")] = "call",
        at: Annotated[str | None, Opt("--at", help="when, ISO 8601 with offset (default: now)")] = None,
        item: ItemOption = None,
        party: Annotated[str, Opt("--party", help="who was contacted: borrower (third parties are refused)")] = "borrower",
        note: Annotated[str | None, Opt("--note", help="free text, at most 400 characters")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Record a contact with the borrower; refused if it breaks quiet hours, a cap, or is not the borrower."""
        from creditline.app.collections import RecordContact, record_contact

        command = RecordContact(loan, channel, outcome, _instant(at), operator, item, party, note)
        view = record_contact(_engine(db_url), command)
        emit(view, as_json, f"contact {view['contact_id']}: {view['channel']} at {view['local_time']} "
                            f"({view['time_zone']}), {view['outcome']}")  # fmt: skip

    @group.command("promise")
    def promise_cmd(
        loan: LoanOption,
        amount: Annotated[str, Opt("--amount", help="amount promised, in major units")],
        on: Annotated[str, Opt("--date", help="the date it is promised by (YYYY-MM-DD)")],
        operator: OperatorOption,
        item: ItemOption = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Record a promise to pay; end of day finds it kept or broken."""
        from creditline.app.collections_promises import MakePromise, make_promise

        due_on = parse_date(on, "date")
        assert due_on is not None
        view = make_promise(_engine(db_url), MakePromise(loan, amount, due_on, operator, item))
        emit(view, as_json, f"promise {view['promise_id']}: {view['amount']} {view['currency']} by {view['due_on']} "
                            f"(overdue {view['overdue']})")  # fmt: skip


def _case_commands(group: typer.Typer) -> None:
    @group.command("hardship")
    def hardship_cmd(
        loan: LoanOption,
        income: Annotated[str | None, Opt("--income", help="monthly income (default: the origination record's)")] = None,
        obligations: Annotated[str | None, Opt("--obligations", help="monthly repayments to other lenders")] = None,
        payday: Annotated[int | None, Opt("--payday", help="day of the month pay arrives")] = None,
        apply: Annotated[str | None, Opt("--apply", help="apply the proposed re-age under this idempotency key")] = None,
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Check a loan against the hardship limits and propose (or --apply) the re-age the borrower can afford."""
        from creditline.app.collections_hardship import Hardship, hardship
        from creditline.errors import DomainError

        try:
            view = hardship(_engine(db_url), Hardship(loan, income, obligations, payday, apply))
        except DomainError as exc:  # the key (a malformed one, or one used before) is this command's --apply
            if exc.field != "key":
                raise
            raise type(exc)(exc.message, field="apply", code=exc.code) from None
        emit(view, as_json, _hardship_text(view))

    @group.command("contacts")
    def contacts_cmd(loan: LoanOption, db_url: DbOption = None, as_json: JsonOption = False) -> None:
        """Every contact recorded about a loan, latest first."""
        from creditline.app.collections import contact_history

        view = contact_history(_engine(db_url), loan)
        lines = [f"{c['local_time']}  {c['channel']:<6} {c['outcome']:<10} {c['template_id'] or c['operator'] or ''}"
                 for c in view["contacts"]]  # fmt: skip
        emit(view, as_json, "\n".join(lines) or "no contacts")

    @group.command("profile")
    def profile_cmd(
        borrower: Annotated[str, Opt("--borrower", help="borrower id")],
        time_zone: Annotated[str, Opt("--time-zone", help="IANA time zone, e.g. Asia/Shanghai")],
        language: Annotated[str, Opt("--language", help="zh or en")] = "zh",
        db_url: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set the borrower's time zone (quiet hours are local) and message language."""
        from creditline.app.collections import set_contact_profile

        view = set_contact_profile(_engine(db_url), borrower, time_zone, language)
        emit(view, as_json, f"{view['borrower_id']}: {view['time_zone']}, {view['language']}")


def _strategy_commands(group: typer.Typer) -> None:
    strategy = typer.Typer(help="Collections strategy files.", no_args_is_help=True)
    group.add_typer(strategy, name="strategy")

    @strategy.command("check")
    def check_cmd(
        path: Annotated[Path, typer.Argument(help="a strategy file (.yaml)")],
        as_json: JsonOption = False,
    ) -> None:
        """Validate a strategy file exactly as the platform will; print its stages and digest."""
        from creditline.servicing.collections_errors import StrategyInvalid
        from creditline.servicing.collections_strategy import parse_strategy

        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise DomainError(f"cannot read {path}: {exc.strerror or exc}", field="path") from None
        except UnicodeDecodeError as exc:  # has no strerror
            raise DomainError(f"cannot read {path}: not UTF-8 text ({exc.reason})", field="path") from None
        try:
            parsed = parse_strategy(text, source=path.name)
        except StrategyInvalid as exc:  # the field is a path inside the file, not a command-line option
            where = f"{exc.field}: " if exc.field else ""
            raise DomainError(f"{where}{exc.message}", code=exc.code) from None
        view = {
            "name": parsed.name, "version": parsed.version, "digest": parsed.digest,
            "stages": [{"name": s.name, "buckets": list(s.buckets), "queue": s.queue, "actions": [a.id for a in s.actions]}
                       for s in parsed.stages],
            "quiet_hours": f"{parsed.contact_rules.quiet_start}-{parsed.contact_rules.quiet_end}",
            "templates": {k: v.version for k, v in parsed.templates.items()},
        }  # fmt: skip
        text_lines = [f"{parsed.label}  {parsed.digest[:12]}  quiet {view['quiet_hours']}"]
        text_lines += [f"  {s['name']}: {','.join(s['buckets'])} -> {s['queue'] or '-'} ({', '.join(s['actions'])})"
                       for s in view["stages"]]  # fmt: skip
        emit(view, as_json, "\n".join(text_lines))


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)  # the edge reads the clock once; domain code never does
    try:
        if INSTANT_TEXT.fullmatch(text.strip()) is None:  # fromisoformat takes the basic form (20250301T1000) too
            raise ValueError(text)
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(f"{text!r} is not an ISO 8601 time (2025-03-01T10:00:00+08:00)", field="at") from None
    if parsed.tzinfo is None:
        raise DomainError("give the UTC offset (2025-03-01T10:00:00+08:00)", field="at")
    return parsed


def _hardship_text(view: dict[str, Any]) -> str:
    if view.get("replayed"):
        return f"re-age already applied: {json.dumps(view['applied'])[:200]}"
    if not view["eligible"]:
        return "not eligible: " + "; ".join(r["text"] for r in view["reasons"])
    chosen = view["proposal"]["chosen_installments"]
    head = f"eligible; proposed re-age over {chosen} installments" if chosen else "eligible, but no offered re-age fits the budget"
    return head + (" (applied)" if view["applied"] else "")
