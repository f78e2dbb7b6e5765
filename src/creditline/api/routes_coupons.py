"""Coupons and campaigns: a borrower's coupons and what one would save on a drawdown; finance's campaigns.

A coupon is redeemed by naming it on the drawdown itself (`coupon_id` on
`POST /v1/lines/{id}/drawdown-approvals` and `/drawdowns`: the passkey approves the coupon with the
rest). Campaigns are versioned data files (docs/promotions.md): finance adds them, enrolls members
and issues coupons (`manage_campaigns`); finance and admins read them with their budget used
(`read_campaigns`). A borrower naming another borrower's coupon meets 404, as for one that does not
exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from creditline.api.deps import (
    Runtime,
    allowed,
    borrower_only,
    caller,
    runtime,
    same_currency,
    scoped_borrower,
    visible_line,
)
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, BorrowerQuery, IdempotencyKey, LineId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import AMOUNT_PATTERN, MethodName
from creditline.api.schemas_servicing import (
    BorrowerRef,
    Campaign,
    CampaignFile,
    Campaigns,
    Coupon,
    CouponQuote,
    Coupons,
    Enrolled,
)
from creditline.app import coupons, drawdown_coupons, drawdowns, servicing_views
from creditline.app.access import Principal
from creditline.app.applications import client_key
from creditline.identity.roles import Permission

router = APIRouter(prefix="/v1", tags=["coupons"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
Reader = Annotated[Principal, Depends(allowed(Permission.READ_CAMPAIGNS))]
Manager = Annotated[Principal, Depends(allowed(Permission.MANAGE_CAMPAIGNS))]
CampaignId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/coupons", response_model=Coupons)
def list_coupons(principal: Caller, rt: Rt, borrower_id: BorrowerQuery = None) -> dict:
    """A borrower's coupons (expired ones say so); operators name the borrower."""
    whose = scoped_borrower(principal, borrower_id)
    if whose is None:  # a borrower not yet linked, or asking about someone else: nothing to show
        return coupons.list_coupons(rt.engine, borrower_id or "", visible=False)
    return coupons.list_coupons(rt.engine, whose)


@router.get("/lines/{line_id}/coupon-quote", response_model=CouponQuote)
def quote(
    line_id: LineId,
    principal: Caller,
    rt: Rt,
    coupon_id: Annotated[str, Query(pattern=ID_PATTERN)],
    amount: Annotated[str, Query(pattern=AMOUNT_PATTERN)],
    term_months: Annotated[int, Query(ge=1, le=600)],
    method: Annotated[MethodName | None, Query()] = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> dict:
    """What the coupon saves on this drawdown, installment by installment, and the APR with and without it."""
    borrower_only(principal)
    line_currency = visible_line(rt, principal, line_id)
    same_currency(currency, line_currency)
    assert principal.borrower_id is not None, "visible_line found the borrower's own line"
    request = drawdowns.approval_request(line_id, line_currency, amount, term_months, method, coupon_id)
    return drawdown_coupons.quote(rt.engine, principal.borrower_id, request, amount)


@router.get("/campaigns", response_model=Campaigns)
def campaigns(reader: Reader, rt: Rt) -> dict:
    """Every campaign with its budget: cap, committed to coupons, spent on loans, share used."""
    return {"campaigns": servicing_views.campaigns(rt.engine)}


@router.get("/campaigns/{campaign_id}", response_model=Campaign)
def campaign(campaign_id: CampaignId, reader: Reader, rt: Rt) -> dict:
    return servicing_views.with_budget_used(coupons.show_campaign(rt.engine, campaign_id))


@router.post("/campaigns", status_code=201, response_model=Campaign)
def add_campaign(body: CampaignFile, manager: Manager, rt: Rt) -> dict:
    """Add a campaign file; the same content again changes nothing, other content under its id is 409."""
    added = coupons.add_campaign(rt.engine, body.source, f"campaign.{body.format}")
    return servicing_views.with_budget_used(added)


@router.post("/campaigns/{campaign_id}/members", status_code=201, response_model=Enrolled)
def enroll(campaign_id: CampaignId, body: BorrowerRef, manager: Manager, rt: Rt) -> dict:
    """Enroll a borrower in a members-only campaign (enrolling twice changes nothing)."""
    return coupons.enroll(rt.engine, campaign_id, body.borrower_id)


@router.post("/campaigns/{campaign_id}/coupons", status_code=201, response_model=Coupon)
def issue(campaign_id: CampaignId, body: BorrowerRef, key: IdempotencyKey, manager: Manager, rt: Rt) -> dict:
    """Issue one coupon of the campaign to a borrower (their marketing consent, eligibility, issue window and
    per-borrower cap checked; without the consent, 422 `marketing_consent_missing` and nothing is issued)."""
    command = coupons.IssueCoupon(campaign_id, body.borrower_id, client_key(manager.account_id, key))
    return coupons.issue_coupon(rt.engine, command)
