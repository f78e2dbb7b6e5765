"""The browser's side of a session: who is signed in, the CSRF token, and the cookies that carry them.

Sessions themselves are `app.access` and `identity.sessions` (the API's): this module only reads
the session cookie the API defines, and adds a second HttpOnly cookie with the session's CSRF token
so the server can write it into every form it renders. A post is accepted only when its token
matches the session's stored hash (`Session.csrf_matches`) and, when the browser names an Origin,
that origin is one of the site's. An attacker's page can neither read the token nor forge it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from creditline.api.auth_tokens import SAFE_METHODS, SESSION_COOKIE, token_from
from creditline.api.deps import Runtime
from creditline.app.access import Principal, authenticate
from creditline.errors import DomainError
from creditline.identity.roles import PermissionDenied, Role
from creditline.identity.sessions import IssuedSession, SessionInvalid

CSRF_COOKIE = "creditline_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(DomainError):
    """No live session: the pages answer with the sign-in page (the console's or the borrower's)."""

    code = "sign_in_required"
    http_status = 401


class CsrfRejected(DomainError):
    code = "csrf_token_invalid"
    http_status = 403


@dataclass(frozen=True, slots=True)
class Visitor:
    principal: Principal | None
    csrf_token: str  # empty when nobody is signed in


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


def visitor(request: Request) -> Visitor:
    """Who is asking, from the session cookie; an unknown or ended session is nobody."""
    token, via = token_from({}, request.cookies)  # pages take the cookie only, never a bearer header
    if via != "cookie":
        return Visitor(None, "")
    rt = runtime_of(request)
    try:
        principal = authenticate(rt.engine, rt.access, token)
    except SessionInvalid:
        return Visitor(None, "")
    request.state.principal = principal  # the edge gives this live session a rate bucket of its own
    return Visitor(principal, request.cookies.get(CSRF_COOKIE, ""))


def signed_in(request: Request) -> Principal:
    principal = visitor(request).principal
    if principal is None:
        raise SignInRequired("sign in first", field="session")
    return principal


def borrower(request: Request) -> Principal:
    principal = signed_in(request)
    if principal.role is not Role.BORROWER:
        raise PermissionDenied("this page is for borrowers; operators use the console", field="role")
    return principal


def check_post(request: Request, principal: Principal | None, submitted: str | None) -> None:
    """A state-changing request: same origin when the browser says, and the session's CSRF token."""
    assert request.method not in SAFE_METHODS, "only writes are checked"
    origin = request.headers.get("origin")
    if origin is not None and origin not in runtime_of(request).settings.origins:
        raise CsrfRejected(f"requests from {origin[:80]} are not accepted", field="origin")
    if principal is not None and not principal.session.csrf_matches(submitted):
        raise CsrfRejected("the form is stale or was not sent by this site; reload the page", field=CSRF_FIELD)


def start(response: Response, rt: Runtime, issued: IssuedSession) -> None:
    """Set the cookies of a new session: the API's session cookie, and the CSRF token beside it."""
    from creditline.api.routes_access import session_payload

    session_payload(rt, response, issued)
    # SameSite=Lax like the session cookie: a page opened from a link on another site (an SMS, an
    # e-mail) must still write the token into its forms. The cookie is never what a post is checked
    # against (the submitted token is, against the session's hash), so Strict protected nothing.
    response.set_cookie(
        CSRF_COOKIE, issued.csrf_token, max_age=rt.access.policy.lifetime_s, httponly=True,
        secure=rt.settings.https, samesite="lax", path="/",
    )  # fmt: skip


def end(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
