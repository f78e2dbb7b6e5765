"""Fixtures for the API tests: a migrated database (SQLite and PostgreSQL), the app in-process, and
people who sign in with the software authenticator.

The app fixtures are module-scoped: building the origination deciders (PD model, fraud indexes)
costs seconds, so the tests of one module share one database and keep to their own borrowers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared_files import postgres_schema

SQLITE, POSTGRES = "sqlite", "postgres"


def database(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[str]:
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'api.sqlite'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), "api") as url:
        yield url


@pytest.fixture(scope="module", params=[SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)])
def api_db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from database(request, request.param, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def platform(api_db_url: str):  # type: ignore[no-untyped-def]
    """(TestClient, engine) over a fresh database at the first business date."""
    from api_flows import make_platform

    client, engine = make_platform(api_db_url)
    with client:
        yield client, engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(platform):  # type: ignore[no-untyped-def]
    return platform[0]


@pytest.fixture(scope="module")
def engine(platform):  # type: ignore[no-untyped-def]
    return platform[1]
