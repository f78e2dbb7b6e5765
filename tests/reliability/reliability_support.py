"""Helpers of the reliability tests: the software phone, databases of their own, the platform.
Import as `from reliability_support import ...` (tests/reliability is on sys.path under pytest)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "api"))  # the shared software authenticator

from authenticator import SoftAuthenticator

from shared_files import postgres_schema

SQLITE, POSTGRES = "sqlite", "postgres"


def phone() -> Any:
    """A phone whose platform authenticator verifies the user (the software one the API tests use)."""
    return SoftAuthenticator(origin="http://localhost")


@contextmanager
def database(request: Any, kind: str, folder: Path, prefix: str = "rel") -> Iterator[str]:
    if kind == SQLITE:
        yield f"sqlite:///{folder / 'books.sqlite'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), prefix) as url:
        yield url
