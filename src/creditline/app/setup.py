"""Bring a database to life: migrations, the built-in products, the first business date."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.errors import DomainError
from creditline.store import UnitOfWork, upgrade
from creditline.store.migrate import current_revision


def initialise(engine: Engine, first_business_date: date, *, date_asked: bool = False) -> dict[str, Any]:
    """Idempotent: an existing database keeps its business date and products.

    `date_asked`: the caller named `first_business_date` itself (`db upgrade --business-date`), so an
    existing database on another date refuses it, before any migration runs; only end of day moves the date."""
    if date_asked and current_revision(engine) is not None:
        with UnitOfWork(engine, read_only=True) as uow:
            _require_business_date(uow.system.business_date(), first_business_date)
    revision = upgrade(engine)
    with UnitOfWork(engine) as uow:
        register_builtin_products(uow)
        business_date = uow.system.business_date(for_update=True)
        if business_date is None:
            business_date = first_business_date
            uow.system.set_business_date(business_date)
        elif date_asked:  # another upgrade may have set it since the check above
            _require_business_date(business_date, first_business_date)
        uow.commit()
    return {"revision": revision, "business_date": business_date.isoformat()}


def _require_business_date(existing: date | None, asked: date) -> None:
    if existing is not None and existing != asked:
        raise DomainError(
            f"the database already has business date {existing.isoformat()}; end of day moves it",
            field="business_date",
            code="business_date_set",
        )


def builtin_product_sources() -> list[tuple[Any, str, str]]:
    """(product, format, source text) of each product file the lending package ships."""
    from importlib.resources import files

    from creditline.lending.product import load_product

    found = []
    for item in sorted(files("creditline.lending").joinpath("products").iterdir(), key=lambda i: i.name):
        fmt = item.name.rsplit(".", 1)[-1]
        if fmt in ("toml", "yaml", "yml"):
            text = item.read_text(encoding="utf-8")
            found.append((load_product(text, source=item.name), fmt, text))
    return found


def register_builtin_products(uow: UnitOfWork) -> None:
    for product, fmt, text in builtin_product_sources():
        uow.products.add(
            product_id=product.product_id,
            version=product.version,
            content_hash=product.content_hash,
            currency=product.currency.code,
            fmt=fmt,
            text=text,
        )
