"""Fixtures for the API tests: a migrated database (SQLite and PostgreSQL), the app in-process, and
people who sign in with the software authenticator.

The app fixtures are module-scoped: building the origination deciders (PD model, fraud indexes)
costs seconds, so the tests of one module share one database and keep to their own borrowers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SQLITE, POSTGRES = "sqlite", "postgres"


def _postgres_schema(base_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"api_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def database(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[str]:
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'api.sqlite'}"
        return
    yield from _postgres_schema(request.getfixturevalue("postgres_url"))


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
