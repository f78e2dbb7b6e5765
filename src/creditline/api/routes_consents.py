"""/v1/consents: a borrower grants, lists and withdraws consents (scope, purpose, text version)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from creditline.api.deps import Runtime, allowed, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import ConsentId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_lending import Consent, ConsentGrant, Consents
from creditline.app import consents
from creditline.app.access import Principal
from creditline.identity.roles import Permission

router = APIRouter(prefix="/v1", tags=["consents"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Owner = Annotated[Principal, Depends(allowed(Permission.MANAGE_OWN_CONSENTS))]


@router.get("/consents", response_model=Consents)
def list_consents(principal: Owner, rt: Rt) -> dict:
    return {"consents": consents.list_consents(rt.engine, principal.account_id)}


@router.post("/consents", status_code=201, response_model=Consent)
def grant(body: ConsentGrant, principal: Owner, rt: Rt) -> dict:
    return consents.grant(rt.engine, principal.account_id, body.scope, body.purpose, body.text_version, body.expires_at)


@router.post("/consents/{consent_id}/withdrawal", response_model=Consent)
def withdraw(consent_id: ConsentId, principal: Owner, rt: Rt) -> dict:
    """Withdraw a consent from now on; the record stays, marked with when it was withdrawn."""
    return consents.withdraw(rt.engine, principal.account_id, consent_id)
