"""/v1/passkeys, /v1/sessions, /v1/session, /v1/operators: passkey sign-in and who may do what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from creditline.api.auth_tokens import SESSION_COOKIE
from creditline.api.deps import Runtime, allowed, caller, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.params import AccountId
from creditline.api.problems import PROBLEM_RESPONSES
from creditline.api.schemas_access import (
    Account,
    OperatorChange,
    OperatorCreated,
    OperatorNew,
    Operators,
    PasskeyOptions,
    PasskeyResponse,
    PasskeysAdded,
    PasskeyStepUp,
    RegistrationStart,
    Rotated,
    SessionInfo,
    SignedIn,
)
from creditline.app import access, passkey_flows
from creditline.app.access import Principal
from creditline.identity.roles import Permission
from creditline.identity.sessions import IssuedSession

router = APIRouter(prefix="/v1", tags=["access"], responses=PROBLEM_RESPONSES, route_class=StrictJsonRoute)
Rt = Annotated[Runtime, Depends(runtime)]
Caller = Annotated[Principal, Depends(caller)]
Admin = Annotated[Principal, Depends(allowed(Permission.MANAGE_OPERATORS))]


def session_payload(rt: Runtime, response: Response, issued: IssuedSession) -> dict:
    """The token in the body (API clients) and in an HttpOnly cookie (browsers)."""
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=rt.access.policy.lifetime_s, httponly=True,
        secure=rt.settings.https, samesite="lax", path="/",
    )  # fmt: skip
    return {
        "token": issued.token,
        "token_type": "Bearer",
        "csrf_token": issued.csrf_token,
        "expires_at": issued.session.expires_at,
        "idle_timeout_s": rt.access.policy.idle_s,
    }


@router.post("/passkeys/registration-options", response_model=PasskeyOptions)
def registration_options(body: RegistrationStart, rt: Rt) -> dict:
    """Start creating a passkey: a new borrower account, or an operator redeeming an enrollment code."""
    if body.display_name is not None:
        return passkey_flows.begin_registration(rt.engine, rt.access, body.display_name)
    assert body.enrollment_code is not None
    return passkey_flows.begin_enrollment(rt.engine, rt.access, body.enrollment_code)


@router.post("/passkeys", status_code=201, response_model=SignedIn)
def register(body: PasskeyResponse, response: Response, rt: Rt) -> dict:
    """Finish: the new passkey (user verification required) is stored and the account signed in."""
    account, issued = passkey_flows.finish_registration(rt.engine, rt.access, body.credential)
    return {"account": account, "session": session_payload(rt, response, issued)}


@router.post("/sessions/options", response_model=PasskeyOptions)
def sign_in_options(rt: Rt) -> dict:
    return passkey_flows.begin_sign_in(rt.engine, rt.access)


@router.post("/sessions", status_code=201, response_model=SignedIn)
def sign_in(body: PasskeyResponse, response: Response, rt: Rt) -> dict:
    """Sign in with a passkey assertion (user verification required); a new session every time."""
    account, issued = passkey_flows.finish_sign_in(rt.engine, rt.access, body.credential)
    return {"account": account, "session": session_payload(rt, response, issued)}


@router.get("/session", response_model=SessionInfo)
def current_session(principal: Caller, rt: Rt) -> dict:
    session = principal.session
    return {
        "account_id": principal.account_id,
        "role": str(principal.role),
        "display_name": principal.display_name,
        "borrower_id": principal.borrower_id,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "idle_timeout_s": rt.access.policy.idle_s,
    }


@router.delete("/session", status_code=204)
def sign_out(principal: Caller, rt: Rt) -> Response:
    access.sign_out(rt.engine, principal)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/session/rotation", response_model=Rotated)
def rotate(principal: Caller, response: Response, rt: Rt) -> dict:
    """A new token and CSRF token for this sign-in; the old token stops working at once."""
    return {"session": session_payload(rt, response, access.rotate_session(rt.engine, principal))}


@router.post("/session/passkeys/approvals", response_model=PasskeyOptions)
def add_passkey_approval(principal: Caller, rt: Rt) -> dict:
    """Options for the step-up that adding a passkey needs: an assertion of one of the account's own
    passkeys, bound to this action and this account (single-use, expiring)."""
    return passkey_flows.begin_add_passkey_approval(rt.engine, rt.access, principal)


@router.post("/session/passkeys/options", response_model=PasskeyOptions)
def add_passkey_options(principal: Caller, rt: Rt, body: PasskeyStepUp | None = None) -> dict:
    """Options to add another passkey (a new phone) to the signed-in account, given the step-up assertion;
    without it `401 step_up_required` (field `assertion`): a session alone does not add a passkey, except
    an account's first (it has none to step up with)."""
    return passkey_flows.begin_add_passkey(rt.engine, rt.access, principal, None if body is None else body.assertion)


@router.post("/session/passkeys", status_code=201, response_model=PasskeysAdded)
def add_passkey(body: PasskeyResponse, principal: Caller, rt: Rt) -> dict:
    return passkey_flows.finish_add_passkey(rt.engine, rt.access, principal, body.credential)


@router.post("/operators", status_code=201, response_model=OperatorCreated)
def create_operator(body: OperatorNew, admin: Admin, rt: Rt) -> dict:
    """A pending operator and a one-time enrollment code (they register a passkey with it)."""
    return access.create_operator(rt.engine, body.display_name, body.role)


@router.get("/operators", response_model=Operators)
def operators(admin: Admin, rt: Rt) -> dict:
    return {"operators": access.list_operators(rt.engine)}


@router.patch("/operators/{account_id}", response_model=Account)
def change_operator(account_id: AccountId, body: OperatorChange, admin: Admin, rt: Rt) -> dict:
    """Change a role or disable an operator: every session they hold ends."""
    return access.change_operator(rt.engine, account_id, role_text=body.role, status=body.status)
