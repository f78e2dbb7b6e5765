"""Where a request carries its session: `Authorization: Bearer <token>` (API clients) or the
`creditline_session` cookie (browsers: HttpOnly, SameSite=Lax, Secure over https).

A cookie-authenticated request that changes anything must also carry the session's CSRF token in
`X-CSRF-Token` (the web app's forms may send it as a field instead: see `csrf_ok`). A bearer token
needs no CSRF token: a browser never attaches it on its own.
"""

from __future__ import annotations

from collections.abc import Mapping

SESSION_COOKIE = "creditline_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_from(headers: Mapping[str, str], cookies: Mapping[str, str]) -> tuple[str | None, str]:
    """(token, how it came: "bearer" | "cookie" | "none")."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        return (value.strip() or None, "bearer") if scheme.lower() == "bearer" else (None, "bearer")
    cookie = cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, "cookie"
    return None, "none"
