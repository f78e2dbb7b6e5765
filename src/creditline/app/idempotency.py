"""Client idempotency keys: same key + same request → the first result; different request → an error."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from creditline.app.errors import IdempotencyConflict
from creditline.store import UnitOfWork

KEY_LENGTH_MAX = 200


# `json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)`, its encoder made once
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def request_hash(request: dict[str, Any]) -> str:
    canonical = _CANONICAL.encode(request)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_key(key: str) -> str:
    from creditline.errors import DomainError

    if not key or not key.strip() or len(key) > KEY_LENGTH_MAX:
        raise DomainError(f"must be 1 to {KEY_LENGTH_MAX} characters", field="key", code="key_invalid")
    if not key.isprintable():  # a NUL byte would reach PostgreSQL, which refuses it in text
        raise DomainError("printable characters only", field="key", code="key_invalid")
    return key


def journal_key(scope: str, key: str) -> str:
    """A journal entry's key (unique in the journal): the scope and the client's key, hashed when the two
    would not fit the column that holds both (a key of up to `KEY_LENGTH_MAX` is the client's right)."""
    plain = f"{scope}:{key}"
    if len(plain) <= KEY_LENGTH_MAX:
        return plain
    return f"{scope}:sha256:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def first_result(uow: UnitOfWork, scope: str, key: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The stored result of an earlier identical request, None for a new key; a reused key raises."""
    return stored_result(uow.idempotency.get(scope, key), scope, key, request)


def stored_result(found: tuple[str, dict[str, Any]] | None, scope: str, key: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """`first_result` of a key's record already read (its request hash and result, or None)."""
    if found is None:
        return None
    stored_hash, result = found
    if stored_hash != request_hash(request):
        raise IdempotencyConflict(f"{key!r} was already used for a different {scope} request", field="key")
    return result


def remember(uow: UnitOfWork, scope: str, key: str, request: dict[str, Any], result: dict[str, Any], *, borrower_id: str) -> None:
    uow.idempotency.put(scope, key, borrower_id=borrower_id, request_hash=request_hash(request), result=result)
