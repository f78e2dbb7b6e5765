"""Erasure requests of one borrower at once on PostgreSQL, with real threads: one row, one answer."""

from __future__ import annotations

import pytest
from lending_fixtures import open_line
from sqlalchemy import func, select

from creditline.app.subject_rights import RequestErasure, request_erasure
from creditline.store.tables import idempotency_keys
from creditline.store.tables_audit import erasure_requests
from shared_files import race

pytestmark = pytest.mark.postgres


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_first_requests_at_once_write_one_row_and_answer_alike(pg_engine) -> None:  # type: ignore[no-untyped-def]
    """Both found no row and both inserted one: the second failed on the primary key (a traceback)."""
    open_line(pg_engine, "B1")
    results = race(*[lambda n=n: request_erasure(pg_engine, RequestErasure("B1", f"op-{n}")) for n in range(4)])
    assert all(isinstance(r, dict) for r in results), results
    assert {(r["outcome"], r["requested_on"]) for r in results} == {("restricted", "2025-01-01")}  # type: ignore[index]
    assert count(pg_engine, erasure_requests) == 1


def test_retries_with_one_key_at_once_return_the_first_answer(pg_engine) -> None:  # type: ignore[no-untyped-def]
    open_line(pg_engine, "B2")
    results = race(*[lambda: request_erasure(pg_engine, RequestErasure("B2", "AC1", key="AC1:erase")) for _ in range(3)])
    assert all(isinstance(r, dict) for r in results), results
    assert results[0] == results[1] == results[2]
    assert count(pg_engine, idempotency_keys) == 1
