"""Fixtures shared by every test layer: where the public data lives and whether PostgreSQL is up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CREDITLINE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
SHARED_GOLDEN = Path(os.environ.get("CREDITLINE_SHARED_GOLDEN", REPO_ROOT.parent / "shared" / "golden"))
POSTGRES_URL = os.environ.get("CREDITLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


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


@pytest.fixture(scope="session")
def postgres_url() -> str:
    ok, reason = postgres_available()
    if not ok:
        if os.environ.get("CREDITLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL
