"""The console's servicing pages: a collections work item with its forms, the monitoring holds queue,
and the coupon campaigns.

- `/console/collections/{item}` (work_collections): the item, every contact on its loan and its
  promises; forms to record a contact (held to quiet hours and caps), a promise to pay, and to offer
  then apply a hardship re-age (applied under the idempotency key the page was rendered with).
- `/console/holds` (review_holds): drawdowns and account changes transaction monitoring held;
  release (the borrower's retry goes through) or reject.
- `/console/campaigns` (read_campaigns): each campaign with its budget cap, committed, spent, used.

Each route is one `app` call and a template; every post checks the session's CSRF token.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from creditline.app import servicing_views
from creditline.app.access import Principal
from creditline.errors import DomainError, NotFound
from creditline.identity.roles import Permission
from creditline.web import sessions
from creditline.web.console_pages import _operator, _page
from creditline.web.forms import FormInvalid, PageId, form_fields
from creditline.web.sessions import CSRF_FIELD

router = APIRouter()
Form = Annotated[dict[str, str], Depends(form_fields)]
ITEM_NOTICES = ("contact", "promise", "hardship")
HOLD_DECISIONS = ("release", "reject")


def _engine(request: Request) -> Any:
    return sessions.runtime_of(request).engine


def _posted(request: Request, fields: dict[str, str], permission: Permission) -> Principal:
    principal = _operator(request, permission)
    sessions.check_post(request, principal, fields.get(CSRF_FIELD))
    return principal


# -- a collections work item ----------------------------------------------------------------------------


def _item_page(request: Request, principal: Principal, item_id: str, status: int = 200, **context: Any) -> HTMLResponse:
    item = servicing_views.work_item(_engine(request), item_id)
    shown = {"notice": None, "error": None, "offer": None, "fields": {}} | context
    lang = request.app.state.pages.language(request).code  # which of the rationale's two texts to show
    return _page(request, "console/work_item.html", principal, status, item=item, form_key=secrets.token_hex(16),
                 lang=lang, **shown)  # fmt: skip


@router.get("/collections/{item_id}")
def work_item(request: Request, item_id: PageId, notice: str | None = None) -> HTMLResponse:
    principal = _operator(request, Permission.WORK_COLLECTIONS)
    return _item_page(request, principal, item_id, notice=notice if notice in ITEM_NOTICES else None)


def _instant(text: str | None) -> datetime:
    """When the contact happened: ISO 8601 with its UTC offset, or now when the field is left empty."""
    if not text or not text.strip():
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FormInvalid("a date and time like 2025-08-09T10:30+08:00", field="at") from None
    if at.tzinfo is None:
        raise FormInvalid("give the time with its UTC offset (2025-08-09T10:30+08:00)", field="at")
    return at


@router.post("/collections/{item_id}/contacts")
def record_contact(request: Request, item_id: PageId, fields: Form) -> Response:
    from creditline.app.collections import RecordContact
    from creditline.app.collections import record_contact as record

    principal = _posted(request, fields, Permission.WORK_COLLECTIONS)
    row = servicing_views.item_row(_engine(request), item_id)
    try:
        command = RecordContact(row["loan_id"], fields.get("channel", ""), fields.get("outcome", ""), _instant(fields.get("at")),
                                principal.account_id, item_id, "borrower", fields.get("note") or None)  # fmt: skip
        record(_engine(request), command)
    except DomainError as exc:
        return _item_page(request, principal, item_id, exc.http_status, error=exc, fields=_kept(fields))
    return RedirectResponse(f"/console/collections/{item_id}?notice=contact", status_code=303)


@router.post("/collections/{item_id}/promises")
def make_promise(request: Request, item_id: PageId, fields: Form) -> Response:
    from datetime import date

    from creditline.app.collections_promises import MakePromise
    from creditline.app.collections_promises import make_promise as make

    principal = _posted(request, fields, Permission.WORK_COLLECTIONS)
    row = servicing_views.item_row(_engine(request), item_id)
    try:
        try:
            due_on = date.fromisoformat(fields.get("due_on", ""))
        except ValueError:
            raise FormInvalid("a date like 2025-08-15", field="due_on") from None
        make(_engine(request), MakePromise(row["loan_id"], fields.get("amount", ""), due_on, principal.account_id, item_id))
    except DomainError as exc:
        return _item_page(request, principal, item_id, exc.http_status, error=exc, fields=_kept(fields))
    return RedirectResponse(f"/console/collections/{item_id}?notice=promise", status_code=303)


@router.post("/collections/{item_id}/hardship")
def hardship(request: Request, item_id: PageId, fields: Form) -> Response:
    """`step=offer` shows the re-age the borrower can afford; `step=apply` applies it under the page's key."""
    from creditline.app.applications import client_key
    from creditline.app.collections_hardship import Hardship
    from creditline.app.collections_hardship import hardship as hardship_case

    principal = _posted(request, fields, Permission.WORK_COLLECTIONS)
    row = servicing_views.item_row(_engine(request), item_id)
    step = fields.get("step", "offer")
    if step not in ("offer", "apply"):
        raise NotFound(f"no step {step[:40]!r}", field="step")
    key = client_key(principal.account_id, fields.get("form_key", "")) if step == "apply" else None
    income = fields.get("income_monthly") or None
    obligations = fields.get("obligations_monthly") or None
    try:
        payday = int(fields["payday"]) if fields.get("payday") else None
        offer = hardship_case(_engine(request), Hardship(row["loan_id"], income, obligations, payday, key))
    except ValueError:
        return _item_page(request, principal, item_id, 422, error=FormInvalid("a day of the month", field="payday"))
    except DomainError as exc:
        return _item_page(request, principal, item_id, exc.http_status, error=exc, fields=_kept(fields))
    if step == "apply":
        return RedirectResponse(f"/console/collections/{item_id}?notice=hardship", status_code=303)
    return _item_page(request, principal, item_id, offer=offer, fields=_kept(fields))


def _kept(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k not in (CSRF_FIELD, "form_key")}


# -- monitoring holds -------------------------------------------------------------------------------------


def _holds_page(request: Request, principal: Principal, status: int = 200, **context: Any) -> HTMLResponse:
    from creditline.app.monitoring import list_outcomes

    held = list_outcomes(_engine(request), status="held", limit=100)
    return _page(request, "console/holds.html", principal, status, holds=held, **({"notice": None, "error": None} | context))


@router.get("/holds")
def holds(request: Request, notice: str | None = None) -> HTMLResponse:
    principal = _operator(request, Permission.REVIEW_HOLDS)
    return _holds_page(request, principal, notice=notice if notice in HOLD_DECISIONS else None)


@router.post("/holds/{outcome_id}/{decision}")
def resolve_hold(request: Request, outcome_id: PageId, decision: str, fields: Form) -> Response:
    from creditline.app.monitoring import resolve_hold as resolve

    principal = _posted(request, fields, Permission.REVIEW_HOLDS)
    if decision not in HOLD_DECISIONS:
        raise NotFound(f"no decision {decision[:40]!r}", field="decision")
    try:
        resolve(_engine(request), outcome_id, release=decision == "release", resolver=principal.account_id)
    except DomainError as exc:
        return _holds_page(request, principal, exc.http_status, error=exc)
    return RedirectResponse(f"/console/holds?notice={decision}", status_code=303)


# -- coupon campaigns -------------------------------------------------------------------------------------


@router.get("/campaigns")
def campaigns(request: Request) -> HTMLResponse:
    principal = _operator(request, Permission.READ_CAMPAIGNS)
    return _page(request, "console/campaigns.html", principal, campaigns=servicing_views.campaigns(_engine(request)))
