"""Reusable storage fixtures: every storage test runs on SQLite and on PostgreSQL.

`db_url` is parametrised over both databases. Each PostgreSQL test gets a schema of its own
(search_path set in the URL), dropped afterwards, so `pytest -n 2` workers never see each other's
rows; each SQLite test gets a file of its own under tmp_path. `engine` is that database at head: a
copy of what `creditline db upgrade`'s own code path built once per worker (migrated_template.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from database_urls import POSTGRES, SQLITE, _postgres_schema_url, database_url
from migrated_template import MigratedTemplates

__all__ = ["POSTGRES", "SQLITE", "database_url"]


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
def pg_books_start() -> date:
    """The first business date of `pg_engine`'s books; a module whose forms are dated otherwise overrides it."""
    from lending_fixtures import START

    return START


@pytest.fixture
def pg_engine(pg_url: str, pg_books_start: date):  # type: ignore[no-untyped-def]
    """`pg_url` at head with the books opened (the shipped products, the business date): the races' engine.
    Its pool is the production one (16 and as many again in overflow), above every race's thread count;
    no fraud screen is remembered from another test's database."""
    from lending_fixtures import setup_books

    from creditline.app.apply_setup import forget_screens
    from creditline.store import make_engine

    created = make_engine(pg_url)
    forget_screens()
    setup_books(created, start=pg_books_start)
    yield created
    forget_screens()
    created.dispose()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> MigratedTemplates:
    return MigratedTemplates(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def engine(db_url: str, migrated_templates: MigratedTemplates, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`db_url` at head: a copy of what `store.upgrade` built once in this worker (migrated_template.py)."""
    from creditline.store import make_engine
    from creditline.store.migrate import current_revision

    if db_url.startswith("sqlite"):
        migrated_templates.sqlite_copy(db_url)
        created = make_engine(db_url)
    else:
        created = make_engine(db_url)
        migrated_templates.postgres_replay(created, request.getfixturevalue("postgres_url"))
    assert current_revision(created) == migrated_templates.head
    yield created
    created.dispose()


@pytest.fixture
def origination_books(engine):  # type: ignore[no-untyped-def]
    """`engine` initialised on the origination tests' business date, with no fraud screen remembered
    from another test (each process keeps one per database)."""
    from test_origination_forms import BUSINESS_DATE

    from creditline.app.apply_setup import forget_screens
    from creditline.app.setup import initialise

    forget_screens()
    initialise(engine, BUSINESS_DATE)
    yield engine
    forget_screens()
