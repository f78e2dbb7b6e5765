"""Read models of the post-loan and servicing engines for the API and the console.

The engines answer in their own shapes (minor units where their tables keep them); entrypoints show
money as decimal strings with the currency. These functions do that conversion in one place and
add the joins a screen needs (a work item with its contacts and promises, campaigns with how much
of their budget is used), so routes stay one call each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from creditline.store import UnitOfWork

CAMPAIGNS_LISTED_MAX = 200
ITEM_FIELDS = ("item_id", "loan_id", "borrower_id", "queue", "stage", "priority", "overdue_minor", "status", "assignee",
               "opened_on", "updated_on", "last_outcome", "escalations", "closed_reason")  # fmt: skip


def _amount(minor: int, currency: str) -> str:
    from creditline.money import Money

    return Money.of_minor(int(minor), currency).amount_str()


def item_view(item: dict[str, Any], currency: str) -> dict[str, Any]:
    """A work item with its overdue amount as money (the engine keeps minor units)."""
    shown = {k: v for k, v in item.items() if k != "overdue_minor"}
    return shown | {"overdue": _amount(item["overdue_minor"], currency), "currency": currency}


def item_row(engine: Engine, item_id: str) -> dict[str, Any]:
    """The stored work item (its loan and currency), or `WorkItemNotFound`."""
    from creditline.servicing.collections_errors import WorkItemNotFound
    from creditline.store.collections_repository import CollectionsRepository

    with UnitOfWork(engine, read_only=True) as uow:
        row = CollectionsRepository(uow.connection).item(item_id)
    if row is None:
        raise WorkItemNotFound(f"no work item {item_id!r}", field="item_id")
    return row


def work_queue(engine: Engine, *, queue: str | None, status: str | None, assignee: str | None, limit: int) -> dict[str, Any]:
    from creditline.app.collections import list_queue

    found = list_queue(engine, queue=queue, status=status, assignee=assignee, limit=limit)
    return {"business_date": found["business_date"], "items": [item_view(i, i["currency"]) for i in found["items"]]}


def work_item(engine: Engine, item_id: str) -> dict[str, Any]:
    """A work item with its loan's contacts (newest first) and promises to pay."""
    from creditline.app.collections import contact_history
    from creditline.app.collections_promises import loan_promises

    row = item_row(engine, item_id)
    contacts = contact_history(engine, row["loan_id"])["contacts"]  # every one (docs/web.md)
    promises = loan_promises(engine, row["loan_id"])["promises"]
    shown = {k: (v.isoformat() if k in ("opened_on", "updated_on") else v) for k, v in row.items() if k in ITEM_FIELDS}
    return item_view(shown, row["currency"]) | {"contacts": contacts, "promises": promises}


def limit_reviews(engine: Engine, line_id: str, limit: int) -> dict[str, Any]:
    from creditline.app.limit_review import line_reviews

    found = line_reviews(engine, line_id, limit)
    return {"line_id": line_id, "reviews": [_review_view(review) for review in found["reviews"]]}


def _review_view(review: dict[str, Any]) -> dict[str, Any]:
    limits = {"old_limit": _amount(review["old_limit_minor"], review["currency"]),
              "new_limit": _amount(review["new_limit_minor"], review["currency"])}  # fmt: skip
    return {k: v for k, v in review.items() if not k.endswith("_minor")} | limits


def campaigns(engine: Engine) -> list[dict[str, Any]]:
    """Every campaign with its budget: the cap, what is promised (committed), spent, and the share used."""
    from creditline.app.coupons import show_campaign
    from creditline.store.promotions_repository import PromotionsRepository

    with UnitOfWork(engine, read_only=True) as uow:
        ids = [row["campaign_id"] for row in PromotionsRepository(uow.connection).campaigns(CAMPAIGNS_LISTED_MAX)]
    return [with_budget_used(show_campaign(engine, campaign_id)) for campaign_id in ids]


def with_budget_used(view: dict[str, Any]) -> dict[str, Any]:
    cap, committed = Decimal(view["budget_cap"]), Decimal(view["committed"])
    used = Decimal(0) if cap == 0 else (committed * 100 / cap).quantize(Decimal("0.01"))
    return view | {"budget_used_pct": format(used, "f")}


def plan_preview(engine: Engine, line_id: str, amount: str) -> dict[str, Any]:
    """The plan recommendation for drawing `amount`, as the drawdown page shows it while the borrower types.

    The same engine and finances as `app.plans.recommend`, in a unit of work that is never committed:
    a live preview records nothing (the API's `POST .../plan-recommendations` is the recorded answer).
    """
    from creditline.app.plans import recommend_plan

    with UnitOfWork(engine) as uow:
        view = recommend_plan(uow, line_id, amount)  # rolled back on leaving: nothing is stored
    options = {option["key"]: option for option in view["options"]}
    return {"recommended": options.get(view["recommended"]) if view["recommended"] else None,
            "rationale": view["rationale"], "currency": view["currency"]}  # fmt: skip
