"""The one error type every bounded context raises for mistakes a user can cause.

A shared kernel, deliberately tiny: entrypoints (CLI, HTTP) translate any `DomainError` into a
one-line message or an RFC 9457 problem without knowing which context raised it. Programming
errors stay plain asserts and exceptions.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule the input broke. `code` is stable and machine-readable; `field` names the input."""

    code: str = "invalid"
    http_status: int = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class TooManyAttempts(DomainError):
    """Refused until `retry_after_s` seconds have passed: HTTP 429 with `Retry-After`."""

    code = "too_many_attempts"
    http_status = 429

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None, code: str | None = None) -> None:
        assert retry_after_s >= 1
        super().__init__(message, field=field, code=code)
        self.retry_after_s = retry_after_s
