"""Fresh databases for storage tests: a SQLite file, or a PostgreSQL schema of its own.

A module with a unique name so tests can import it (`from database_urls import database_url`);
importing from `conftest` is ambiguous once several directories have one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from shared_files import postgres_schema

SQLITE = "sqlite"
POSTGRES = "postgres"


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    with postgres_schema(base_url) as url:
        yield url


@contextmanager
def database_url(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[str]:
    """A fresh empty database of `kind`: a SQLite file in `folder`, or a PostgreSQL schema of its own."""
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'creditline.sqlite'}"
        return
    base = request.getfixturevalue("postgres_url")
    yield from _postgres_schema_url(base)
