"""Typed errors of personal-data protection: keys, ciphertexts, purpose checks, erasure."""

from __future__ import annotations

from creditline.errors import DomainError


class KeyringError(DomainError):
    """The keyring is missing, malformed, or readable by others than its owner."""

    code = "keyring_invalid"


class UnknownKey(DomainError):
    """A ciphertext names a key version the keyring does not hold (retired too early?)."""

    code = "unknown_key"


class DecryptionFailed(DomainError):
    """The ciphertext was altered, or moved to another table, column or row than it was written for."""

    code = "decryption_failed"


class PurposeNotAllowed(DomainError):
    """The purpose given does not justify reading this field of personal data."""

    code = "purpose_not_allowed"
    http_status = 403


class ProcessingRestricted(DomainError):
    """The borrower asked for erasure while the law still needs the data: only legal duties may read it."""

    code = "processing_restricted"
    http_status = 403
