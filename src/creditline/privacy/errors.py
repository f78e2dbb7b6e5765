"""Typed errors for consent and, later, the other personal-data rules."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidConsent(DomainError):
    """A consent record that cannot be true: expiry before grant, unknown scope, no text version."""

    code = "invalid_consent"


class ConsentMissing(DomainError):
    """A purpose needs a scope the borrower has not granted, or whose grant expired or was withdrawn."""

    code = "consent_missing"
    http_status = 403

    def __init__(self, message: str, *, scopes: tuple[str, ...], field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.scopes = scopes
