"""Request dependencies: the runtime (engine and configuration), the caller, their permissions,
and the ownership checks that turn another borrower's id into a 404.

Ownership answers "not found" — never "forbidden" — for a borrower asking about anything that is
not theirs, so a borrower cannot learn whether someone else's line, loan or decision exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from creditline.api.auth_tokens import CSRF_HEADER, SAFE_METHODS, token_from
from creditline.api.settings import ApiSettings
from creditline.app.access import AccessConfig, Principal, authenticate
from creditline.app.apply_setup import OriginationConfig
from creditline.app.errors import LineNotFound, LoanNotFound
from creditline.errors import Conflict, DomainError
from creditline.identity.roles import Permission, PermissionDenied, Role, require


class CsrfRejected(DomainError):
    code = "csrf_token_invalid"
    http_status = 403


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


@dataclass(frozen=True, slots=True)
class Runtime:
    engine: Engine
    settings: ApiSettings
    access: AccessConfig
    origination: OriginationConfig
    repayments: Any = None  # this worker's RepaymentBatcher (app.repayment_batch); None: each repayment alone


async def runtime(request: Request) -> Runtime:
    # async on purpose: no I/O here, and a sync dependency would cost a hop to the thread pool
    return request.app.state.runtime


async def caller(request: Request) -> Principal:
    """The signed-in principal (401 otherwise); cookie sessions must show the CSRF token to write.

    Run on the event loop, not the thread pool: its one indexed read (a write only when the session
    is touched) is shorter than the hop to a thread and back, which costs two GIL hand-overs."""
    rt: Runtime = request.app.state.runtime
    token, via = token_from(request.headers, request.cookies)
    principal = authenticate(rt.engine, rt.access, token)
    unsafe = via == "cookie" and request.method not in SAFE_METHODS
    if unsafe and not principal.session.csrf_matches(request.headers.get(CSRF_HEADER)):
        raise CsrfRejected("a cookie session must send its CSRF token in X-CSRF-Token", field="X-CSRF-Token")
    request.state.principal = principal
    return principal


def allowed(permission: Permission) -> Callable[..., Principal]:
    async def dependency(principal: Principal = Depends(caller)) -> Principal:
        require(principal.role, permission)  # pure: async avoids a thread-pool hop
        return principal

    dependency.__name__ = f"allowed_{permission}"
    return dependency


class NoBorrowerYet(Conflict):
    code = "borrower_not_linked"


def borrower_only(principal: Principal) -> None:
    if principal.role is not Role.BORROWER:
        raise PermissionDenied("only the borrower can do this for themselves", field="role")


def own_borrower(principal: Principal, permission: Permission) -> str:
    """The borrower a borrower's account acts as on `/v1/me/...`, allowed `permission`; 409
    `borrower_not_linked` for an account that has not applied yet."""
    borrower_only(principal)
    require(principal.role, permission)
    if principal.borrower_id is None:
        raise NoBorrowerYet("apply first: this account is not linked to a borrower yet", field="borrower")
    return principal.borrower_id


def _may_read(principal: Principal, borrower_id: str) -> bool:
    if principal.role is Role.BORROWER:
        return principal.borrower_id is not None and borrower_id == principal.borrower_id
    require(principal.role, Permission.READ_ANY_BORROWER)
    return True


def visible_line(rt: Runtime, principal: Principal, line_id: str) -> str:
    """The line's currency if the caller may see the line; a 404 otherwise."""
    from creditline.app.ownership import line_owner

    owner = line_owner(rt.engine, line_id)
    if owner is None or not _may_read(principal, owner.borrower_id):
        raise LineNotFound(f"no credit line {line_id!r}", field="line_id")
    return owner.currency


def visible_loan(rt: Runtime, principal: Principal, loan_id: str) -> str:
    from creditline.app.ownership import loan_owner

    owner = loan_owner(rt.engine, loan_id)
    if owner is None or not _may_read(principal, owner.borrower_id):
        raise LoanNotFound(f"no loan {loan_id!r}", field="loan_id")
    return owner.currency


def same_currency(given: str | None, expected: str) -> None:
    if given is not None and given != expected:
        raise CurrencyMismatch(f"{given} given; this account is in {expected}", field="currency")


def scoped_borrower(principal: Principal, borrower_id: Any) -> str | None:
    """Whose lists to show: a borrower's own (a borrower_id parameter must be their own), or for an
    operator the borrower named."""
    if principal.role is Role.BORROWER:
        if borrower_id is not None and borrower_id != principal.borrower_id:
            return None  # another borrower's list is an empty list, not an error that confirms them
        return principal.borrower_id
    require(principal.role, Permission.READ_ANY_BORROWER)
    if borrower_id is None:
        raise DomainError("operators name the borrower: ?borrower_id=...", field="borrower_id", code="borrower_required")
    return borrower_id
