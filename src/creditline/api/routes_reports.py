"""/v1/reports and /v1/audit: the portfolio figures operators watch, and the tamper-evident log's
heads and proofs that borrowers and partners can check on their own."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from creditline.api.deps import Runtime, allowed, caller, runtime, visible_loan
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import LoanId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import AuditHeads, Portfolio
from creditline.app import audit_views, portfolio_summary
from creditline.app.access import Principal
from creditline.identity.roles import Permission, require

router = APIRouter(prefix="/v1", tags=["reports and audit"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
Auditor = Annotated[Principal, Depends(allowed(Permission.READ_AUDIT))]


@router.get("/reports/portfolio", response_model=Portfolio)
def portfolio(principal: Annotated[Principal, Depends(allowed(Permission.READ_PORTFOLIO))], rt: Rt) -> dict:
    """Loans and balances by status and delinquency bucket (M0–M7), and the 90+ share, per currency."""
    return portfolio_summary.portfolio_summary(rt.engine)


@router.get("/audit/heads", response_model=AuditHeads)
def heads(principal: Auditor, rt: Rt) -> dict:
    """Every signed tree head published at end of day (keep them: consistency proofs link them)."""
    return {"heads": audit_views.published_heads(rt.engine)}


@router.get("/audit/loans/{loan_id}/proof")
def loan_proof(
    loan_id: LoanId, principal: Caller, rt: Rt, on: Annotated[date | None, Query()] = None
) -> dict[str, Any]:
    """Inclusion proofs of a loan's records against a published head; check with `creditline audit check-proof`."""
    require(principal.role, Permission.READ_AUDIT)
    visible_loan(rt, principal, loan_id)
    return audit_views.loan_inclusion_proof(rt.engine, loan_id, on)


@router.get("/audit/consistency")
def consistency(
    principal: Auditor,
    rt: Rt,
    from_date: Annotated[date, Query(alias="from")],
    to_date: Annotated[date, Query(alias="to")],
) -> dict[str, Any]:
    """Proof that the log at one head is a prefix of the log at a later head."""
    return audit_views.consistency_proof(rt.engine, from_date, to_date)
