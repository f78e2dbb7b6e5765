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


def product_copy(engine: Any, product_id: str, changes: dict[str, str]) -> Any:
    """A copy of the shipped product under a new id with some lines of its TOML replaced (old -> new),
    stored like any other product; the parsed product is returned."""
    from creditline.app.setup import builtin_product_sources
    from creditline.lending.product import load_product
    from creditline.store import UnitOfWork

    _, fmt, source = builtin_product_sources()[0]
    text = source.replace('product_id = "revolving-consumer"', f'product_id = "{product_id}"')
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    product = load_product(text, source=f"{product_id}.toml")
    with UnitOfWork(engine) as uow:
        uow.products.add(product_id=product.product_id, version=product.version, content_hash=product.content_hash,
                         currency=product.currency.code, fmt=fmt, text=text)  # fmt: skip
        uow.commit()
    return product


def usd_line(engine: Any, borrower: str, limit: str = "20000", line_id: str | None = None) -> str:
    """A line of a US-dollar copy of the shipped product (a book holding two currencies)."""
    from creditline.app import OpenLine, open_line

    product_copy(engine, "revolving-usd", {'currency = "CNY"': 'currency = "USD"'})
    return open_line(engine, OpenLine(borrower, "revolving-usd", limit, "0.05", "approved", line_id))["line_id"]


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
