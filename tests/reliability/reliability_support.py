"""Helpers of the reliability tests: the software phone, databases of their own, the platform.
Import as `from reliability_support import ...` (tests/reliability is on sys.path under pytest)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "api"))  # the shared software authenticator

from authenticator import SoftAuthenticator

SQLITE, POSTGRES = "sqlite", "postgres"


def phone() -> Any:
    """A phone whose platform authenticator verifies the user (the software one the API tests use)."""
    return SoftAuthenticator(origin="http://localhost")


@contextmanager
def postgres_schema(base_url: str, prefix: str = "rel") -> Iterator[str]:
    """A schema of its own on the test server, dropped afterwards (search_path set in the URL)."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
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
def database(request: Any, kind: str, folder: Path, prefix: str = "rel") -> Iterator[str]:
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'books.sqlite'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), prefix) as url:
        yield url
