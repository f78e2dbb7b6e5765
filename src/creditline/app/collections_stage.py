"""The collections stage of end of day: settle promises, plan the day's contacts, keep the work queue.

For the business date D it runs, in the caller's unit of work:
1. every pending promise is evaluated against the cash its loan has received since (kept / broken);
2. every open loan gets its plan from the strategy (stage by collection day, segment by the
   borrower's behaviour score, a pending promise pausing automated contact);
3. each borrower's planned messages pass the contact rules against their contact history, in time
   order, the history locked first as an operator's contact locks it (so neither lands between the
   other's count and write); admitted ones go to the notification port and are recorded as contacts, the others are
   recorded as suppressed with the rule that stopped them;
4. call actions open a work item for the loan (or refresh it); an item whose loan moved to a later
   stage is escalated to that stage's queue; an item whose loan is no longer past due is closed.
Every write carries a key made of D, the loan and the action, so running the stage twice for one
day changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from creditline.app import collections_io
from creditline.app.collections_facts import LoanRow, loan_rows
from creditline.app.collections_outbox import OutboxNotifier
from creditline.app.common import new_id
from creditline.money import Money, currency
from creditline.servicing.collections_contact_rules import HISTORY_DAYS, Admissions, local_time, zone_of
from creditline.servicing.collections_plan import DayPlanner, LoanCollectionFacts, LoanPlan, PlannedMessage
from creditline.servicing.collections_promises import Promise, PromiseStatus, evaluate_promise
from creditline.servicing.collections_queue import WorkItem, close, escalate, open_item
from creditline.servicing.collections_strategy import Strategy, builtin_strategy
from creditline.servicing.notifications import OutboundMessage, Purpose
from creditline.store import UnitOfWork
from creditline.store.collections_repository import PAGE_MAX, CollectionsRepository
from creditline.store.tables import loans

DAY_S = 86_400
BORROWERS_PER_BATCH = 2_000  # contact histories are read per batch of borrowers, not per borrower


def run_collections(uow: UnitOfWork, on: date, strategy: Strategy | None = None) -> dict[str, Any]:
    strategy = strategy or builtin_strategy()
    pending: list[str] = []
    promises = evaluate_promises(uow, on, strategy, still_pending=pending)
    pending_loans = set(pending)
    # The open work items, read once: a loan has at most one (an item opens only where none is open).
    open_items = collections_io.open_items(uow.connection)
    counts: dict[str, int] = defaultdict(int)
    day = _Day(on, strategy, open_items)
    batch: list[LoanRow] = []
    borrowers: set[str] = set()
    planned: set[str] = set()
    for row in loan_rows(uow, on, strategy, day.with_items):
        batch.append(row)
        planned.add(row.loan_id)
        borrowers.add(row.borrower_id)
        if len(borrowers) >= BORROWERS_PER_BATCH:
            _run_batch(uow, day, batch, pending_loans, counts)
            batch, borrowers = [], set()
    if batch:
        _run_batch(uow, day, batch, pending_loans, counts)
    _close_items_of_closed_loans(uow, on, counts, {k: v for k, v in open_items.items() if k not in planned})
    return {"strategy": strategy.label, **promises, **dict(sorted(counts.items()))}


def _close_items_of_closed_loans(uow: UnitOfWork, on: date, counts: dict[str, int],
                                 unplanned: dict[str, dict[str, Any]]) -> None:  # fmt: skip
    """A loan paid off or written off leaves collections: its open item closes with that reason.

    `unplanned`: the day's open items of loans the stage did not plan. A planned loan is open (active,
    overdue, charged off), and so is every loan whose item the stage opened; the planned loans' items
    are the batches' to change, the others are still as read."""
    repository = CollectionsRepository(uow.connection)
    with_items = sorted(unplanned)
    c = loans.c
    closed: dict[str, str] = {}
    for start in range(0, len(with_items), PAGE_MAX):
        part = with_items[start : start + PAGE_MAX]
        query = select(c.loan_id, c.status).where(c.loan_id.in_(part), c.status.in_(("paid-off", "written-off")))
        closed |= dict(uow.connection.execute(query).all())
    changed = [close(item_of_row(unplanned[loan_id]), closed[loan_id], on) for loan_id in sorted(closed)]
    repository.save_items([{"k_item_id": item.item_id, **item_values(item)} for item in changed])
    counts["items_closed_loan_closed"] += len(changed)


class _Day:
    """What every batch of a day shares: the strategy, the day's planner, remembered verdicts and local times."""

    def __init__(self, on: date, strategy: Strategy, open_items: dict[str, dict[str, Any]]) -> None:
        self.on = on
        self.strategy = strategy
        self.open_items = open_items  # every open work item by loan when the stage started (only it opens items)
        self.with_items = set(open_items)
        self.planner = DayPlanner(strategy, on)
        self.admissions = Admissions(strategy.contact_rules)
        self.local_times: dict[tuple[int, str], str] = {}

    def local_time(self, at_s: int, zone_name: str) -> str:
        found = self.local_times.get((at_s, zone_name))
        if found is None:
            found = self.local_times[(at_s, zone_name)] = local_time(at_s, zone_of(zone_name)).isoformat()
        return found


def _run_batch(uow: UnitOfWork, day: _Day, batch: list[LoanRow], pending_loans: set[str],
               counts: dict[str, int]) -> None:  # fmt: skip
    """Plan a batch of loans (a borrower's loans may span batches: contacts written earlier count)."""
    borrowers = [row.borrower_id for row in batch]
    scores = collections_io.scores(uow.connection, borrowers)
    profiles = collections_io.profiles(uow.connection, borrowers)
    hardship = _hardship_asked(uow, day, borrowers)
    planned = []
    plan = day.planner.plan
    paused = paused_hardship = 0
    for row in batch:
        profile = profiles.get(row.borrower_id, _NO_PROFILE)
        facts = LoanCollectionFacts(
            row.loan_id, row.borrower_id, row.product_id, row.days_past_due, row.next_due,
            Money(row.overdue_minor, currency(row.currency)), scores.get(row.borrower_id),
            row.loan_id in pending_loans, profile.get("time_zone"), profile.get("language"), row.loan_id in hardship,
        )  # fmt: skip
        loan_plan = plan(facts)
        by_promise = facts.promise_pending and day.strategy.promises.pause_contacts
        paused += loan_plan.paused and by_promise
        paused_hardship += loan_plan.paused and not by_promise
        planned.append((row, loan_plan))
    counts["loans_planned"] += len(batch)
    counts["loans_paused_by_promise"] += paused
    if paused_hardship:
        counts["loans_paused_by_hardship"] += paused_hardship
    _send_messages(uow, day, [m for _, loan_plan in planned for m in loan_plan.messages], counts)
    _keep_queue(uow, day.on, day.strategy, planned, counts, day.open_items)


def _hardship_asked(uow: UnitOfWork, day: _Day, borrowers: list[str]) -> set[str]:
    """Loans whose borrower asked for hardship help on one of the last `pause_days` business dates."""
    pause_days = day.strategy.hardship.pause_days
    if pause_days == 0:
        return set()
    since = day.on - timedelta(days=pause_days)
    since_s = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp()) - 2 * DAY_S  # any zone's day
    return collections_io.hardship_asked(uow.connection, borrowers, collections_io.stored_date(uow.connection, since),
                                         since_s)  # fmt: skip


_NO_PROFILE: dict[str, Any] = {}


def _send_messages(uow: UnitOfWork, day: _Day, messages: list[PlannedMessage], counts: dict[str, int]) -> None:
    if not messages:
        return
    on = day.on
    notifier = OutboxNotifier(uow, on)
    start = min(m.at_s for m in messages) - HISTORY_DAYS * DAY_S
    end = max(m.at_s for m in messages) + HISTORY_DAYS * DAY_S
    # The lock an operator's contact takes: neither counts the history while the other writes into it.
    CollectionsRepository(uow.connection).lock_contact_histories(m.borrower_id for m in messages)
    history = collections_io.contacts_around(uow.connection, [m.borrower_id for m in messages], start, end)
    keys = [_key(on, m.loan_id, m.action_id) for m in messages]
    recorded = collections_io.recorded_keys(uow.connection, keys)
    by_borrower: dict[str, list[PlannedMessage]] = defaultdict(list)
    for message, key in zip(messages, keys, strict=True):
        if key in recorded:
            counts["messages_already_recorded"] += 1
            continue
        by_borrower[message.borrower_id].append(message)
    decided: list[tuple[PlannedMessage, str | None]] = []
    admit = day.admissions.admit
    for borrower_id, mine in by_borrower.items():
        if len(mine) > 1:
            mine.sort(key=lambda m: (m.at_s, m.loan_id, m.action_id))
        verdicts = admit([(m.channel, m.at_s) for m in mine], mine[0].time_zone, history.get(borrower_id, ()))
        for message, verdict in zip(mine, verdicts, strict=True):
            counts[f"sent_{message.channel}" if verdict.allowed else f"suppressed_{verdict.rule}"] += 1
            decided.append((message, verdict.rule if not verdict.allowed else None))
    admitted = [m for m, rule in decided if rule is None]
    deliveries = iter(notifier.send_all([_outbound(on, m) for m in admitted]))
    stored_on = collections_io.stored_date(uow.connection, on)
    collections_io.insert_rows(uow.connection, "collection_contacts", collections_io.CONTACT_COLUMNS, [
        _contact_tuple(day, stored_on, m, None if rule is not None else next(deliveries).message_id, rule)
        for m, rule in decided
    ])  # fmt: skip


def _outbound(on: date, message: PlannedMessage) -> OutboundMessage:
    purpose = Purpose.REMINDER if message.template_id.startswith("due") else Purpose.COLLECTION
    return OutboundMessage(
        message.borrower_id, message.channel, purpose, message.template_id, message.template_version,
        message.language, message.text, message.at_s, _key(on, message.loan_id, message.action_id), message.loan_id,
    )  # fmt: skip


def _contact_tuple(day: _Day, stored_on: Any, message: PlannedMessage, message_id: str | None,
                   rule: str | None) -> tuple:  # fmt: skip
    """`_contact_row` in `collections_io.CONTACT_COLUMNS` order, the local time remembered per instant and zone."""
    return (
        _key(day.on, message.loan_id, message.action_id), message.borrower_id, message.loan_id,
        message.channel.value, "borrower",
        (Purpose.REMINDER if message.template_id.startswith("due") else Purpose.COLLECTION).value,
        message.template_id, message.template_version, message_id, message.at_s, message.time_zone,
        day.local_time(message.at_s, message.time_zone), "queued" if rule is None else "suppressed", stored_on,
        day.strategy.label, None if rule is None else f"not sent: {rule}",
    )  # fmt: skip


def _contact_row(on: date, strategy: Strategy, message: PlannedMessage, message_id: str | None,
                 rule: str | None) -> dict[str, Any]:  # fmt: skip
    """A contact row as a dict (the reference `_contact_tuple` is tested against)."""
    local = local_time(message.at_s, zone_of(message.time_zone))
    return {
        "dedupe_key": _key(on, message.loan_id, message.action_id),
        "borrower_id": message.borrower_id,
        "loan_id": message.loan_id,
        "channel": message.channel.value,
        "party": "borrower",
        "purpose": (Purpose.REMINDER if message.template_id.startswith("due") else Purpose.COLLECTION).value,
        "template_id": message.template_id,
        "template_version": message.template_version,
        "message_id": message_id,
        "at_s": message.at_s,
        "time_zone": message.time_zone,
        "local_time": local.isoformat(),
        "outcome": "queued" if rule is None else "suppressed",
        "business_date": on,
        "strategy": strategy.label,
        "note": None if rule is None else f"not sent: {rule}",
    }


def _keep_queue(uow: UnitOfWork, on: date, strategy: Strategy, planned: list[tuple[LoanRow, LoanPlan]],
                counts: dict[str, int], items: dict[str, dict[str, Any]]) -> None:  # fmt: skip
    """`items`: every open item by loan as the stage started (a loan is in one batch: no batch has changed them)."""
    repository = CollectionsRepository(uow.connection)
    stages = {stage.name: stage for stage in strategy.stages}
    first_day = {stage.name: stage.day_range()[0] for stage in strategy.stages}  # stages are escalation levels
    changed: list[WorkItem] = []
    created: list[dict[str, Any]] = []
    for row, plan in planned:
        found = items.get(row.loan_id)
        item = None if found is None else item_of_row(found)
        if item is not None and row.days_past_due == 0:
            changed.append(close(item, "cured", on))
            counts["items_closed_cured"] += 1
        elif item is not None and plan.stage is not None and plan.stage != item.stage and (
                item.stage not in first_day or first_day[plan.stage] > first_day[item.stage]):
            # A later stage only: a loan partly cured back to an earlier stage stays with the team working it.
            stage = stages[plan.stage]
            if stage.queue is not None:
                priority = next(s.priority for s in strategy.segments if s.name == plan.segment)
                changed.append(escalate(item, stage.name, stage.queue, priority, row.overdue_minor, on))
                counts["items_escalated"] += 1
        elif item is None and plan.call is not None:
            call = plan.call
            opened = open_item(new_id("WI"), row.loan_id, row.borrower_id, call.queue, call.stage, call.priority,
                               call.overdue_minor, on)  # fmt: skip
            created.append(_item_row(opened, row.currency, strategy))
            counts["items_opened"] += 1
    repository.save_items([{"k_item_id": item.item_id, **item_values(item)} for item in changed])
    repository.add_items(created)


def item_of_row(row: dict[str, Any]) -> WorkItem:
    return WorkItem(
        row["item_id"], row["loan_id"], row["borrower_id"], row["queue"], row["stage"], row["priority"],
        row["overdue_minor"], row["status"], row["opened_on"], row["updated_on"], row["assignee"],
        row["last_outcome"], row["escalations"], row["closed_reason"],
    )  # fmt: skip


def _item_row(item: WorkItem, currency_code: str, strategy: Strategy) -> dict[str, Any]:
    return item_values(item) | {
        "item_id": item.item_id, "loan_id": item.loan_id, "borrower_id": item.borrower_id,
        "opened_on": item.opened_on, "currency": currency_code, "strategy": strategy.label,
    }  # fmt: skip


def item_values(item: WorkItem) -> dict[str, Any]:
    return {
        "queue": item.queue, "stage": item.stage, "priority": item.priority, "overdue_minor": item.overdue_minor,
        "status": item.status.value, "assignee": item.assignee, "updated_on": item.updated_on,
        "last_outcome": item.last_outcome, "escalations": item.escalations, "closed_reason": item.closed_reason,
    }  # fmt: skip


def _key(on: date, loan_id: str, action_id: str) -> str:
    return f"col:{on.isoformat()}:{loan_id}:{action_id}"


def evaluate_promises(uow: UnitOfWork, on: date, strategy: Strategy,
                      still_pending: list[str] | None = None) -> dict[str, int]:  # fmt: skip
    """Settle every pending promise as of `on`: kept once paid, broken after its date and grace.
    `still_pending` gets the loan of each promise still pending after it."""
    repository = CollectionsRepository(uow.connection)
    kept = broken = 0
    for row in repository.pending_promises():
        record = uow.loans.get(row["loan_id"])
        assert record is not None, "a promise's loan exists"
        promise = promise_of(row)
        settled = evaluate_promise(promise, record.totals.cash_in.minor, on, strategy.promises)
        if settled.status is not PromiseStatus.PENDING:
            kept += settled.status is PromiseStatus.KEPT
            broken += settled.status is PromiseStatus.BROKEN
        if settled != promise:
            repository.settle_promise(settled.promise_id, settled.status.value, settled.paid_minor, settled.settled_on)
        if still_pending is not None and settled.status is PromiseStatus.PENDING:
            still_pending.append(settled.loan_id)
    return {"promises_kept": kept, "promises_broken": broken}


def promise_of(row: dict[str, Any]) -> Promise:
    return Promise(
        row["promise_id"], row["loan_id"], row["borrower_id"], Money(row["amount_minor"], currency(row["currency"])),
        row["made_on"], row["due_on"], row["cash_in_at_promise_minor"], row["status"], row["paid_minor"],
        row["settled_on"],
    )  # fmt: skip
