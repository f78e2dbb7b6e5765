"""/health (the process answers), /ready (the database answers, its schema is at head and start-up's
warm-up — the console's charts and templates — is done, so a load balancer sends no visitor to a cold
process), /metrics."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from creditline.api.deps import Runtime, runtime
from creditline.api.json_body import StrictJsonRoute
from creditline.api.problems import Problem, problem_response

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
def metrics(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
