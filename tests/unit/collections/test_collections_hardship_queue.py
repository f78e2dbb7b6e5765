"""Hardship re-age limits and the operators' work queue."""

from __future__ import annotations

from datetime import date

import pytest

from creditline.servicing.collections_errors import CollectionsInputInvalid, WorkItemClosed, WorkItemHeld
from creditline.servicing.collections_hardship import HardshipFacts, hardship_eligibility
from creditline.servicing.collections_queue import (
    ItemStatus,
    Outcome,
    assign,
    close,
    escalate,
    open_item,
    record_outcome,
)
from creditline.servicing.collections_strategy import builtin_strategy

TERMS = builtin_strategy().hardship  # one re-age, two installments paid first, 15-90 days past due
ON = date(2025, 3, 10)


def test_a_borrower_with_a_payment_history_in_the_window_is_eligible() -> None:
    result = hardship_eligibility(HardshipFacts(20, 0, 2, True), TERMS)
    assert (result.eligible, result.reasons) == (True, ())


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        (HardshipFacts(0, 0, 5, False), ("not_overdue",)),
        (HardshipFacts(14, 0, 5, True), ("too_early",)),
        (HardshipFacts(91, 0, 5, True), ("too_late",)),
        (HardshipFacts(20, 1, 5, True), ("reage_limit",)),
        (HardshipFacts(20, 0, 1, True), ("payment_history_short",)),
        (HardshipFacts(100, 1, 0, True), ("too_late", "reage_limit", "payment_history_short")),
    ],
)
def test_every_limit_that_fails_is_named(facts: HardshipFacts, reasons: tuple[str, ...]) -> None:
    result = hardship_eligibility(facts, TERMS)
    assert not result.eligible
    assert result.reasons == reasons and len(result.messages) == len(reasons)


def _item():
    return open_item("W1", "L1", "B1", "early", "early", 2, 55_008, ON)


def test_an_item_is_assigned_worked_and_closed_by_a_promise() -> None:
    item = assign(_item(), "  agent  7 ", ON)
    assert (item.status, item.assignee) == (ItemStatus.ASSIGNED, "agent 7")
    item = record_outcome(item, Outcome.NO_ANSWER, date(2025, 3, 11))
    assert (item.status, item.last_outcome, item.updated_on) == (ItemStatus.ASSIGNED, "no_answer", date(2025, 3, 11))
    item = record_outcome(item, Outcome.PROMISE, date(2025, 3, 11))
    assert (item.status, item.closed_reason) == (ItemStatus.CLOSED, "promise")
    with pytest.raises(WorkItemClosed):
        record_outcome(item, Outcome.REACHED, ON)


def test_escalation_moves_the_item_to_the_next_queue_unassigned_and_never_lowers_priority() -> None:
    item = escalate(assign(_item(), "agent", ON), "mid", "mid", 1, 90_000, date(2025, 3, 31))
    assert (item.queue, item.stage, item.status, item.assignee) == ("mid", "mid", ItemStatus.OPEN, None)
    assert (item.priority, item.overdue_minor, item.escalations) == (2, 90_000, 1)
    same = escalate(item, "mid", "mid", 3, 95_000, date(2025, 4, 1))
    assert (same.priority, same.escalations, same.overdue_minor) == (3, 1, 95_000)


def test_an_operator_name_is_required_and_closed_items_stay_closed() -> None:
    with pytest.raises(CollectionsInputInvalid) as caught:
        assign(_item(), "   ", ON)
    assert caught.value.field == "to"
    closed = close(_item(), "cured", ON)
    with pytest.raises(WorkItemClosed):
        assign(closed, "agent", ON)


def test_an_item_another_agent_holds_is_refused_and_the_holder_may_take_it_again() -> None:
    held = assign(_item(), "agent 7", ON)
    with pytest.raises(WorkItemHeld) as caught:
        assign(held, "agent 9", date(2025, 3, 11))
    assert (caught.value.code, caught.value.http_status, caught.value.field) == ("work_item_held", 409, "item")
    assert "agent 7" in caught.value.message
    again = assign(held, " agent  7", date(2025, 3, 11))  # the same agent, written with other spaces
    assert (again.status, again.assignee, again.updated_on) == (ItemStatus.ASSIGNED, "agent 7", date(2025, 3, 11))
    freed = escalate(held, "mid", "mid", 2, 60_000, date(2025, 3, 31))  # back in the pool: anyone may take it
    assert assign(freed, "agent 9", date(2025, 3, 31)).assignee == "agent 9"
