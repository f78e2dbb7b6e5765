"""The edge of every request, as one pure ASGI middleware (cheaper than a stack of BaseHTTPMiddleware):
request id, body-size limit, rate limit, security headers, metrics and a JSON access log line.

Order inside: assign the request id → refuse an oversized body (413) before the app reads it →
take a token from the client's bucket (429 with Retry-After) → run the app → add the headers →
count and log with the route template the router matched.

A client's bucket is its session's once this worker has seen the session live (a request the
session authenticated), its address's otherwise: a token anyone can make up — a new bearer or
session cookie on every request — would otherwise buy a fresh bucket each time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from collections import OrderedDict
from typing import Any

from starlette.requests import cookie_parser

from creditline.api.auth_tokens import SESSION_COOKIE
from creditline.api.metrics import UNMATCHED, HttpMetrics
from creditline.api.problems import problem_response
from creditline.api.ratelimit import CLIENTS_TRACKED_MAX, RateLimiter, retry_after_s
from creditline.api.settings import ApiSettings

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})
CSP_API = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=63072000; includeSubDomains"

_access = logging.getLogger("creditline.access")


class EdgeMiddleware:
    def __init__(self, app: Any, settings: ApiSettings, metrics: HttpMetrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.limiter = RateLimiter(settings.rate_per_s, settings.rate_burst)
        self.live_sessions: OrderedDict[str, None] = OrderedDict()  # bucket keys of sessions seen live

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        if method == "HEAD":  # RFC 9110: every GET resource answers HEAD too, with the GET's headers and no body
            scope = {**scope, "method": "GET"}
        headers = _headers(scope)
        request_id = _request_id(headers.get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        status_box = [500]
        wrapped_send = self._sender(send, scope, request_id, status_box, with_body=method != "HEAD")
        session_key = _session_key(headers)
        try:
            refusal, receive = await self._admit(scope, headers, receive, session_key)
            if refusal is not None:
                await refusal(scope, receive, wrapped_send)
            else:
                await self.app(scope, receive, wrapped_send)
        finally:
            principal = scope["state"].get("principal")  # set by whatever authenticated the request
            if principal is not None:
                self._seen_live(_key_of(principal.session.token_hash))
            self._record(scope, method, status_box[0], time.perf_counter() - started, request_id)

    def _seen_live(self, session_key: str) -> None:
        """The request's session authenticated it: from now on the session has a bucket of its own."""
        self.live_sessions[session_key] = None
        self.live_sessions.move_to_end(session_key)
        if len(self.live_sessions) > CLIENTS_TRACKED_MAX:
            self.live_sessions.popitem(last=False)

    def _client_key(self, scope: dict[str, Any], session_key: str | None) -> str:
        if session_key is not None and session_key in self.live_sessions:
            return session_key
        client = scope.get("client")
        return "a:" + (client[0] if client else "unknown")

    async def _admit(
        self, scope: dict[str, Any], headers: dict[str, str], receive: Any, session_key: str | None
    ) -> tuple[Any, Any]:
        """(a refusal response or None, the receive callable the app should read the body from)."""
        if scope["method"] in BODY_METHODS:
            body, too_large = await _read_body(receive, headers, self.settings.body_bytes_max)
            if too_large:
                detail = f"the request body exceeds {self.settings.body_bytes_max} bytes"
                return problem_response(scope, 413, "body_too_large", detail, [
                    {"field": "body", "code": "body_too_large", "message": detail}]), receive  # fmt: skip
            receive = _replay(body)
        if scope["path"] not in UNLIMITED_PATHS:
            wait_s = self.limiter.take(self._client_key(scope, session_key))
            if wait_s > 0:
                seconds = retry_after_s(wait_s)
                detail = f"too many requests from this client; retry in {seconds} s"
                refusal = problem_response(scope, 429, "rate_limited", detail, None, {"Retry-After": str(seconds)})
                return refusal, receive
        return None, receive

    def _sender(self, send: Any, scope: dict[str, Any], request_id: str, status_box: list[int], *, with_body: bool) -> Any:
        https = self.settings.https or scope.get("scheme") == "https"

        async def wrapped(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
                raw = list(message.get("headers", []))
                present = {name.lower() for name, _ in raw}
                raw.append((b"x-request-id", request_id.encode()))
                for name, value in _security_headers(https):
                    if name not in present:
                        raw.append((name, value))
                message = {**message, "headers": raw}
            elif message["type"] == "http.response.body" and not with_body:
                message = {**message, "body": b""}
            await send(message)

        return wrapped

    def _record(self, scope: dict[str, Any], method: str, status: int, seconds: float, request_id: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or UNMATCHED
        self.metrics.observe(method, template, status, seconds)
        if self.settings.access_log:
            _access.info(
                "request",
                extra={"fields": {
                    "request_id": request_id, "method": method, "path": scope["path"], "route": template,
                    "status": status, "duration_ms": round(seconds * 1000, 3),
                    "client": (scope.get("client") or ("", 0))[0],
                }},
            )  # fmt: skip


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def _request_id(offered: str | None) -> str:
    return offered if offered and REQUEST_ID.match(offered) else uuid.uuid4().hex


def _session_key(headers: dict[str, str]) -> str | None:
    """The bucket key of the session token the request carries (bearer, else the session cookie), if any."""
    authorization = headers.get("authorization", "")
    token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
    cookie = headers.get("cookie", "")
    if token is None and SESSION_COOKIE in cookie and len(cookie) < 4096:
        token = cookie_parser(cookie).get(SESSION_COOKIE)  # as the app reads it (request.cookies)
    if not token or len(token) > 200:
        return None
    return _key_of(hashlib.sha256(token.encode()).hexdigest())


def _key_of(token_hash: str) -> str:
    return "t:" + token_hash[:32]


async def _read_body(receive: Any, headers: dict[str, str], limit: int) -> tuple[bytes, bool]:
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def _security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    pairs = [
        (b"content-security-policy", CSP_API.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]
    if https:
        pairs.append((b"strict-transport-security", HSTS.encode()))
    return pairs


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    for name in ("creditline", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
