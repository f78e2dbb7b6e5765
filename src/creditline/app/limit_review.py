"""The periodic limit review as a use case: which lines are due, each one's decision, applied and told.

A line in the limit policy's currency is due when it has been open `first_review_after_days` and was
not reviewed in the last `review_every_days` (a line in another currency is left to its jurisdiction's
policy); a borrower an early-warning alert was raised about today is reviewed today whatever the cadence
(a freeze should not wait a month), and so is one whose live alert no review has seen (raised during the
day, after that day's review). At most `lines_per_run_max` lines a run,
urgent ones first, then the longest unreviewed. Lines are reviewed in small transaction batches:
the batch's lines are locked and their facts read together, each decision applied as a `LineChange`
with its reasons, and the batch's reviews, behaviour scores and notices to borrowers (through the
notification port) written a statement per table, not per line.
A line reviewed today is not due again today, so a rerun (or a killed run restarted) does nothing twice.

Which lines are due is asked of the database (one pass over the open lines with an index look at
each one's newest review), so a day's cost does not grow with the history of reviews.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Engine, bindparam, exists, func, select

from creditline.app.collections_outbox import OutboxNotifier
from creditline.app.common import business_date
from creditline.app.limit_review_facts import lines_facts
from creditline.errors import DomainError
from creditline.servicing.collections_contact_rules import epoch_at, zone_of
from creditline.servicing.collections_strategy import Strategy, builtin_strategy
from creditline.servicing.limit_review import (
    Action,
    LimitDecision,
    LimitReviewPolicy,
    builtin_limit_review_policy,
    review_line,
)
from creditline.servicing.notifications import Channel, OutboundMessage, Purpose
from creditline.store import UnitOfWork
from creditline.store.collections_repository import PAGE_MAX, CollectionsRepository, ReviewRepository
from creditline.store.line_repository import LineRecord, line_record_of
from creditline.store.tables import credit_lines
from creditline.store.tables_collections import ew_alerts, limit_reviews

LINES_PER_TRANSACTION = 200
NOTICE_HOUR = 10
TEMPLATES = {Action.RAISE: "limit_raised", Action.LOWER: "limit_lowered", Action.FREEZE: "line_frozen"}
SHOWN_DECISIONS_MAX = 200


class ReviewDateInvalid(DomainError):
    code = "review_date_invalid"


@dataclass(frozen=True, slots=True)
class ReviewSetup:
    """Everything a review decides with, loaded once per run (parsing the files per line would dominate)."""

    policy: LimitReviewPolicy
    strategy: Strategy  # for the borrower's notice templates, time zone and language defaults
    limits: Any  # risk.limits.LimitPolicy: rounding, minimum and the jurisdiction's caps
    card: Any  # servicing.behaviour.Scorecard

    @classmethod
    def of(cls, policy: LimitReviewPolicy, strategy: Strategy | None = None) -> ReviewSetup:
        from creditline.risk.limits import builtin_limit_policy
        from creditline.servicing.behaviour import builtin_scorecard

        return cls(policy, strategy or builtin_strategy(), builtin_limit_policy(policy.limit_policy), builtin_scorecard())

    @classmethod
    def builtin(cls) -> ReviewSetup:
        return _builtin_setup()


@cache  # the shipped files never change while the process runs; parsing the limit policy costs ~3 ms a day
def _builtin_setup() -> ReviewSetup:
    return ReviewSetup.of(builtin_limit_review_policy())


def review_limits(engine: Engine, on: date, *, dry_run: bool = False, setup: ReviewSetup | None = None) -> dict[str, Any]:
    """`creditline limits review --date D`: D must be the business date (a review happens today)."""
    with UnitOfWork(engine, read_only=True) as uow:
        today = business_date(uow)
    if on != today:
        raise ReviewDateInvalid(f"a review runs on the business date {today}, not {on}", field="date")
    return run_review(engine, on, dry_run=dry_run, setup=setup)


def run_review(engine: Engine, on: date, *, dry_run: bool = False, setup: ReviewSetup | None = None) -> dict[str, Any]:
    setup = setup or ReviewSetup.builtin()
    with UnitOfWork(engine, read_only=True) as uow:
        due = due_lines(uow, on, setup.policy, setup.limits.currency)
    decisions: list[LimitDecision] = []
    for start in range(0, len(due), LINES_PER_TRANSACTION):
        with UnitOfWork(engine, read_only=dry_run) as uow:
            if not dry_run and business_date(uow) != on:  # also takes the EOD lock shared (PostgreSQL)
                raise ReviewDateInvalid(f"the business date moved on from {on} during the review", field="date")
            written: list[dict[str, Any]] = []
            decisions += review_batch(uow, due[start : start + LINES_PER_TRANSACTION], on, setup, dry_run, written)
            if not dry_run:
                uow.commit()
                _remember_reviews(engine, written)
    actions = Counter(d.action.value for d in decisions)
    shown = [d.to_json() for d in decisions if d.action is not Action.KEEP][:SHOWN_DECISIONS_MAX]
    return {
        "business_date": on.isoformat(),
        "dry_run": dry_run,
        "policy": setup.policy.label,
        "lines_due": len(due),
        "lines_reviewed": sum(actions.values()),
        "actions": {a.value: actions.get(a.value, 0) for a in Action},
        "changes": shown,
    }


def _due_query() -> Any:
    c, r, a = credit_lines.c, limit_reviews.c, ew_alerts.c
    on, opened_by, reviewed_by = (bindparam(name, type_=Date) for name in ("on", "opened_by", "reviewed_by"))
    mine = r.line_id == c.line_id
    urgent = c.borrower_id.in_(select(a.borrower_id).where(a.raised_on == on, a.borrower_id.is_not(None)))
    last = select(func.max(r.business_date)).where(mine).scalar_subquery()
    return select(c.line_id, urgent, last).where(
        c.status != "closed",
        c.currency == bindparam("currency"),
        ~exists().where(mine, r.business_date >= on),  # reviewed today already (or later)
        urgent | ((c.opened_on <= opened_by) & ~exists().where(mine, r.business_date > reviewed_by)),
    )


_DUE = _due_query()  # built once: building it costs about what SQLite takes to run it on a small book


def due_lines(uow: UnitOfWork, on: date, policy: LimitReviewPolicy, currency: str) -> list[str]:
    """The open lines in `currency` (the limit policy's) due today, urgent first (an alert raised today about
    the borrower), then the longest unreviewed. The database picks them: each open line's newest review is an
    index look (`ix_limit_reviews_line_id_business_date`), and only the due lines come back. A line in another
    currency is another jurisdiction's to review: never reviewed here, it would be due (and first) every day."""
    days = {"on": on, "opened_by": on - timedelta(days=policy.first_review_after_days),
            "reviewed_by": on - timedelta(days=policy.review_every_days), "currency": currency}  # fmt: skip
    found = {line_id: (not is_urgent, reviewed or date.min)
             for line_id, is_urgent, reviewed in uow.connection.execute(_DUE, days)}  # fmt: skip
    for line_id, reviewed in _unseen_alert_lines(uow, on, currency).items():
        found[line_id] = (False, reviewed or date.min)
    ranked = sorted((*rank, line_id) for line_id, rank in found.items())
    return [line_id for *_, line_id in ranked[: policy.lines_per_run_max]]


def _unseen_alert_lines(uow: UnitOfWork, on: date, currency: str) -> dict[str, date | None]:
    """Open lines in `currency` not reviewed today whose borrower has a live alert raised before today that no review has
    seen: raised after the line's last review, or on its day without that review naming it (an alert raised
    during the day, after the day's review, by `alerts check`). Urgent: the alert is acted on at the next run.
    The live alerts and their lines are read in one statement, the lines' last reviews in one per page."""
    from creditline.store.collections_repository import LIVE_ALERT_STATUSES

    c, a = credit_lines.c, ew_alerts.c
    alerts = (select(c.line_id, a.kind, a.raised_on)
              .select_from(ew_alerts.join(credit_lines, c.borrower_id == a.borrower_id))
              .where(a.status.in_(LIVE_ALERT_STATUSES), a.raised_on < on, c.status != "closed",
                     c.currency == currency))  # fmt: skip
    by_line: dict[str, list[tuple[str, date]]] = {}
    for line_id, kind, raised_on in uow.connection.execute(alerts):
        by_line.setdefault(line_id, []).append((kind, raised_on))
    latest = _latest_reviews(uow, sorted(by_line))
    unseen: dict[str, date | None] = {}
    for line_id, live in sorted(by_line.items()):
        last = latest.get(line_id)
        if last is not None and last[0] >= on:
            continue  # reviewed today already
        named = set() if last is None else {reason["code"] for reason in json.loads(last[1])}
        if any(last is None or raised_on > last[0] or (raised_on == last[0] and f"signal_{kind}" not in named)
               for kind, raised_on in live):  # fmt: skip
            unseen[line_id] = None if last is None else last[0]
    return unseen


def _latest_reviews(uow: UnitOfWork, line_ids: list[str]) -> dict[str, tuple[date, str]]:
    """Each line's last review (business date, reasons JSON), one statement per PAGE_MAX lines.

    A long batch (`batch_memory`: the simulator, whose reviews are all written by `run_review`) keeps
    each line's last review, or that it has none, once read, and `run_review` tells it each review it
    commits: the lines with live alerts are not looked up again every day."""
    from creditline.store.batch_memory import kept

    memory = kept(uow.connection, LATEST_REVIEWS_KEPT)
    found: dict[str, tuple[date, str]] = {}
    if memory is not None:
        found = {line_id: memory[line_id] for line_id in line_ids if memory.get(line_id) is not None}
        line_ids = [line_id for line_id in line_ids if line_id not in memory]
    r, later = limit_reviews.c, limit_reviews.alias("later").c
    newest = (select(later.review_id).where(later.line_id == r.line_id)
              .order_by(later.business_date.desc(), later.review_id.desc()).limit(1).scalar_subquery())  # fmt: skip
    read: dict[str, tuple[date, str]] = {}
    for start in range(0, len(line_ids), PAGE_MAX):
        part = line_ids[start : start + PAGE_MAX]
        query = select(r.line_id, r.business_date, r.reasons_json).where(r.line_id.in_(part), r.review_id == newest)
        read.update({line_id: (day, reasons) for line_id, day, reasons in uow.connection.execute(query)})
    if memory is not None:
        memory.update({line_id: read.get(line_id) for line_id in line_ids})  # None: never reviewed (yet)
    return found | read


LATEST_REVIEWS_KEPT = "latest-reviews"  # batch_memory: line id -> (business date, reasons JSON), None if none


def _remember_reviews(engine: Engine, written: list[dict[str, Any]]) -> None:
    """After the commit: each line's review just written is its latest (a line is reviewed once a day)."""
    from creditline.store.batch_memory import kept_of_engine

    memory = kept_of_engine(engine, LATEST_REVIEWS_KEPT)
    if memory is not None:
        memory.update({row["line_id"]: (row["business_date"], row["reasons_json"]) for row in written})


def review_batch(uow: UnitOfWork, line_ids: list[str], on: date, setup: ReviewSetup, dry_run: bool,
                 written: list[dict[str, Any]] | None = None) -> list[LimitDecision]:  # fmt: skip
    """Review a batch of lines in the caller's unit of work: lock them, read their facts, decide, apply.
    `written` gets the review rows stored (none in a dry run)."""
    found = _lines(uow, line_ids, for_update=not dry_run)
    records = [found.get(line_id) for line_id in line_ids]
    # A line in another currency is reviewed under that jurisdiction's policy, not this one.
    mine = [r for r in records if r is not None and r.line.limit.currency.code == setup.limits.currency]
    reviewed = []
    for record, (facts, inputs) in zip(mine, lines_facts(uow, mine, on, setup.card), strict=True):
        reviewed.append((record, facts, inputs, review_line(facts, setup.policy, setup.limits)))
    if not dry_run:
        rows = _record(uow, reviewed, on, setup)
        if written is not None:
            written.extend(rows)
    return [decision for *_, decision in reviewed]


def _lines(uow: UnitOfWork, line_ids: list[str], *, for_update: bool) -> dict[str, LineRecord]:
    c = credit_lines.c
    found: dict[str, LineRecord] = {}
    ordered = sorted(set(line_ids))  # PostgreSQL: row locks taken in key order
    for start in range(0, len(ordered), PAGE_MAX):
        query = select(*c).where(c.line_id.in_(ordered[start : start + PAGE_MAX])).order_by(c.line_id)
        for row in uow.connection.execute(query.with_for_update() if for_update else query):
            record = line_record_of(tuple(row))
            found[record.line.line_id] = record
    return found


def _record(uow: UnitOfWork, reviewed: list[tuple[Any, Any, Any, LimitDecision]], on: date,
            setup: ReviewSetup) -> list[dict[str, Any]]:  # fmt: skip
    """The batch's line changes, behaviour scores, reviews and notices, in the order the lines were reviewed."""
    card = setup.card
    scores, reviews, notices = {}, [], []
    for record, facts, inputs, decision in reviewed:
        _apply(uow, record, decision, on)
        scores.pop(facts.borrower_id, None)  # a borrower's latest score is the one kept
        scores[facts.borrower_id] = {
            "borrower_id": facts.borrower_id, "score": facts.score.score, "scored_on": on, "scorecard": card.label,
            "inputs": _inputs_json(inputs), "reasons": facts.score.reasons,
        }  # fmt: skip
        reviews.append({
            "line_id": record.line.line_id, "borrower_id": facts.borrower_id, "business_date": on,
            "action": decision.action.value, "old_limit_minor": decision.old_limit.minor,
            "new_limit_minor": decision.new_limit.minor, "currency": decision.old_limit.currency.code,
            "score": decision.score, "reasons_json": json.dumps([{"code": r.code, "text": r.text} for r in decision.reasons]),
            "policy": setup.policy.label, "scorecard": card.label,
        })  # fmt: skip
        if decision.action is not Action.KEEP:
            notices.append((facts.borrower_id, record.line.line_id, decision))
    repository = ReviewRepository(uow.connection)
    repository.set_scores(list(scores.values()))
    repository.add_reviews(reviews)
    _notify(uow, notices, on, setup.strategy)
    return reviews


def _apply(uow: UnitOfWork, record: Any, decision: LimitDecision, on: date) -> None:
    line = record.line
    if decision.action in (Action.RAISE, Action.LOWER):
        changed, change = line.change_limit(decision.new_limit, on, decision.change_reason())
    elif decision.action is Action.FREEZE:
        changed, change = line.freeze(on, decision.change_reason())
    else:
        return
    uow.lines.save(changed, line.version)
    uow.lines.record_change(change, line.borrower_id)
    if decision.action is Action.LOWER and changed.effective_limit(on) > decision.new_limit:
        # A temporary limit in force lends above the cut one: the cut is withdrawn with it, or it cuts nothing.
        withdrawn, removal = changed.set_temp_limit(None, None, on, decision.change_reason())
        uow.lines.save(withdrawn, changed.version)
        uow.lines.record_change(removal, line.borrower_id)


def _notify(uow: UnitOfWork, notices: list[tuple[str, str, LimitDecision]], on: date, strategy: Strategy) -> None:
    if not notices:
        return
    profiles = CollectionsRepository(uow.connection).profiles([borrower_id for borrower_id, *_ in notices])
    messages = []
    for borrower_id, line_id, decision in notices:
        profile = profiles.get(borrower_id, {})
        zone_name = profile.get("time_zone") or strategy.time_zone_default
        language = profile.get("language") or strategy.language_default
        template_id = TEMPLATES[decision.action]
        template = strategy.templates[template_id]
        values = {"amount": decision.new_limit.amount_str(), "currency": decision.new_limit.currency.code,
                  "due_date": "", "days_past_due": "0", "product": ""}  # fmt: skip
        messages.append(OutboundMessage(
            borrower_id, Channel.IN_APP, Purpose.SERVICE, template_id, template.version, language,
            template.text(language).format_map(values), epoch_at(on, NOTICE_HOUR, 0, zone_of(zone_name)),
            f"lim:{on.isoformat()}:{line_id}",
        ))  # fmt: skip
    OutboxNotifier(uow, on).send_all(messages)


def _inputs_json(inputs: Any) -> dict[str, Any]:
    return {name: getattr(inputs, name) for name in inputs.__dataclass_fields__}


def line_reviews(engine: Engine, line_id: str, limit: int = 20) -> dict[str, Any]:
    from creditline.app.errors import LineNotFound

    with UnitOfWork(engine, read_only=True) as uow:
        if uow.lines.get(line_id) is None:
            raise LineNotFound(f"no credit line {line_id!r}", field="line")
        rows = ReviewRepository(uow.connection).reviews(line_id=line_id, limit=limit)
    return {"line_id": line_id, "reviews": [
        {"business_date": r["business_date"].isoformat(), "action": r["action"], "old_limit_minor": r["old_limit_minor"],
         "new_limit_minor": r["new_limit_minor"], "currency": r["currency"], "score": r["score"],
         "reasons": json.loads(r["reasons_json"]), "policy": r["policy"]} for r in rows]}  # fmt: skip
