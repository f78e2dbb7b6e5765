"""Reusable storage fixtures: every storage test runs on SQLite and on PostgreSQL.

`db_url` is parametrised over both databases. Each PostgreSQL test gets a schema of its own
(search_path set in the URL), dropped afterwards, so `pytest -n 2` workers never see each other's
rows; each SQLite test gets a file of its own under tmp_path. `engine` is that database migrated to
head with `creditline db upgrade`'s own code path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SQLITE = "sqlite"
POSTGRES = "postgres"


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[str]:
    """A fresh empty database of `kind`: a SQLite file in `folder`, or a PostgreSQL schema of its own."""
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'creditline.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    yield from _postgres_schema_url(base)


@pytest.fixture(params=[SQLITE, pytest.param(POSTGRES, marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL-only database (for the concurrency races, which need real row locks)."""
    base = request.getfixturevalue("postgres_url")
    yield from _postgres_schema_url(base)


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from creditline.store import make_engine, upgrade

    created = make_engine(db_url)
    upgrade(created)
    yield created
    created.dispose()
