"""Mounting the web pages into the API's FastAPI app: `mount(app)`, called once by `create_app`.

Two sub-applications share the API's runtime (engine, settings, access configuration): the
borrower app at /app and the operator console at /console, with the static files at /static and
/ sending a visitor to the borrower app. Each has its own error pages — HTML for a person, a small
JSON object for the passkey scripts — so the API keeps its problem+json untouched, and neither
appears in /openapi.json. The API's edge middleware (request ids, body and rate limits, metrics,
logs) wraps them as it wraps the API.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditline.errors import DomainError, shortened
from creditline.web.rendering import Pages
from creditline.web.sessions import SignInRequired, visitor

_LOG = logging.getLogger("creditline.web")
STATIC_MAX_AGE_S = 3600


def mount(app: FastAPI) -> None:
    from creditline.web import borrower_pages, ceremonies, console_pages, console_servicing
    from creditline.web.figures import Figures
    from creditline.web.settings import web_settings

    pages, settings = Pages(), web_settings()
    figures = Figures(app.state.runtime.engine, settings)
    for prefix, routers, sign_in in (
        ("/app", (borrower_pages.router, ceremonies.router), "/app/"),
        ("/console", (console_pages.router, console_servicing.router, ceremonies.router), "/console/sign-in"),
    ):
        sub = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        sub.state.runtime, sub.state.pages, sub.state.figures = app.state.runtime, pages, figures
        sub.state.sign_in = sign_in
        for router in routers:
            sub.include_router(router)
        _install_error_pages(sub)
        app.mount(prefix, sub)
    static = CachedStatic(directory=str(resources.files("creditline.web") / "static"))
    app.mount("/static", static, name="static")
    app.add_api_route("/", _to_app, methods=["GET"], include_in_schema=False)
    templates = threading.Event()
    app.state.warming = {"charts": figures.warmed, "routes and templates": templates}  # /ready waits for these
    if figures.warm():
        threading.Thread(target=_preload, args=(app, pages, templates), name="web-templates-warm", daemon=True).start()
    else:
        templates.set()


def _preload(app: FastAPI, pages: Pages, done: threading.Event) -> None:
    from creditline.api.warmup import prepare_routes

    try:
        prepare_routes(app)  # FastAPI's lazily built routes (0.2-0.5 s of CPU on the first request)
        pages.preload()
        _read_console_once(app.state.runtime.engine)
    finally:
        done.set()


def _read_console_once(engine: Any) -> None:
    """Each console page's read model once: the modules it imports (the funding views took 0.7 s on
    a first visit) and its statements' compilation are paid before the first operator arrives."""
    from creditline.app import console_views

    for read in (console_views.review_queue, console_views.work_queue, console_views.early_warnings,
                 console_views.funding_overview, console_views.audit_heads):  # fmt: skip
        try:
            read(engine)
        except Exception:  # a page whose data cannot be read now says so when visited; start-up goes on
            _LOG.exception("console warm-up read failed", extra={"fields": {"read": read.__name__}})


class CachedStatic(StaticFiles):
    """Scripts and the stylesheet may be kept for an hour (the edge would otherwise say no-store)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = f"public, max-age={STATIC_MAX_AGE_S}"
        return response


def _to_app() -> Response:
    return RedirectResponse("/app/", status_code=307)


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json") or (
        "application/json" in request.headers.get("accept", "")
    )


def error_page(request: Request, status: int, message: str, field: str | None, code: str) -> Response:
    message, field = shortened(message), None if field is None else shortened(field)  # a form field's name is the client's
    if _wants_json(request):
        return JSONResponse({"error": message, "field": field, "code": code}, status_code=status)
    pages: Pages = request.app.state.pages
    context = {"status": status, "message": message, "field": field, "code": code}
    return pages.render(request, "shared/error.html", context, visitor=visitor(request), status=status)


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, SignInRequired) and request.method == "GET" and not _wants_json(request):
        return RedirectResponse(request.app.state.sign_in, status_code=303)
    return error_page(request, exc.http_status, exc.message, exc.field, exc.code)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first: dict[str, Any] = (exc.errors() or [{}])[0]
    field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
    return error_page(request, 422, str(first.get("msg", "invalid request")), field, "validation_failed")


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    return error_page(request, exc.status_code, message, None, "not_found" if exc.status_code == 404 else "http_error")


def _unexpected(request: Request, exc: Exception) -> Response:
    _LOG.exception("unhandled error", extra={"request_id": request.scope.get("state", {}).get("request_id")})
    return error_page(request, 500, "the server failed; the request id names it in our logs", None, "internal_error")


def _install_error_pages(sub: FastAPI) -> None:
    sub.add_exception_handler(DomainError, _domain_error)
    sub.add_exception_handler(RequestValidationError, _validation_error)
    sub.add_exception_handler(StarletteHTTPException, _http_error)
    sub.add_exception_handler(Exception, _unexpected)
