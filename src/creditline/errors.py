"""The one error type every bounded context raises for mistakes a user can cause.

A shared kernel, deliberately tiny: entrypoints (CLI, HTTP) translate any `DomainError` into a
one-line message or an RFC 9457 problem without knowing which context raised it. Programming
errors stay plain asserts and exceptions.
"""

from __future__ import annotations

import re

ECHO_LENGTH_MAX = 80  # characters of a value a message repeats back
MESSAGE_LENGTH_MAX = 1000  # characters of a whole message, however many values it repeats
ELLIPSIS = "…"
# A value a message echoes: a Python repr in quotes (`{text!r}`, the house style), opening after no word
# character so the apostrophe of "loan's" opens nothing; or a run of text with no space, quote, the
# punctuation that follows a field's name (`field: rule`) or a path's separator (a file named in full
# is worth its length; the whole message's limit still holds).
_ECHOED = re.compile(
    r"""(?<![\w'"])('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?!\w)|[^\s'":,;()/\\]"""
    + f"{{{ECHO_LENGTH_MAX + 1},}}"
)


def shortened(message: str) -> str:
    """`message` with every value it echoes cut to ECHO_LENGTH_MAX characters and an ellipsis, and the whole
    to MESSAGE_LENGTH_MAX: a 100 kB field must not come back whole in a problem's detail or on a terminal.
    Idempotent, so a message may pass through it twice (a domain error's, then the CLI's line)."""
    cut = _ECHOED.sub(_cut, message)
    return cut if len(cut) <= MESSAGE_LENGTH_MAX else cut[: MESSAGE_LENGTH_MAX - 1] + ELLIPSIS


def _cut(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group(1) is None:  # a run with no space: no word of prose is this long
        return text[: ECHO_LENGTH_MAX - 1] + ELLIPSIS
    quote, inner = text[0], text[1:-1]
    return text if len(inner) <= ECHO_LENGTH_MAX else quote + inner[: ECHO_LENGTH_MAX - 1] + ELLIPSIS + quote


class DomainError(Exception):
    """A rule the input broke. `code` is stable and machine-readable; `field` names the input.

    The message and the field are `shortened` here, once for every entrypoint: the values they echo
    back are the user's, of any length."""

    code: str = "invalid"
    http_status: int = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        message = shortened(message)
        super().__init__(message)
        self.message = message
        self.field = None if field is None else shortened(field)
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
