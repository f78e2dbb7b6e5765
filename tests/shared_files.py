"""Helpers shared by tests of every layer. Import as `from shared_files import shared_data_file`.

A plain module with a unique name, because `from conftest import ...` is ambiguous once several
directories have their own conftest.py. `tests/` is on sys.path through the root conftest.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CREDITLINE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SHARED_GOLDEN = Path(os.environ.get("CREDITLINE_SHARED_GOLDEN", REPO_ROOT.parent / "shared" / "golden"))
POSTGRES_URL = os.environ.get("CREDITLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def shared_data_file(name: str) -> Path:
    """The path of a shared public dataset, or a skip with the reason printed when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared dataset {path} is absent (see ../shared/data/README.md)")
    return path


def postgres_available() -> tuple[bool, str]:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3):
            return True, ""
    except Exception as exc:  # any failure to connect means "not available"
        return False, f"PostgreSQL at 127.0.0.1:5432 is not reachable: {exc}"


@contextmanager
def postgres_schema(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A schema of its own on the test server, dropped afterwards; the URL sets its search_path."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def race(*calls: Callable[[], Any], timeout_s: float = 120) -> list[Any]:
    """Start every call at the same instant on its own thread; each result, or the exception it raised
    (a race's loser raises: kept to assert on)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout_s)
    return results
