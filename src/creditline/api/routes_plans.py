"""Repayment plans, restructures and limit reviews of a borrower's line or loan.

- `POST /v1/lines/{id}/plan-recommendations` — before drawing: every term and method the product
  allows, ranked by cost and by affordability, and the cheapest plan the borrower can afford
  without strain, with its reasons; recorded, so what was shown and why can be produced later.
  The borrower only, on their own line.
- `GET /v1/loans/{id}/restructure-proposal` — the re-age a borrower in difficulty can afford;
  nothing is written. The borrower on their own loan, or a collections agent.
- `GET /v1/lines/{id}/limit-reviews` — each periodic review of the line: the action, old and new
  limit and the reasons. The borrower on their own line, or any operator who reads borrowers' data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from creditline.api.deps import (
    Runtime,
    borrower_only,
    caller,
    runtime,
    same_currency,
    visible_line,
    visible_loan,
)
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import LineId, LoanId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import AMOUNT_PATTERN
from creditline.api.schemas_servicing import (
    LimitReviews,
    PlanRecommendation,
    PlanRequest,
    RestructureProposal,
)
from creditline.app import plans, servicing_views
from creditline.app.access import Principal
from creditline.identity.roles import Permission, Role, require

router = APIRouter(prefix="/v1", tags=["plans and limits"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
REVIEWS_SHOWN_MAX = 100


@router.post("/lines/{line_id}/plan-recommendations", status_code=201, response_model=PlanRecommendation)
def recommend(line_id: LineId, body: PlanRequest, principal: Caller, rt: Rt) -> dict:
    """The best repayment plan for drawing this amount: cheapest among those that do not strain the borrower."""
    borrower_only(principal)
    require(principal.role, Permission.DRAW)
    same_currency(body.currency, visible_line(rt, principal, line_id))
    finances = plans.FinancesGiven(body.income_monthly, body.obligations_monthly, body.payday)
    return plans.recommend(rt.engine, plans.RecommendPlan(line_id, body.amount, finances))


@router.get("/loans/{loan_id}/restructure-proposal", response_model=RestructureProposal)
def restructure(
    loan_id: LoanId,
    principal: Caller,
    rt: Rt,
    income_monthly: Annotated[str | None, Query(pattern=AMOUNT_PATTERN)] = None,
    obligations_monthly: Annotated[str | None, Query(pattern=AMOUNT_PATTERN)] = None,
    payday: Annotated[int | None, Query(ge=1, le=31)] = None,
) -> dict:
    """The re-age that fits the borrower's budget (least new interest), or why none does; nothing is written."""
    if principal.role is not Role.BORROWER:
        require(principal.role, Permission.WORK_COLLECTIONS)
    visible_loan(rt, principal, loan_id)
    finances = plans.FinancesGiven(income_monthly, obligations_monthly, payday)
    return plans.propose_restructure(rt.engine, plans.ProposeRestructure(loan_id, finances))


@router.get("/lines/{line_id}/limit-reviews", response_model=LimitReviews)
def limit_reviews(
    line_id: LineId,
    principal: Caller,
    rt: Rt,
    limit: Annotated[int, Query(ge=1, le=REVIEWS_SHOWN_MAX)] = 20,
) -> dict:
    """The line's limit reviews, newest first, each with its reasons."""
    visible_line(rt, principal, line_id)
    return servicing_views.limit_reviews(rt.engine, line_id, limit)
