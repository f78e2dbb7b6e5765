"""RFC 9457 problem details: every error the API returns has this one shape.

`{"type", "title", "status", "detail", "instance", "code", "request_id", "errors": [{"field",
"code", "message"}]}` as `application/problem+json`. `type` is `/problems/<code>` (documented in
docs/api.md); `code` repeats it for clients that switch on a string. A `DomainError` brings its
own status, code and field (a reused idempotency key is named here, once, as the `Idempotency-Key`
header the client sent, and an unknown borrower or loan named in the path as its path parameter);
validation errors name every field that failed and the rule.
"""

from __future__ import annotations

import copy
import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditline.api.json_body import DuplicateKey
from creditline.api.params import KEY_HEADER
from creditline.errors import DomainError, NotFound, TooManyAttempts, shortened

MEDIA_TYPE = "application/problem+json"
ERRORS_LISTED_MAX = 20
_LOG = logging.getLogger("creditline.api")
# What the use cases could not find -> the path parameter that names it (as deps.visible_loan names it)
PATH_PARAMETERS = {"borrower": "borrower_id", "loan": "loan_id"}


class FieldError(BaseModel):
    field: str | None = Field(description="the input that broke the rule: a body path, a query or header name")
    code: str = Field(description="the rule, stable and machine-readable")
    message: str


class Problem(BaseModel):
    type: str = Field(description="a URI reference naming the kind of problem: /problems/<code>")
    title: str
    status: int
    detail: str
    instance: str | None = None
    code: str
    request_id: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


def problem_response(
    request_or_scope: Any,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    scope = request_or_scope.scope if isinstance(request_or_scope, Request) else request_or_scope
    body = {
        "type": f"/problems/{code}",
        "title": _title(status),
        "status": status,
        "detail": shortened(detail),  # a domain error's are already; a validation error's field is the client's key
        "instance": scope.get("path"),
        "code": code,
        "request_id": scope.get("state", {}).get("request_id"),
        "errors": [_shortened(error) for error in (errors or [])[:ERRORS_LISTED_MAX]],
    }
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _shortened(error: dict[str, Any]) -> dict[str, Any]:
    field, message = error.get("field"), error.get("message")
    return error | {"field": None if field is None else shortened(str(field)),
                    "message": None if message is None else shortened(str(message))}  # fmt: skip


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    exc = _as_path_parameter(request, _as_header_key(request, exc))
    headers = {"WWW-Authenticate": 'Bearer realm="creditline"'} if exc.http_status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_s)}
    errors = [{"field": exc.field, "code": exc.code, "message": exc.message}]
    return problem_response(request, exc.http_status, exc.code, str(exc), errors, headers)


def _as_header_key(request: Request, exc: DomainError) -> DomainError:
    """A reused key is the client's `Idempotency-Key` header: the use cases name the key they hold, the
    account-scoped `<account>:<key>`, as the field `key`, which is no input of the HTTP API. Only a
    signed-in request's header supplies a client key (the routes scope it to the caller's account)."""
    from creditline.app.applications import client_key
    from creditline.app.errors import IdempotencyConflict

    key = request.headers.get(KEY_HEADER)
    principal = getattr(request.state, "principal", None)
    if not isinstance(exc, IdempotencyConflict) or key is None or principal is None:
        return exc
    message = exc.message.replace(shortened(repr(client_key(principal.account_id, key))), repr(key))
    return IdempotencyConflict(message, field=KEY_HEADER)


def _as_path_parameter(request: Request, exc: DomainError) -> DomainError:
    """An unknown borrower or loan that the path names is the client's path parameter (`borrower_id`,
    `loan_id`): the use cases name what they could not find as `borrower` or `loan`, which they also are
    when a body or the CLI named it."""
    parameter = PATH_PARAMETERS.get(exc.field or "")
    if not isinstance(exc, NotFound) or parameter is None or parameter not in request.path_params:
        return exc
    renamed = copy.copy(exc)
    renamed.field = parameter
    return renamed


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return problem_response(request, 422, "validation_failed", detail, errors)


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in error.get("loc", ())]
    if error.get("type") == "json_invalid":  # loc is ("body", character position): the body is at fault
        where = f" at character {location[1]}" if len(location) > 1 else ""
        return {"field": "body", "code": "json_invalid", "message": f"{error.get('msg', 'invalid JSON')}{where}"}
    if location and location[0] in ("body", "query", "path", "header", "cookie"):
        source, rest = location[0], location[1:]
        field = ".".join(rest) if rest else source
        if source == "header":
            field = "-".join(word.capitalize() for word in field.replace("_", "-").split("-"))
    else:
        field = ".".join(location) or None
    return {"field": field, "code": str(error.get("type", "invalid")), "message": str(error.get("msg", "invalid"))}


def _unreadable_body(exc: StarletteHTTPException) -> str | None:
    """Why the body could not be read as JSON, when FastAPI gave up on it with a bare 400 (it turns only
    a syntax error into a validation error; invalid UTF-8, nesting past the recursion limit and integers
    past Python's digit limit came back as 400 with no field)."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not UTF-8"
    if isinstance(cause, RecursionError):
        return "the body is nested too deeply"
    return f"the body cannot be read: {str(cause)[:120]}"


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, DuplicateKey):  # ambiguous input, refused by the routes' decoder (json_body)
        key = exc.__cause__.key
        errors = [{"field": key, "code": "duplicate_key", "message": str(exc.__cause__)}]
        return problem_response(request, 422, "validation_failed", f"{key}: {exc.__cause__}", errors)
    if (unreadable := _unreadable_body(exc)) is not None:  # as a syntax error is answered: the body is at fault
        code = "json_invalid" if "json" in request.headers.get("content-type", "") else "body_invalid"
        errors = [{"field": "body", "code": code, "message": unreadable}]
        return problem_response(request, 422, "validation_failed", f"body: {unreadable}", errors)
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large", 400: "bad_request"}.get(
        exc.status_code, "http_error"
    )
    detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}"
    elif exc.status_code == 405:
        allow = dict(exc.headers or {}).get("Allow")
        detail = f"{request.method} is not allowed on {request.url.path}" + (f" (allowed: {allow})" if allow else "")
    return problem_response(request, exc.status_code, code, detail, None, dict(exc.headers or {}))


def _unexpected(request: Request, exc: Exception) -> Response:
    _LOG.exception("unhandled error", extra={"request_id": request.scope.get("state", {}).get("request_id")})
    return problem_response(request, 500, "internal_error", "the server failed; the request id names it in our logs")


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


_PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": _PROBLEM_CONTENT} for status in (400, 401, 403, 404, 409, 413, 422, 429)
}
# The vault's routes without data keys: documented as what is sent, application/problem+json.
VAULT_UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "content": _PROBLEM_CONTENT, "description": "no data keys are configured on this server"}
}
