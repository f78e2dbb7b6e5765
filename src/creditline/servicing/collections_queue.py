"""The operators' work queue: one item per loan to call, assigned, worked and closed.

An item is opened when a stage's call action fires for a loan that has none; it moves to the next
stage's queue when the loan escalates (priority kept or raised, never lowered); it closes when the
loan is cured, when a call ends in a promise or a hardship request, or when the operator closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from creditline.servicing.collections_errors import CollectionsInputInvalid, WorkItemClosed, WorkItemHeld

OPERATOR_LENGTH_MAX = 64


class ItemStatus(StrEnum):
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Outcome(StrEnum):
    NO_ANSWER = "no_answer"
    REACHED = "reached"  # spoke to the borrower, nothing agreed
    PROMISE = "promise"  # a promise to pay was recorded
    REFUSED = "refused"
    HARDSHIP = "hardship"  # the borrower asked for help: a restructure proposal follows
    WRONG_NUMBER = "wrong_number"
    CALLBACK = "callback"  # the borrower asked to be called at another time


CLOSING_OUTCOMES = frozenset({Outcome.PROMISE, Outcome.HARDSHIP})


@dataclass(frozen=True, slots=True)
class WorkItem:
    item_id: str
    loan_id: str
    borrower_id: str
    queue: str
    stage: str
    priority: int
    overdue_minor: int
    status: ItemStatus
    opened_on: date
    updated_on: date
    assignee: str | None = None
    last_outcome: str | None = None
    escalations: int = 0
    closed_reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ItemStatus(self.status))


def open_item(item_id: str, loan_id: str, borrower_id: str, queue: str, stage: str, priority: int,
              overdue_minor: int, on: date) -> WorkItem:  # fmt: skip
    return WorkItem(item_id, loan_id, borrower_id, queue, stage, priority, overdue_minor, ItemStatus.OPEN, on, on)


def assign(item: WorkItem, operator: str, on: date) -> WorkItem:
    """Give the item to `operator`: a free item, or one they hold already. Another agent's item is refused,
    never taken from them: no role may reassign work (an item returns to the pool when it escalates)."""
    _check_open(item)
    name = " ".join(str(operator).split())
    if not name or len(name) > OPERATOR_LENGTH_MAX or not name.isprintable():
        raise CollectionsInputInvalid(f"an operator is 1 to {OPERATOR_LENGTH_MAX} printable characters", field="to")
    if item.assignee is not None and item.assignee != name:
        raise WorkItemHeld(f"work item {item.item_id} is assigned to {item.assignee}", field="item")
    return replace(item, status=ItemStatus.ASSIGNED, assignee=name, updated_on=on)


def record_outcome(item: WorkItem, outcome: Outcome, on: date) -> WorkItem:
    _check_open(item)
    outcome = Outcome(outcome)
    if outcome in CLOSING_OUTCOMES:
        return replace(item, status=ItemStatus.CLOSED, last_outcome=outcome.value, updated_on=on,
                       closed_reason=outcome.value)  # fmt: skip
    return replace(item, last_outcome=outcome.value, updated_on=on)


def escalate(item: WorkItem, stage: str, queue: str, priority: int, overdue_minor: int, on: date) -> WorkItem:
    """Move an open item to a later stage's queue; it goes back to the pool of that queue, unassigned."""
    _check_open(item)
    if stage == item.stage:
        return replace(item, overdue_minor=overdue_minor, priority=max(item.priority, priority))
    return replace(
        item, stage=stage, queue=queue, priority=max(item.priority, priority), overdue_minor=overdue_minor,
        status=ItemStatus.OPEN, assignee=None, escalations=item.escalations + 1, updated_on=on,
    )  # fmt: skip


def close(item: WorkItem, reason: str, on: date) -> WorkItem:
    _check_open(item)
    return replace(item, status=ItemStatus.CLOSED, closed_reason=reason, updated_on=on)


def _check_open(item: WorkItem) -> None:
    if item.status is ItemStatus.CLOSED:
        raise WorkItemClosed(f"work item {item.item_id} is closed ({item.closed_reason})", field="item")
