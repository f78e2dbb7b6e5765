"""Consents a signed-in borrower manages: grant a scope for a purpose, list them, withdraw one.

Each is a `privacy.ConsentRecord` (scope, purpose, the text version shown, when granted, expiry,
withdrawal). Withdrawing is a timestamp, never a deletion: what was consented when must stay
answerable (PIPL Art. 15 makes withdrawal easy; it does not undo processing done before it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from creditline.app.access import now_s
from creditline.app.common import new_id
from creditline.errors import NotFound
from creditline.privacy import ConsentRecord, ConsentScope, InvalidConsent, Purpose
from creditline.privacy.consent import missing_scopes, utc_representable
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository

CONSENTS_PER_ACCOUNT_MAX = 200


class ConsentNotFound(NotFound):
    code = "consent_not_found"


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


def consent_view(row: dict[str, Any], now: int) -> dict[str, Any]:
    active = row["withdrawn_at"] is None and (row["expires_at"] is None or now < row["expires_at"])
    return {
        "consent_id": row["consent_id"],
        "scope": row["scope"],
        "purpose": row["purpose"],
        "text_version": row["text_version"],
        "granted_at": _iso(row["granted_at"]),
        "expires_at": _iso(row["expires_at"]),
        "withdrawn_at": _iso(row["withdrawn_at"]),
        "active": active,
    }


def _record(scope: str, purpose: str, text_version: str, granted: int, expires: datetime | None) -> ConsentRecord:
    try:
        scope_value = ConsentScope(scope)
    except ValueError:
        raise InvalidConsent(f"choose one of {', '.join(ConsentScope)}", field="scope") from None
    try:
        purpose_value = Purpose(purpose)
    except ValueError:
        raise InvalidConsent(f"choose one of {', '.join(Purpose)}", field="purpose") from None
    if not text_version.isprintable():
        raise InvalidConsent("printable text only", field="text_version")
    if expires is not None and expires.tzinfo is None:
        raise InvalidConsent("needs a time zone offset", field="expires_at")
    # stored in whole seconds, as granted is; a moment UTC cannot hold is refused by ConsentRecord itself
    if expires is not None and utc_representable(expires) and int(expires.timestamp()) <= granted:
        raise InvalidConsent("must be after the consent is granted (now)", field="expires_at")
    return ConsentRecord(scope_value, text_version, purpose_value, datetime.fromtimestamp(granted, UTC), expires)


def _row(account_id: str, record: ConsentRecord) -> dict[str, Any]:
    return {
        "consent_id": new_id("CS"),
        "account_id": account_id,
        "scope": str(record.scope),
        "purpose": str(record.purpose),
        "text_version": record.text_version,
        "granted_at": int(record.granted_at.timestamp()),
        "expires_at": None if record.expires_at is None else int(record.expires_at.timestamp()),
        "withdrawn_at": None if record.withdrawn_at is None else int(record.withdrawn_at.timestamp()),
    }


def grant(engine: Engine, account_id: str, scope: str, purpose: str, text_version: str, expires_at: datetime | None) -> dict[str, Any]:
    now = now_s()
    row = _row(account_id, _record(scope, purpose, text_version, now, expires_at))
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        check_consents_held(_held(repository.queue_consent_count(account_id)) + 1, field="scope")
        repository.add_consents([row])
        uow.commit()
    return consent_view(row, now)


def check_consents_held(held: int, *, field: str) -> None:
    """An account holds at most CONSENTS_PER_ACCOUNT_MAX consent records (withdrawn ones stay on record),
    whether granted one by one or carried by its applications: `held` counts the ones being added."""
    if held > CONSENTS_PER_ACCOUNT_MAX:
        raise InvalidConsent(f"at most {CONSENTS_PER_ACCOUNT_MAX} consent records per account", field=field, code="too_many")


def _held(count: Any) -> int:
    row = count.first()
    assert row is not None, "a count has one row"
    return int(row[0])


def queue_application_consents(repository: IdentityRepository, account_id: str, application: dict[str, Any]) -> Callable[[], None]:
    """Queue the writes of the consents an application carried; the returned check, called once they
    have run, raises `too_many` on `consents` when they took the account past the limit (the unit of work
    then rolls back with the decision)."""
    rows = consent_rows(account_id, records_of(application))
    if not rows:
        return lambda: None
    repository.add_consents(rows)
    count = repository.queue_consent_count(account_id)
    return lambda: check_consents_held(_held(count), field="consents")


def consent_rows(account_id: str, records: Iterable[ConsentRecord]) -> list[dict[str, Any]]:
    """The rows that keep the consents an application carried."""
    return [_row(account_id, record) for record in records]


def records_of(application: dict[str, Any]) -> list[ConsentRecord]:
    """The consent records of an application `apply` accepted (so its consents are well-formed)."""
    return [
        ConsentRecord(
            ConsentScope(c["scope"]), c["text_version"], Purpose(c["purpose"]), datetime.fromisoformat(c["granted_at"]),
            None if c.get("expires_at") is None else datetime.fromisoformat(c["expires_at"]),
            None if c.get("withdrawn_at") is None else datetime.fromisoformat(c["withdrawn_at"]),
        )
        for c in application.get("consents", [])
    ]


def _moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def borrower_consents_to(connection: Connection, borrower_id: str, purpose: Purpose, now: int) -> bool:
    """Whether the borrower's account holds, at `now`, an active consent to every scope `purpose` needs."""
    rows = IdentityRepository(connection).borrower_consents(borrower_id, str(purpose))
    records = [
        ConsentRecord(ConsentScope(r["scope"]), r["text_version"], Purpose(r["purpose"]), _moment(r["granted_at"]),  # type: ignore[arg-type]
                      _moment(r["expires_at"]), _moment(r["withdrawn_at"]))
        for r in rows
    ]  # fmt: skip
    return not missing_scopes(records, purpose, datetime.fromtimestamp(now, UTC))


def list_consents(engine: Engine, account_id: str) -> list[dict[str, Any]]:
    now = now_s()
    with UnitOfWork(engine, read_only=True) as uow:
        rows = IdentityRepository(uow.connection).consents(account_id)
    return [consent_view(row, now) for row in rows]


def withdraw(engine: Engine, account_id: str, consent_id: str) -> dict[str, Any]:
    now = now_s()
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        row = repository.consent(consent_id)
        if row is None or row["account_id"] != account_id:
            raise ConsentNotFound(f"no consent {consent_id!r}", field="consent")
        repository.withdraw_consent(consent_id, now)
        uow.commit()
    return consent_view(row | {"withdrawn_at": row["withdrawn_at"] or now}, now)
