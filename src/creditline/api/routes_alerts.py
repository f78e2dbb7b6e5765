"""/v1/alerts and /v1/monitoring: the risk analyst's two queues.

Early-warning alerts (raised at end of day from loan and portfolio signals) move open →
acknowledged → resolved, each step with an optional note (`handle_alerts`). Transaction-monitoring
holds (drawdowns and account changes a reviewer must see first) are released — the borrower's retry
under the same key then goes through — or rejected (`review_holds`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from creditline.api.deps import Runtime, allowed, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ID_PATTERN, BorrowerQuery, PageSize
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_servicing import (
    Alert,
    AlertNote,
    Alerts,
    HoldResolution,
    HoldResolved,
    MonitoringOutcomes,
)
from creditline.app import alerts, monitoring
from creditline.app.access import Principal
from creditline.identity.roles import Permission
from creditline.ids import ROW_ID_MAX

router = APIRouter(
    prefix="/v1", tags=["alerts and monitoring"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute
)
Rt = Annotated[Runtime, Depends(runtime)]
Analyst = Annotated[Principal, Depends(allowed(Permission.HANDLE_ALERTS))]
Reviewer = Annotated[Principal, Depends(allowed(Permission.REVIEW_HOLDS))]
AlertId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
OutcomeId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/alerts", response_model=Alerts)
def list_alerts(
    analyst: Analyst,
    rt: Rt,
    status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = "open",
    scope: Annotated[Literal["loan", "portfolio"] | None, Query()] = None,
    kind: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    borrower_id: BorrowerQuery = None,
    limit: PageSize = 50,
) -> dict:
    """Alerts, newest first; `status` open by default."""
    return alerts.list_alerts(rt.engine, status=status, scope=scope, kind=kind, borrower_id=borrower_id, limit=limit)


@router.post("/alerts/{alert_id}/acknowledgement", response_model=Alert)
def acknowledge(alert_id: AlertId, body: AlertNote, analyst: Analyst, rt: Rt) -> dict:
    """Someone is looking at it (an open alert only)."""
    return alerts.acknowledge_alert(rt.engine, alert_id, analyst.account_id, body.note)


@router.post("/alerts/{alert_id}/resolution", response_model=Alert)
def resolve(alert_id: AlertId, body: AlertNote, analyst: Analyst, rt: Rt) -> dict:
    """Close it, open or acknowledged, with what was done."""
    return alerts.resolve_alert(rt.engine, alert_id, analyst.account_id, body.note)


@router.get("/monitoring/outcomes", response_model=MonitoringOutcomes)
def outcomes(
    reviewer: Reviewer,
    rt: Rt,
    status: Annotated[
        Literal["held", "released", "rejected", "allowed", "verified", "step-up-required", "cleared"] | None, Query()
    ] = "held",
    borrower_id: BorrowerQuery = None,
    limit: PageSize = 50,
) -> dict:
    """Screened activities, newest first; by default the holds waiting for a reviewer."""
    return {"outcomes": monitoring.list_outcomes(rt.engine, borrower_id=borrower_id, status=status, limit=limit)}


@router.post("/monitoring/outcomes/{outcome_id}/resolution", response_model=HoldResolved)
def resolve_hold(outcome_id: OutcomeId, body: HoldResolution, reviewer: Reviewer, rt: Rt) -> dict:
    """Release a held activity (its retry under the same key proceeds) or reject it."""
    return monitoring.resolve_hold(rt.engine, outcome_id, release=body.decision == "release", resolver=reviewer.account_id)
