"""The FastAPI application: routers under /v1, problem+json errors, the edge middleware.

Routers are listed in `ROUTER_MODULES`; the collections work items (issue 6) and funding (issue 8,
second half) plug in by adding their module here — their permissions (`work_collections`,
`manage_funding`) are already in `identity.roles`.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from sqlalchemy import Engine

from creditline.api import problems
from creditline.api.deps import Runtime
from creditline.api.metrics import HttpMetrics
from creditline.api.middleware import EdgeMiddleware
from creditline.api.settings import ApiSettings, from_environment

API_VERSION = "1.0.0"
ROUTER_MODULES = (
    "creditline.api.routes_health",
    "creditline.api.routes_access",
    "creditline.api.routes_applications",
    "creditline.api.routes_lines",
    "creditline.api.routes_loans",
    "creditline.api.routes_credit_refunds",
    "creditline.api.routes_consents",
    "creditline.api.routes_privacy",
    "creditline.api.routes_reports",
    "creditline.api.routes_collections",
    "creditline.api.routes_alerts",
    "creditline.api.routes_plans",
    "creditline.api.routes_coupons",
    "creditline.api.routes_repayment_account",
    "creditline.api.routes_repayment_sources",
    "creditline.api.routes_funding",
)
DESCRIPTION = (
    "Online consumer credit lines: apply, draw, repay. Money is a decimal string in major units with its "
    "currency. Errors are RFC 9457 problem details (application/problem+json). Money-moving POSTs take an "
    "Idempotency-Key header. Sign in with a passkey; see docs/api.md."
)


def create_app(settings: ApiSettings | None = None, *, engine: Engine | None = None) -> FastAPI:
    from creditline.app.access import AccessConfig
    from creditline.app.apply_setup import OriginationConfig
    from creditline.app.repayment_batch import RepaymentBatcher
    from creditline.identity.passkeys import RelyingParty
    from creditline.identity.sessions import SessionPolicy
    from creditline.store import make_engine

    settings = settings or from_environment()
    engine = engine or make_engine(settings.db_url)
    access = AccessConfig(
        RelyingParty(settings.rp_id, settings.rp_name, settings.origins),
        SessionPolicy(settings.session_lifetime_s, settings.session_idle_s),
    )
    app = FastAPI(
        title="creditline",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN; the CSP forbids that
        redoc_url=None,
    )
    # Repayments arriving together on this worker's request threads share one transaction (group commit).
    batcher = RepaymentBatcher(engine) if settings.repayment_batching else None
    app.state.runtime = Runtime(engine, settings, access, OriginationConfig(), batcher)
    app.state.metrics = HttpMetrics()
    problems.install(app)
    for name in ROUTER_MODULES:
        app.include_router(importlib.import_module(name).router)
    importlib.import_module("creditline.web").mount(app)  # the borrower app and operator console (docs/web.md)
    app.add_middleware(EdgeMiddleware, settings=settings, metrics=app.state.metrics)
    return app
