"""The passkey ceremonies as the browser runs them (static/passkeys.js), as JSON endpoints.

Each step calls `app.passkey_flows`, the same use cases the API's /v1/passkeys and /v1/sessions
call; the difference is what a browser needs back: the session and CSRF cookies, and where to go
next (the console for an operator, the borrower app for a borrower). The JSON content type is
required, so another site cannot post here with a plain form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from creditline.app import passkey_flows
from creditline.identity.roles import Role
from creditline.identity.sessions import IssuedSession
from creditline.web import sessions
from creditline.web.forms import FormInvalid, json_body

router = APIRouter(prefix="/passkeys")
Body = Annotated[dict[str, Any], Depends(json_body)]


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise FormInvalid("required", field=name)
    return value


def _credential(body: dict[str, Any]) -> dict[str, Any]:
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise FormInvalid("the browser's passkey response is missing", field="credential")
    return credential


def _signed_in(request: Request, account: dict[str, Any], issued: IssuedSession) -> JSONResponse:
    home = "/app/" if account["role"] == Role.BORROWER else "/console/"
    response = JSONResponse({"location": home})
    sessions.start(response, sessions.runtime_of(request), issued)
    return response


@router.post("/registration-options")
def registration_options(request: Request, body: Body) -> dict[str, Any]:
    """A new borrower's passkey (display name) or an operator's (one-time enrollment code)."""
    sessions.check_post(request, None, None)
    rt = sessions.runtime_of(request)
    if "enrollment_code" in body:
        return passkey_flows.begin_enrollment(rt.engine, rt.access, _text(body, "enrollment_code"))
    return passkey_flows.begin_registration(rt.engine, rt.access, _text(body, "display_name"))


@router.post("/registration")
def register(request: Request, body: Body) -> JSONResponse:
    sessions.check_post(request, None, None)
    rt = sessions.runtime_of(request)
    account, issued = passkey_flows.finish_registration(rt.engine, rt.access, _credential(body))
    return _signed_in(request, account, issued)


@router.post("/sign-in-options")
def sign_in_options(request: Request) -> dict[str, Any]:
    sessions.check_post(request, None, None)
    rt = sessions.runtime_of(request)
    return passkey_flows.begin_sign_in(rt.engine, rt.access)


@router.post("/sign-in")
def sign_in(request: Request, body: Body) -> JSONResponse:
    sessions.check_post(request, None, None)
    rt = sessions.runtime_of(request)
    account, issued = passkey_flows.finish_sign_in(rt.engine, rt.access, _credential(body))
    return _signed_in(request, account, issued)
