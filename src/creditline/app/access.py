"""Access use cases: who is calling (a session token in, a principal out), sign-out, rotation,
and operator administration (create with a one-time enrollment code, change role, disable).

Security times (session expiry, challenge expiry) are wall-clock Unix seconds read here at the
edge; business dates stay data. `AccessConfig` carries the relying party and the session policy
the entrypoint was started with.

An account's name is stored sealed (`app.account_names`): every view of an account here opens it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from creditline.app import account_names
from creditline.app.common import new_id
from creditline.errors import Conflict, DomainError, NotFound
from creditline.identity.passkeys import RelyingParty
from creditline.identity.roles import Role, is_operator, role_named
from creditline.identity.sessions import (
    IssuedSession,
    Session,
    SessionInvalid,
    SessionPolicy,
    issue,
    rotate,
    token_hash,
    well_formed,
)
from creditline.privacy.field_crypto import is_ciphertext
from creditline.privacy.keyring import Keyring
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository, single_read

ENROLLMENT_TTL_S = 7 * 24 * 3600
DISPLAY_NAME_MAX = 64
OPERATORS_LISTED_MAX = 500


@dataclass(frozen=True, slots=True)
class AccessConfig:
    rp: RelyingParty
    policy: SessionPolicy = field(default_factory=SessionPolicy)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of one request: an account, its role, and for a borrower the borrower id it owns.

    `stored_name` is what `identity_accounts.display_name` holds (sealed); `display_name` opens it
    only when a page or the session route shows it, not on every authenticated request."""

    account_id: str
    role: Role
    borrower_id: str | None
    stored_name: str | None
    session: Session

    @property
    def is_operator(self) -> bool:
        return is_operator(self.role)

    @property
    def display_name(self) -> str:
        return account_names.shown(self.account_id, self.stored_name)


class AccountNotFound(NotFound):
    code = "account_not_found"


def now_s() -> int:
    return int(time.time())


def display_name(value: object, field: str = "display_name") -> str:
    cleaned = " ".join(value.split()) if isinstance(value, str) else ""
    if not cleaned or len(cleaned) > DISPLAY_NAME_MAX or not cleaned.isprintable() or is_ciphertext(cleaned):
        raise DomainError(f"1 to {DISPLAY_NAME_MAX} printable characters", field=field, code="invalid_name")
    return cleaned


def authenticate(engine: Engine, config: AccessConfig, token: str | None, *, now: int | None = None) -> Principal:
    """The principal behind a session token; raises `SessionInvalid`/`SessionExpired` (401)."""
    if not well_formed(token):
        raise SessionInvalid("sign in first: no session token", field="session")
    assert token is not None
    now = now_s() if now is None else now
    hashed = token_hash(token)
    with single_read(engine) as connection:
        row = IdentityRepository(connection).session(hashed)
    if row is None or row["account_status"] != "active":
        raise SessionInvalid("the session is unknown or has ended; sign in again", field="session")
    session = session_of(row)
    session.check(now, config.policy, row["account_epoch"])
    if session.needs_touch(now):
        with UnitOfWork(engine) as uow:
            IdentityRepository(uow.connection).touch_session(hashed, now)
            uow.commit()
    return Principal(row["account_id"], session.role, row["borrower_id"], row["display_name"], session)


def session_of(row: dict[str, Any]) -> Session:
    return Session(
        token_hash=row["token_hash"],
        account_id=row["account_id"],
        role=Role(row["role"]),
        privilege_epoch=row["privilege_epoch"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        csrf_hash=row["csrf_hash"],
    )


def start_session(uow: UnitOfWork, account: dict[str, Any], config: AccessConfig, now: int) -> IssuedSession:
    """A new session for an account that just proved who it is (inside the caller's unit of work)."""
    issued = issue(account["account_id"], Role(account["role"]), account["privilege_epoch"], now, config.policy)
    IdentityRepository(uow.connection).add_session(session_row(issued.session))
    return issued


def session_row(session: Session) -> dict[str, Any]:
    return {
        "token_hash": session.token_hash,
        "account_id": session.account_id,
        "role": str(session.role),
        "privilege_epoch": session.privilege_epoch,
        "created_at": session.created_at,
        "last_seen_at": session.last_seen_at,
        "expires_at": session.expires_at,
        "csrf_hash": session.csrf_hash,
    }


def sign_out(engine: Engine, principal: Principal) -> None:
    with UnitOfWork(engine) as uow:
        IdentityRepository(uow.connection).end_session(principal.session.token_hash, now_s())
        uow.commit()


def rotate_session(engine: Engine, principal: Principal) -> IssuedSession:
    """Replace the caller's token (and CSRF token): the old one stops working at once."""
    now = now_s()
    issued = rotate(principal.session, now)
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        repository.end_session(principal.session.token_hash, now)
        repository.add_session(session_row(issued.session))
        uow.commit()
    return issued


def account_view(account: dict[str, Any], keys: Keyring | None = None) -> dict[str, Any]:
    """An account as the API shows it: its name opened (`account_names.shown`)."""
    return {
        "account_id": account["account_id"],
        "role": account["role"],
        "display_name": account_names.shown(account["account_id"], account["display_name"], keys),
        "status": account["status"],
        "borrower_id": account["borrower_id"],
    }


# -- operators ----------------------------------------------------------------------------------


def create_operator(engine: Engine, name: str, role_text: str, *, now: int | None = None) -> dict[str, Any]:
    """A pending operator account and its one-time enrollment code (shown once, stored hashed).

    The operator redeems the code by registering a passkey; until then the account cannot sign in.
    """
    from creditline.identity.passkeys import b64url, new_user_handle

    role = role_named(role_text)
    if not is_operator(role):
        raise DomainError("an operator has an operator role", field="role", code="unknown_role")
    now = now_s() if now is None else now
    code = secrets.token_urlsafe(24)
    account_id = new_id("OP")
    account = {
        "account_id": account_id,
        "role": str(role),
        "display_name": account_names.sealed(account_id, str(role), display_name(name)),
        "user_handle": b64url(new_user_handle()),
        "borrower_id": None,
        "status": "pending",
        "privilege_epoch": 1,
        "enrollment_hash": token_hash(code),
        "enrollment_expires_at": now + ENROLLMENT_TTL_S,
        "created_at": now,
    }
    with UnitOfWork(engine) as uow:
        IdentityRepository(uow.connection).add_account(account)
        uow.commit()
    return account_view(account) | {"enrollment_code": code, "enrollment_expires_at": account["enrollment_expires_at"]}


def change_operator(engine: Engine, account_id: str, *, role_text: str | None, status: str | None) -> dict[str, Any]:
    """Change an operator's role or status; either ends every session the operator holds."""
    if role_text is None and status is None:  # a change of nothing would still end their sessions
        raise DomainError("name a role or a status to change", field="role", code="nothing_to_change")
    if status is not None and status not in ("active", "disabled"):
        raise DomainError("choose active or disabled", field="status", code="invalid_status")
    role = None if role_text is None else role_named(role_text)
    if role is not None and not is_operator(role):
        raise DomainError("an operator has an operator role", field="role", code="unknown_role")
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        # The admins are locked before the account so two admins demoting each other queue, not deadlock.
        admins = repository.lock_active_admins() if demotes_or_disables(role, status) else []
        account = repository.account(account_id, for_update=True)
        if account is None or account["role"] == Role.BORROWER:
            raise AccountNotFound(f"no operator {account_id!r}", field="account")
        if status == "active" and account["status"] == "pending":
            raise Conflict("a pending operator becomes active by enrolling a passkey", field="status", code="not_enrolled")
        if admins == [account_id]:
            field = "role" if role is not None and role != Role.ADMIN else "status"
            raise Conflict("the last active admin keeps the admin role and stays active; make another admin first",
                           field=field, code="last_admin")  # fmt: skip
        changes: dict[str, Any] = {"privilege_epoch": account["privilege_epoch"] + 1}
        if role is not None:
            changes["role"] = str(role)
        if status is not None:
            changes["status"] = status
        repository.update_account(account_id, **changes)
        uow.commit()
    return account_view(account | changes)


def demotes_or_disables(role: Role | None, status: str | None) -> bool:
    """Whether a change could take an active admin away: a role other than admin, or disabling."""
    return (role is not None and role != Role.ADMIN) or status == "disabled"


def list_operators(engine: Engine) -> list[dict[str, Any]]:
    with UnitOfWork(engine, read_only=True) as uow:
        rows = IdentityRepository(uow.connection).operators(OPERATORS_LISTED_MAX)
    keys = account_names.keyring()
    return [account_view(row, keys) for row in rows]


def account_of(engine: Engine, account_id: str) -> dict[str, Any]:
    with UnitOfWork(engine, read_only=True) as uow:
        account = IdentityRepository(uow.connection).account(account_id)
    if account is None:
        raise AccountNotFound(f"no account {account_id!r}", field="account")
    return account_view(account)
