"""Purpose-checked reads of personal data, each one written to an access log.

Every read names who reads (`actor`), whose data, which fields and for what purpose. The purpose
must justify each field (data minimisation, PIPL Art. 6) and have a lawful basis: the borrower's
active consent where the purpose rests on consent, the loan contract or a legal duty where it does
not (PIPL Art. 13). The log entry is written before anything is decrypted, and refusals are
logged too, so the log answers "who looked at my data?" completely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from creditline.privacy.consent import ConsentRecord, Purpose, require
from creditline.privacy.errors import ConsentMissing
from creditline.privacy.field_crypto import FieldAddress, FieldCipher
from creditline.privacy.protection_errors import ProcessingRestricted, PurposeNotAllowed

FIELDS_PER_READ_MAX = 32


class AccessPurpose(StrEnum):
    CREDIT_ASSESSMENT = "credit_assessment"
    FRAUD_PREVENTION = "fraud_prevention"
    MARKETING = "marketing"
    LOAN_SERVICING = "loan_servicing"
    COLLECTIONS = "collections"
    LEGAL_OBLIGATION = "legal_obligation"
    SUBJECT_REQUEST = "subject_request"


# Purposes that rest on consent, and the consent purpose that must cover them; the others rest on
# the contract the borrower signed (servicing, collections), a legal duty, or the borrower's own request.
CONSENT_BASIS: dict[AccessPurpose, Purpose] = {
    AccessPurpose.CREDIT_ASSESSMENT: Purpose.CREDIT_ASSESSMENT,
    AccessPurpose.FRAUD_PREVENTION: Purpose.FRAUD_PREVENTION,
    AccessPurpose.MARKETING: Purpose.MARKETING,
}

_IDENTITY = frozenset({"name", "id_number", "phone", "date_of_birth", "address", "bank_account"})
ALLOWED_FIELDS: dict[AccessPurpose, frozenset[str]] = {
    AccessPurpose.CREDIT_ASSESSMENT: frozenset({"name", "id_number", "date_of_birth", "address", "income"}),
    AccessPurpose.FRAUD_PREVENTION: frozenset({"id_number", "phone", "device_id", "bank_account"}),
    AccessPurpose.MARKETING: frozenset({"name", "phone"}),
    AccessPurpose.LOAN_SERVICING: frozenset({"name", "phone", "bank_account"}),
    AccessPurpose.COLLECTIONS: frozenset({"name", "phone", "address"}),
    AccessPurpose.LEGAL_OBLIGATION: _IDENTITY | {"income", "device_id"},
    AccessPurpose.SUBJECT_REQUEST: _IDENTITY | {"income", "device_id"},
}


def field_kind(name: str) -> str:
    """What a field is, for purpose checks: `bank_account:<source>` (a borrower's further repayment
    sources, app.repayment_sources) is a bank account like `bank_account`."""
    kind, _, _ = name.partition(":")
    return kind


@dataclass(frozen=True, slots=True)
class AccessLogEntry:
    actor: str
    borrower_id: str
    purpose: AccessPurpose
    fields: tuple[str, ...]
    at: datetime
    granted: bool
    basis: str  # the consent versions, "contract", "legal duty" — or why it was refused


class AccessLog(Protocol):
    def append(self, entry: AccessLogEntry) -> None: ...


@dataclass
class InMemoryAccessLog:
    entries: list[AccessLogEntry] = field(default_factory=list)

    def append(self, entry: AccessLogEntry) -> None:
        self.entries.append(entry)


@dataclass(frozen=True, slots=True)
class StoredField:
    """An encrypted value as the store holds it, with the address it was encrypted for."""

    address: FieldAddress
    token: str | None


class PersonalDataAccess:
    def __init__(self, cipher: FieldCipher, log: AccessLog) -> None:
        self._cipher = cipher
        self._log = log

    def read(
        self,
        *,
        actor: str,
        borrower_id: str,
        purpose: AccessPurpose,
        fields: Mapping[str, StoredField],
        consents: Iterable[ConsentRecord],
        at: datetime,
        restricted: bool = False,
    ) -> dict[str, str | None]:
        """The plaintext of `fields`, if `purpose` justifies every one of them for this borrower at `at`."""
        names = tuple(sorted(fields))
        try:
            basis = self._justify(purpose, names, consents, at, restricted)
        except (PurposeNotAllowed, ConsentMissing, ProcessingRestricted) as refusal:
            self._log.append(AccessLogEntry(actor, borrower_id, purpose, names, at, False, refusal.message))
            raise
        self._log.append(AccessLogEntry(actor, borrower_id, purpose, names, at, True, basis))
        return {name: self._cipher.decrypt_optional(stored.token, stored.address) for name, stored in fields.items()}

    @staticmethod
    def _justify(
        purpose: AccessPurpose, names: Sequence[str], consents: Iterable[ConsentRecord], at: datetime, restricted: bool
    ) -> str:
        if not 1 <= len(names) <= FIELDS_PER_READ_MAX:
            raise PurposeNotAllowed(f"read 1..{FIELDS_PER_READ_MAX} fields at a time", field="fields")
        # The borrower's own requests (their export, their account shown to them) stay open: a restriction
        # stops the lender's processing, not the person's right of access (PIPL Art. 45).
        if restricted and purpose not in (AccessPurpose.LEGAL_OBLIGATION, AccessPurpose.SUBJECT_REQUEST):
            raise ProcessingRestricted(
                "the borrower asked for erasure; until the legal period ends only legal duties may read", field="purpose"
            )
        unjustified = [n for n in names if field_kind(n) not in ALLOWED_FIELDS[purpose]]
        if unjustified:
            raise PurposeNotAllowed(f"{purpose} does not justify reading {', '.join(unjustified)}", field=unjustified[0])
        if purpose in CONSENT_BASIS:
            granted = require(consents, CONSENT_BASIS[purpose], at)
            return "consent " + ", ".join(f"{c.scope}@{c.text_version}" for c in granted)
        return {
            AccessPurpose.LOAN_SERVICING: "contract",
            AccessPurpose.COLLECTIONS: "contract",
            AccessPurpose.LEGAL_OBLIGATION: "legal duty",
            AccessPurpose.SUBJECT_REQUEST: "the borrower's own request",
        }[purpose]
