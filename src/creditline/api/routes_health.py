"""/health (the process answers), /ready (the database answers, its schema is at head and start-up's
warm-up — the console's charts and templates — is done, so a load balancer sends no visitor to a cold
process), /metrics (behind its token when one is set; off in production without one)."""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from creditline.api.deps import Runtime, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.problems import Problem, problem_response
from creditline.api.settings import PRODUCTION

router = APIRouter(tags=["operations"], route_class=StrictJsonRoute)


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    revision: str | None
    head: str


@lru_cache(maxsize=1)
def migrations_head() -> str:
    from alembic.script import ScriptDirectory

    from creditline.store.migrate import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the package ships migrations"
    return head


@router.get("/health", response_model=Health)
async def health() -> dict:
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Problem, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}},
)
def ready(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> object:
    from creditline.store.migrate import current_revision

    try:
        revision = current_revision(rt.engine)
    except Exception as exc:  # any failure to reach the database means "not ready", with the reason
        return problem_response(request, 503, "database_unreachable", f"the database does not answer: {type(exc).__name__}")
    try:
        head = migrations_head()
    except Exception as exc:  # e.g. two heads in a broken deployment: not ready, and say why
        return problem_response(request, 503, "migrations_unknown", f"the shipped migrations have no single head: {exc}")
    if revision != head:
        return problem_response(request, 503, "migrations_pending", f"the schema is at {revision}, not {head}; run creditline db upgrade")
    warming = sorted(name for name, done in getattr(request.app.state, "warming", {}).items() if not done.is_set())
    if warming:
        return problem_response(request, 503, "warming_up", f"start-up is still preparing: {', '.join(warming)}")
    return {"status": "ready", "database": rt.engine.dialect.name, "revision": revision, "head": head}


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Prometheus exposition. With a metrics token set, only a scraper presenting it gets an answer;
    without one, development answers anyone and production no one."""
    from prometheus_client import CONTENT_TYPE_LATEST

    token = rt.settings.metrics_token
    if token is None and rt.settings.environment == PRODUCTION:
        return problem_response(request, 403, "metrics_off", "metrics are off in production until CREDITLINE_METRICS_TOKEN is set")
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            return problem_response(request, 401, "metrics_token_required", "send Authorization: Bearer <the metrics token>",
                                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'})  # fmt: skip
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
