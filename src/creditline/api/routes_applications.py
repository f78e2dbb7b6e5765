"""/v1/applications, /v1/decisions, /v1/reviews: apply, see the decision and its reasons, ask for a
person to review it; operators work the review queue."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from creditline.api.deps import Runtime, allowed, borrower_only, caller, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import AcceptLanguage, DecisionId, IdempotencyKey, PageSize, ReviewId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.routes_access import session_payload
from creditline.api.schemas_access import SessionToken
from creditline.api.schemas_lending import (
    Decision,
    Decisions,
    Explanation,
    Resolution,
    Resolved,
    ReviewAsk,
    ReviewOpened,
    Reviews,
)
from creditline.app import applications, decision
from creditline.app.access import Principal
from creditline.app.apply_form import ApplicationForm
from creditline.identity.roles import Permission, Role, require

router = APIRouter(prefix="/v1", tags=["applications"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
Reviewer = Annotated[Principal, Depends(allowed(Permission.REVIEW_DECISIONS))]


class Application(Decision):
    session: SessionToken | None = None  # a new session when this application linked the account to its borrower


@router.post("/applications", status_code=201, response_model=Application)
async def apply(form: ApplicationForm, key: IdempotencyKey, response: Response, principal: Caller, rt: Rt) -> dict:
    """Apply for a credit line: a decision in milliseconds, with reasons, limit and price (daily rate and APR).

    The decision runs on the worker's event loop, not in the thread pool: it is a few milliseconds
    of CPU and round trips, and the pool's hand-over cost ~20% of a decision's CPU under load
    (docs/benchmarks.md, HTTP API, stop 16). The body is validated once, here: the form goes on as it is."""
    require(principal.role, Permission.APPLY)
    view, issued = applications.apply_for_account(rt.engine, principal, rt.access, key, form, rt.origination)  # validated once, here
    return view | {"session": None if issued is None else session_payload(rt, response, issued)}


@router.get("/applications", response_model=Decisions)
def my_applications(principal: Caller, rt: Rt) -> dict:
    borrower_only(principal)
    return {"decisions": applications.decisions_of_account(rt.engine, principal.account_id)}


def _decision(rt: Runtime, principal: Principal, decision_id: str) -> dict:
    if principal.role is Role.BORROWER:
        return applications.decision_for_account(rt.engine, principal.account_id, decision_id)
    require(principal.role, Permission.READ_DECISION_RECORDS)
    return applications.decision_summary(rt.engine, decision_id)


@router.get("/decisions/{decision_id}", response_model=Decision)
def show(decision_id: DecisionId, principal: Caller, rt: Rt) -> dict:
    return _decision(rt, principal, decision_id)


@router.get("/decisions/{decision_id}/explanation", response_model=Explanation)
def explain(
    decision_id: DecisionId, principal: Caller, rt: Rt, response: Response, accept_language: AcceptLanguage = None
) -> dict:
    """The reasons in words, what set the limit, what the price is made of (PIPL Art. 24), in the reader's
    language by Accept-Language (English or Chinese; Content-Language says which)."""
    if principal.role is Role.BORROWER:  # a 404 for anyone else's
        explained = applications.explanation_for_account(rt.engine, principal.account_id, decision_id)
    else:
        _decision(rt, principal, decision_id)
        explained = decision.explain_decision(rt.engine, decision_id)
    return _in_language(explained, accept_language, response)


def _in_language(explained: dict, accept_language: str | None, response: Response) -> dict:
    from creditline.app.apply_explain import in_words
    from creditline.web.i18n import choose, translations

    language = choose(None, accept_language)
    response.headers["Content-Language"] = language.html_lang
    response.headers.append("Vary", "Accept-Language")
    return in_words(explained, translations(language.code).gettext, language.code)


@router.get("/decisions/{decision_id}/record")
def record(decision_id: DecisionId, principal: Caller, rt: Rt) -> dict:
    """The whole decision record (versions, hashed inputs, facts): operators only."""
    require(principal.role, Permission.READ_DECISION_RECORDS)
    return decision.show_decision(rt.engine, decision_id)


@router.post("/decisions/{decision_id}/reviews", status_code=201, response_model=ReviewOpened)
def ask_review(decision_id: DecisionId, body: ReviewAsk, principal: Caller, rt: Rt) -> dict:
    """Ask for a person to review an automated decision; it joins the operators' queue."""
    require(principal.role, Permission.REQUEST_REVIEW)
    _decision(rt, principal, decision_id)
    return decision.request_review(rt.engine, decision_id, body.reason)


@router.get("/reviews", response_model=Reviews)
def review_queue(
    reviewer: Reviewer,
    rt: Rt,
    status: Annotated[Literal["open", "approved", "declined", "upheld", "all"], Query()] = "open",
    limit: PageSize = 50,
) -> dict:
    rows = decision.review_queue(rt.engine, status=None if status == "all" else status, limit=limit)
    return {"reviews": rows}


@router.post("/reviews/{review_id}/resolution", response_model=Resolved)
def resolve(review_id: ReviewId, body: Resolution, reviewer: Reviewer, rt: Rt) -> dict:
    """Close a review; approving a referral opens the credit line it was priced for."""
    return decision.resolve_review(rt.engine, review_id, body.resolution, reviewer.account_id, body.note)
