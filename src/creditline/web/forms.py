"""Reading what a browser posts: URL-encoded forms and small JSON bodies, bounded.

The edge middleware already refuses bodies over the API's limit; these add a cap on the number of
fields and insist on the content type, so a cross-site form cannot post JSON to the ceremony
endpoints (a JSON content type from another origin needs a CORS preflight, which is never granted).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Path, Request

from creditline.errors import DomainError
from creditline.ids import ID_PATTERN, ROW_ID_MAX

FIELDS_MAX = 64
FIELD_CHARS_MAX = 2000
# The ids in page paths, held to the API's rule: a NUL byte or a 10,000-character id never reaches a query
# (PostgreSQL refuses NUL in text: a 500 where a 404 or 422 is due).
PageId = Annotated[str, Path(pattern=ID_PATTERN)]
PageNumber = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]


class FormInvalid(DomainError):
    code = "form_invalid"


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as a dict. A name given twice is refused: no form of ours repeats one, and joining the
    values would read `amount=100&amount=200` as the amount 100,200."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise FormInvalid("send the form as application/x-www-form-urlencoded", field="content-type")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, max_num_fields=FIELDS_MAX)
    except (UnicodeDecodeError, ValueError):
        raise FormInvalid(f"at most {FIELDS_MAX} fields of UTF-8 text", field="form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if len(value) > FIELD_CHARS_MAX:
            raise FormInvalid(f"at most {FIELD_CHARS_MAX} characters", field=name[:40])
        if name in fields:
            raise FormInvalid("given more than once", field=name[:40])
        fields[name] = value
    return fields


async def json_body(request: Request) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise FormInvalid("send application/json", field="content-type")
    from creditline.api.json_body import DuplicateKey, loads_strict

    try:  # a key twice is ambiguous, as over /v1 (a drawdown's amount is read from this body)
        body = loads_strict(await request.body())
    except DuplicateKey as twice:
        raise FormInvalid(str(twice), field=twice.key) from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise FormInvalid("the body is not JSON", field="body") from None
    if not isinstance(body, dict):
        raise FormInvalid("the body is a JSON object", field="body")
    return body
