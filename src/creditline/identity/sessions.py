"""Sessions: opaque tokens, absolute expiry, idle timeout, rotation, and the CSRF token beside them.

A token is 32 random bytes shown to the client once; the store keeps only its SHA-256, so a copy of
the database signs nobody in. A session ends at `expires_at` whatever happens, and earlier when it
sat idle longer than the policy allows. `privilege_epoch` is the account's epoch when the session
began: raising the account's epoch (a role change, a revoked passkey) ends every older session.
Times are integer Unix seconds handed in by the caller (this module reads no clock).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace

from creditline.errors import DomainError
from creditline.identity.roles import Role

TOKEN_BYTES = 32
TOKEN_TEXT_LENGTH_MAX = 128
# last_seen is written at most this often: a write per request would cost more than the request
TOUCH_INTERVAL_S = 60


class SessionInvalid(DomainError):
    """No session, an unknown token, or one that ended: the client must sign in again."""

    code = "session_invalid"
    http_status = 401


class SessionExpired(SessionInvalid):
    code = "session_expired"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    lifetime_s: int = 12 * 3600
    idle_s: int = 30 * 60

    def __post_init__(self) -> None:
        assert 0 < self.idle_s <= self.lifetime_s, "idle timeout within the lifetime"


@dataclass(frozen=True, slots=True)
class Session:
    token_hash: str
    account_id: str
    role: Role
    privilege_epoch: int
    created_at: int
    last_seen_at: int
    expires_at: int
    csrf_hash: str

    def check(self, now: int, policy: SessionPolicy, account_epoch: int) -> None:
        """Raise unless the session may act at `now` for an account now at `account_epoch`."""
        if now >= self.expires_at:
            raise SessionExpired("the session has expired; sign in again", field="session")
        if now - self.last_seen_at >= policy.idle_s:
            raise SessionExpired("the session was idle too long; sign in again", field="session")
        if account_epoch != self.privilege_epoch:
            raise SessionExpired("the account's privileges changed; sign in again", field="session")

    def needs_touch(self, now: int) -> bool:
        return now - self.last_seen_at >= TOUCH_INTERVAL_S

    def csrf_matches(self, submitted: str | None) -> bool:
        if not submitted or len(submitted) > TOKEN_TEXT_LENGTH_MAX:
            return False
        return hmac.compare_digest(token_hash(submitted), self.csrf_hash)


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """What the client receives once: the bearer token and the CSRF token, in clear."""

    session: Session
    token: str
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def issue(account_id: str, role: Role, privilege_epoch: int, now: int, policy: SessionPolicy) -> IssuedSession:
    token, csrf = new_token(), new_token()
    session = Session(
        token_hash=token_hash(token),
        account_id=account_id,
        role=role,
        privilege_epoch=privilege_epoch,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.lifetime_s,
        csrf_hash=token_hash(csrf),
    )
    return IssuedSession(session, token, csrf)


def rotate(old: Session, now: int) -> IssuedSession:
    """A fresh token and CSRF token for the same sign-in; the expiry does not move (no extension)."""
    token, csrf = new_token(), new_token()
    session = replace(old, token_hash=token_hash(token), csrf_hash=token_hash(csrf), last_seen_at=now)
    return IssuedSession(session, token, csrf)


def well_formed(token: str | None) -> bool:
    return bool(token) and len(token) <= TOKEN_TEXT_LENGTH_MAX and token.isascii() and token.isprintable()
