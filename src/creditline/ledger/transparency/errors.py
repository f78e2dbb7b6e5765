"""Typed errors of the tamper-evident log."""

from __future__ import annotations

from creditline.errors import DomainError


class TransparencyError(DomainError):
    code = "transparency_error"


class InvalidProof(TransparencyError):
    """A proof, a tree size or a leaf index that does not check out against the head it names."""

    code = "invalid_proof"


class InvalidSignature(TransparencyError):
    """A tree head or record receipt whose Ed25519 signature does not verify under the public key."""

    code = "invalid_signature"


class InvalidRecord(TransparencyError):
    """A log record that is malformed, not canonical, or would carry personal data into the log."""

    code = "invalid_record"


class InvalidKey(TransparencyError):
    """A signing or public key that cannot be read as Ed25519."""

    code = "invalid_key"
