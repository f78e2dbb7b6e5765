"""A day's collection plan for one loan: which stage it is in, which messages to send, whether to call.

`plan_loan` is the strategy applied to the loan's facts on a business date; it knows nothing of the
contact history. The caller then admits the planned messages of each borrower through the contact
rules (`collections_contact_rules.admit_in_order`), so a plan can never break a quiet hour or a cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditline.money import Money
from creditline.servicing.collections_contact_rules import epoch_at, zone_of
from creditline.servicing.collections_strategy import Action, Segment, Stage, Strategy, clock_time
from creditline.servicing.notifications import Channel


@dataclass(frozen=True, slots=True)
class LoanCollectionFacts:
    loan_id: str
    borrower_id: str
    product_id: str
    days_past_due: int
    next_due: date | None  # the next installment's due date on or after the business date
    overdue: Money  # everything past due: installments' principal, interest and fees, and penalty
    score: int | None  # the borrower's latest behaviour score (None: not scored yet)
    promise_pending: bool = False
    time_zone: str | None = None  # None: the strategy's default
    language: str | None = None
    hardship_asked: bool = False  # the borrower asked for hardship help within the strategy's pause days


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    loan_id: str
    borrower_id: str
    action_id: str
    channel: Channel
    template_id: str
    template_version: int
    language: str
    text: str
    at_s: int
    time_zone: str


@dataclass(frozen=True, slots=True)
class CallRequest:
    loan_id: str
    borrower_id: str
    action_id: str
    stage: str
    queue: str
    priority: int
    overdue_minor: int


@dataclass(frozen=True, slots=True)
class LoanPlan:
    loan_id: str
    day: int | None  # the collection day (None: nothing due and nothing overdue)
    stage: str | None
    segment: str
    messages: tuple[PlannedMessage, ...]
    call: CallRequest | None
    paused: bool  # a pending promise, or a recent hardship request while overdue, holds automated contact


def collection_day(days_past_due: int, next_due: date | None, on: date) -> int | None:
    """Days past due once overdue; before that, minus the days until the next due date."""
    if days_past_due > 0:
        return days_past_due
    if next_due is None or next_due < on:
        return None
    return -(next_due - on).days


def plan_loan(facts: LoanCollectionFacts, strategy: Strategy, on: date) -> LoanPlan:
    day = collection_day(facts.days_past_due, facts.next_due, on)
    segment = strategy.segment_of(facts.score)
    stage = None if day is None else strategy.stage_of(day)
    if day is None or stage is None:
        return LoanPlan(facts.loan_id, day, None, segment.name, (), None, False)
    paused = is_paused(facts, strategy, day)
    acting = [] if paused else [a for a in stage.actions if _applies(a, segment, day)]
    messages = tuple(_message(facts, strategy, a, day, on) for a in acting if a.channel is not Channel.CALL)
    calls = [a for a in acting if a.channel is Channel.CALL]
    call = _call(facts, stage, segment, calls[0]) if calls else None
    return LoanPlan(facts.loan_id, day, stage.name, segment.name, messages, call, paused)


def is_paused(facts: LoanCollectionFacts, strategy: Strategy, day: int) -> bool:
    """A pending promise holds automated contact (if the strategy says so); so does a hardship request while the
    loan is overdue (reminders of a loan re-aged back to current go on)."""
    return (facts.promise_pending and strategy.promises.pause_contacts) or (facts.hardship_asked and day > 0)


def _applies(action: Action, segment: Segment, day: int) -> bool:
    return action.acts_on(day) and (not action.segments or segment.name in action.segments)


def _message(facts: LoanCollectionFacts, strategy: Strategy, action: Action, day: int, on: date) -> PlannedMessage:
    assert action.template is not None, "a message action names a template (validated)"
    template = strategy.templates[action.template]
    language = facts.language or strategy.language_default
    zone_name = facts.time_zone or strategy.time_zone_default
    send_at = clock_time(action.send_at)
    values = {
        "amount": facts.overdue.amount_str(),
        "currency": facts.overdue.currency.code,
        "due_date": facts.next_due.isoformat() if facts.next_due else "",
        "days_past_due": str(max(day, 0)),
        "product": facts.product_id,
    }
    return PlannedMessage(
        loan_id=facts.loan_id,
        borrower_id=facts.borrower_id,
        action_id=action.id,
        channel=action.channel,
        template_id=action.template,
        template_version=template.version,
        language=language,
        text=template.text(language).format_map(values),
        at_s=epoch_at(on, send_at.hour, send_at.minute, zone_of(zone_name)),
        time_zone=zone_name,
    )


def _call(facts: LoanCollectionFacts, stage: Stage, segment: Segment, action: Action) -> CallRequest:
    assert stage.queue is not None, "a call action's stage has a queue (validated)"
    return CallRequest(
        loan_id=facts.loan_id,
        borrower_id=facts.borrower_id,
        action_id=action.id,
        stage=stage.name,
        queue=stage.queue,
        priority=segment.priority,
        overdue_minor=facts.overdue.minor,
    )


class DayPlanner:
    """`plan_loan` for one strategy and business date, with what loans share worked out once.

    A day's plan depends on few things per loan: the collection day, the segment and whether a
    promise pauses contact pick the stage and the actions; the send time depends on the action and the
    time zone only. Those are memoised here, so a loan costs its message text and the plan's values;
    `plan(facts)` equals `plan_loan(facts, strategy, on)` (property-tested).
    """

    def __init__(self, strategy: Strategy, on: date) -> None:
        self.strategy = strategy
        self.on = on
        self._segments: dict[int | None, Segment] = {}
        self._acting: dict[tuple[int, str, bool], tuple[Stage | None, tuple[Action, ...], Action | None]] = {}
        self._at: dict[tuple[str, str], int] = {}

    def plan(self, facts: LoanCollectionFacts) -> LoanPlan:
        strategy, on = self.strategy, self.on
        day = collection_day(facts.days_past_due, facts.next_due, on)
        segment = self._segments.get(facts.score)
        if segment is None:
            segment = self._segments[facts.score] = strategy.segment_of(facts.score)
        if day is None:
            return LoanPlan(facts.loan_id, day, None, segment.name, (), None, False)
        paused = is_paused(facts, strategy, day)
        key = (day, segment.name, paused)
        found = self._acting.get(key)
        if found is None:
            found = self._acting[key] = self._actions(day, segment, paused)
        stage, sending, calling = found
        if stage is None:
            return LoanPlan(facts.loan_id, day, None, segment.name, (), None, False)
        messages = tuple(self._message(facts, action, day) for action in sending) if sending else ()
        call = _call(facts, stage, segment, calling) if calling is not None else None
        return LoanPlan(facts.loan_id, day, stage.name, segment.name, messages, call, paused)

    def _actions(self, day: int, segment: Segment, paused: bool) -> tuple[Stage | None, tuple[Action, ...], Action | None]:
        stage = self.strategy.stage_of(day)
        if stage is None:
            return None, (), None
        acting = [] if paused else [a for a in stage.actions if _applies(a, segment, day)]
        calls = [a for a in acting if a.channel is Channel.CALL]
        return stage, tuple(a for a in acting if a.channel is not Channel.CALL), calls[0] if calls else None

    def _message(self, facts: LoanCollectionFacts, action: Action, day: int) -> PlannedMessage:
        strategy = self.strategy
        assert action.template is not None, "a message action names a template (validated)"
        template = strategy.templates[action.template]
        language = facts.language or strategy.language_default
        zone_name = facts.time_zone or strategy.time_zone_default
        at_s = self._at.get((action.send_at, zone_name))
        if at_s is None:
            send_at = clock_time(action.send_at)
            at_s = epoch_at(self.on, send_at.hour, send_at.minute, zone_of(zone_name))
            self._at[(action.send_at, zone_name)] = at_s
        values = {
            "amount": facts.overdue.amount_str(),
            "currency": facts.overdue.currency.code,
            "due_date": facts.next_due.isoformat() if facts.next_due else "",
            "days_past_due": str(max(day, 0)),
            "product": facts.product_id,
        }
        return PlannedMessage(
            facts.loan_id, facts.borrower_id, action.id, action.channel, action.template, template.version, language,
            template.text(language).format_map(values), at_s, zone_name,
        )  # fmt: skip
