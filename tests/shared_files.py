"""Helpers shared by tests of every layer. Import as `from shared_files import shared_data_file`.

A plain module with a unique name, because `from conftest import ...` is ambiguous once several
directories have their own conftest.py. `tests/` is on sys.path through the root conftest.
"""

from __future__ import annotations

import os
from pathlib import Path

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
