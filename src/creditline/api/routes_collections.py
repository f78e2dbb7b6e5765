"""/v1/collections: the collections work queue for agents — take an item, record a contact, a promise
to pay, and offer or apply a hardship re-age.

Every route needs `work_collections` (the collections agent). Contacts are checked against the
same conduct rules as automated ones (quiet hours in the borrower's zone, daily and weekly caps,
the borrower only) and a refused contact is a 409 that changes nothing. Applying a hardship plan
re-ages the loan, so it takes an Idempotency-Key: a retry returns the first re-age.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from creditline.api.deps import Runtime, allowed, runtime, same_currency
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, IdempotencyKey, PageSize
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_servicing import (
    ContactIn,
    ContactRecorded,
    FinancesIn,
    Hardship,
    PromiseIn,
    PromiseMade,
    WorkItem,
    WorkItemDetail,
    WorkItems,
)
from creditline.app import servicing_views
from creditline.app.access import Principal
from creditline.app.applications import client_key
from creditline.identity.roles import Permission

router = APIRouter(
    prefix="/v1/collections", tags=["collections"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Agent = Annotated[Principal, Depends(allowed(Permission.WORK_COLLECTIONS))]
ItemId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/work-items", response_model=WorkItems)
def queue(
    agent: Agent,
    rt: Rt,
    status: Annotated[Literal["open", "assigned", "closed"] | None, Query(description="default: open and assigned")] = None,
    queue: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    mine: Annotated[bool, Query(description="only the items assigned to me")] = False,
    limit: PageSize = 50,
) -> dict:
    """The work queue, highest priority first (items the collections strategy opened at end of day)."""
    assignee = agent.account_id if mine else None
    return servicing_views.work_queue(rt.engine, queue=queue, status=status, assignee=assignee, limit=limit)


@router.get("/work-items/{item_id}", response_model=WorkItemDetail)
def item(item_id: ItemId, agent: Agent, rt: Rt) -> dict:
    """One work item with every contact recorded on its loan and its promises to pay."""
    return servicing_views.work_item(rt.engine, item_id)


@router.post("/work-items/{item_id}/assignment", response_model=WorkItem)
def take(item_id: ItemId, agent: Agent, rt: Rt) -> dict:
    """Take the item: it is assigned to the signed-in agent."""
    from creditline.app.collections import assign_item

    row = servicing_views.item_row(rt.engine, item_id)
    return servicing_views.item_view(assign_item(rt.engine, item_id, agent.account_id), row["currency"])


@router.post("/work-items/{item_id}/contacts", status_code=201, response_model=ContactRecorded)
def contact(item_id: ItemId, body: ContactIn, agent: Agent, rt: Rt) -> dict:
    """Record a contact on the item's loan (checked against quiet hours and contact caps first)."""
    from creditline.app.collections import RecordContact, record_contact

    row = servicing_views.item_row(rt.engine, item_id)
    command = RecordContact(row["loan_id"], body.channel, body.outcome, body.at, agent.account_id, item_id, body.party, body.note)
    recorded = record_contact(rt.engine, command)
    shown = recorded["item"]
    return recorded | {"item": None if shown is None else servicing_views.item_view(shown, row["currency"])}


@router.post("/work-items/{item_id}/promises", status_code=201, response_model=PromiseMade)
def promise(item_id: ItemId, body: PromiseIn, agent: Agent, rt: Rt) -> dict:
    """Record a promise to pay (amount and date within the strategy's limits; one pending per loan; none after
    the strategy's broken promises in its window: 409 `promise_limit_reached`)."""
    from creditline.app.collections_promises import MakePromise, make_promise

    row = servicing_views.item_row(rt.engine, item_id)
    same_currency(body.currency, row["currency"])
    return make_promise(rt.engine, MakePromise(row["loan_id"], body.amount, body.due_on, agent.account_id, item_id))


@router.post("/work-items/{item_id}/hardship-offers", response_model=Hardship)
def hardship_offer(item_id: ItemId, body: FinancesIn, agent: Agent, rt: Rt) -> dict:
    """Whether the loan may be re-aged, and the re-age the borrower can afford; nothing is changed."""
    from creditline.app.collections_hardship import Hardship as Command
    from creditline.app.collections_hardship import hardship

    row = servicing_views.item_row(rt.engine, item_id)
    return hardship(rt.engine, Command(row["loan_id"], body.income_monthly, body.obligations_monthly, body.payday))


@router.post("/work-items/{item_id}/hardship-plans", status_code=201, response_model=Hardship)
def hardship_plan(item_id: ItemId, body: FinancesIn, key: IdempotencyKey, agent: Agent, rt: Rt) -> dict:
    """Apply the offered re-age to the loan (eligibility read again first); a retry with the key returns it."""
    from creditline.app.collections_hardship import Hardship as Command
    from creditline.app.collections_hardship import hardship

    row = servicing_views.item_row(rt.engine, item_id)
    scoped = client_key(agent.account_id, key)
    return hardship(rt.engine, Command(row["loan_id"], body.income_monthly, body.obligations_monthly, body.payday, scoped))
