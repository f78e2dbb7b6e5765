"""Consent records per scope, and the purpose check every use of personal data passes first.

PIPL (Art. 14) wants consent that is informed, specific to a purpose and withdrawable; so a record
names the text the borrower saw (`text_version`), the purpose it was given for, when it was
granted, when it lapses and whether it was withdrawn. A purpose needs a set of scopes; `require`
answers whether the records cover them on a given instant, which is data, never the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from creditline.privacy.errors import ConsentMissing, InvalidConsent

TEXT_VERSION_LENGTH_MAX = 64


class ConsentScope(StrEnum):
    CREDIT_BUREAU_QUERY = "credit_bureau_query"
    TRANSACTION_DATA = "transaction_data"
    DEVICE_DATA = "device_data"
    MARKETING = "marketing"


class Purpose(StrEnum):
    CREDIT_ASSESSMENT = "credit_assessment"
    FRAUD_PREVENTION = "fraud_prevention"
    MARKETING = "marketing"


# What each purpose may not run without. Marketing consent is never required to get credit:
# tying the two would make the marketing consent not freely given.
REQUIRED_SCOPES: dict[Purpose, frozenset[ConsentScope]] = {
    Purpose.CREDIT_ASSESSMENT: frozenset(
        {ConsentScope.CREDIT_BUREAU_QUERY, ConsentScope.TRANSACTION_DATA, ConsentScope.DEVICE_DATA}
    ),
    Purpose.FRAUD_PREVENTION: frozenset({ConsentScope.DEVICE_DATA}),
    Purpose.MARKETING: frozenset({ConsentScope.MARKETING}),
}


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    scope: ConsentScope
    text_version: str
    purpose: Purpose
    granted_at: datetime
    expires_at: datetime | None = None
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        field = f"consents.{self.scope}"
        if not isinstance(self.scope, ConsentScope) or not isinstance(self.purpose, Purpose):
            raise InvalidConsent("scope and purpose must be the known enumerations", field=field)
        if not self.text_version or len(self.text_version) > TEXT_VERSION_LENGTH_MAX:
            raise InvalidConsent(
                f"text_version must name the consent text shown (1..{TEXT_VERSION_LENGTH_MAX} chars)", field=field
            )
        for name in ("granted_at", "expires_at", "withdrawn_at"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise InvalidConsent(f"{name} needs a time zone offset", field=field)
            if moment is not None and not utc_representable(moment):
                raise InvalidConsent(f"{name} must fall within the years 1 to 9999 in UTC", field=field)
        if self.expires_at is not None and self.expires_at <= self.granted_at:
            raise InvalidConsent("expires_at must be after granted_at", field=field)
        if self.withdrawn_at is not None and self.withdrawn_at < self.granted_at:
            raise InvalidConsent("withdrawn_at cannot precede granted_at", field=field)

    def is_active(self, on: datetime) -> bool:
        """Granted at or before `on`, not yet expired, not withdrawn by then."""
        if on < self.granted_at:
            return False
        if self.expires_at is not None and on >= self.expires_at:
            return False
        return self.withdrawn_at is None or on < self.withdrawn_at

    def covers(self, purpose: Purpose, on: datetime) -> bool:
        return self.purpose is purpose and self.is_active(on)


def utc_representable(moment: datetime) -> bool:
    """Records are kept as seconds since the epoch and read back in UTC: a moment whose UTC falls
    outside the years 1 to 9999 (9999-12-31T23:59:59-14:00) could be stored but never shown again."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def active_consents(consents: Iterable[ConsentRecord], purpose: Purpose, on: datetime) -> list[ConsentRecord]:
    """The records that cover `purpose` on `on`, in scope order (stable for audit records)."""
    return sorted((c for c in consents if c.covers(purpose, on)), key=lambda c: (c.scope, c.granted_at))


def missing_scopes(consents: Iterable[ConsentRecord], purpose: Purpose, on: datetime) -> tuple[ConsentScope, ...]:
    """The scopes `purpose` needs that no active record covers, sorted; empty when all are there."""
    covered = {c.scope for c in active_consents(consents, purpose, on)}
    return tuple(sorted(REQUIRED_SCOPES[purpose] - covered))


def require(consents: Iterable[ConsentRecord], purpose: Purpose, on: datetime) -> list[ConsentRecord]:
    """The active records that justify `purpose` on `on`; raises `ConsentMissing` naming what lacks."""
    consents = list(consents)
    missing = missing_scopes(consents, purpose, on)
    if missing:
        names = ", ".join(missing)
        raise ConsentMissing(
            f"{purpose} needs consent to {names}", scopes=tuple(str(s) for s in missing), field=f"consents.{missing[0]}"
        )
    needed = REQUIRED_SCOPES[purpose]
    return [c for c in active_consents(consents, purpose, on) if c.scope in needed]
