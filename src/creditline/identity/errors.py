"""Typed errors for identity fields: each names the field and a stable code."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidIdentity(DomainError):
    code = "invalid_identity"


class InvalidIdNumber(InvalidIdentity):
    code = "invalid_id_number"


class InvalidBirthDate(InvalidIdentity):
    code = "invalid_birth_date"


class InvalidPhone(InvalidIdentity):
    code = "invalid_phone"


class InvalidBankCard(InvalidIdentity):
    code = "invalid_bank_card"


class InvalidName(InvalidIdentity):
    code = "invalid_name"


class UnknownJurisdiction(InvalidIdentity):
    code = "unknown_jurisdiction"
