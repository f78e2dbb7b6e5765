"""Builders for app-level tests: a migrated database with a business date and an open line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

START = date(2025, 1, 1)


def setup_books(engine: Any, *, start: date = START) -> None:
    from creditline.app import initialise

    initialise(engine, start)


def open_line(engine: Any, borrower: str, limit: str = "20000", rate_pct: str = "0.05", line_id: str | None = None) -> str:
    from creditline.app import OpenLine, open_line

    return open_line(engine, OpenLine(borrower, "revolving-consumer", limit, rate_pct, "approved", line_id))["line_id"]


def eod_to(engine: Any, target: date) -> None:
    """Run EOD one day at a time up to `target` (the way operations would)."""
    from creditline.app import run_eod
    from creditline.store import UnitOfWork

    with UnitOfWork(engine, read_only=True) as uow:
        today = uow.system.business_date()
    assert today is not None
    while today < target:
        today += timedelta(days=1)
        run_eod(engine, today)


def assert_books_clean(engine: Any) -> None:
    from creditline.app import reconcile_books
    from creditline.app.books import snapshot_differences

    report = reconcile_books(engine)
    assert report.clean, report
    assert snapshot_differences(engine) == []
