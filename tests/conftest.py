"""Fixtures shared by every test layer: where the public data lives and whether PostgreSQL is up."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from deep_runs import deep_factor, deepen
from shared_files import POSTGRES_URL, postgres_available, shared_data_file

__all__ = ["shared_data_file"]

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """`CREDITLINE_DEEP=N` (make test-deep): every hypothesis test with N times its examples."""
    try:
        factor = deep_factor()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if factor > 1:  # only the property-based tests run, at N times their examples
        deep, others = deepen(items, factor)
        config.hook.pytest_deselected(items=others)
        items[:] = deep


@pytest.fixture(scope="session")
def postgres_url() -> str:
    ok, reason = postgres_available()
    if not ok:
        if os.environ.get("CREDITLINE_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL
