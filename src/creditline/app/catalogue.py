"""Products and loan contracts loaded from the store (parsed once per process per product version)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from creditline.app.errors import ProductNotFound
from creditline.store import UnitOfWork


@lru_cache(maxsize=256)
def _parse(product_id: str, version: int, content_hash: str, fmt: str, text: str) -> Any:
    from creditline.lending.product import load_product

    product = load_product(text, source=f"{product_id}.{fmt}")
    assert product.content_hash == content_hash, f"stored {product_id} v{version} does not match its hash"
    return product


def product_of(uow: UnitOfWork, product_id: str, version: int | None = None) -> Any:
    row = uow.products.source(product_id, version)
    if row is None:
        raise ProductNotFound(f"no product {product_id!r} (run `creditline db upgrade`)", field="product")
    return _parse(row["product_id"], row["version"], row["content_hash"], row["source_format"], row["source_text"])


@lru_cache(maxsize=65_536)
def _terms(terms_json: str) -> Any:
    from creditline.store.terms_codec import terms_from_json

    return terms_from_json(terms_json)


def contract_of(uow: UnitOfWork, record: Any) -> Any:
    """The loan's contract: its product version and terms; the schedule is rebuilt from the terms."""
    from creditline.lending.loan.contract import LoanContract

    product = product_of(uow, record.product_id, record.product_version)
    return LoanContract.create(
        loan_id=record.loan_id,
        borrower_id=record.borrower_id,
        line_id=record.line_id,
        product=product,
        terms=_terms(record.terms_json),
    )
