"""Fixtures shared by every test layer: where the public data lives and whether PostgreSQL is up."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from shared_files import POSTGRES_URL, postgres_available, shared_data_file

__all__ = ["shared_data_file"]

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    ok, reason = postgres_available()
    if not ok:
        if os.environ.get("CREDITLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL
