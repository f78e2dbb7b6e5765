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


# A product version never changes once stored (the store asserts its content hash), so a version
# read once from a database is kept for the process: a drawdown then costs no product query.
_VERSIONS: dict[tuple[str, str, int], Any] = {}
_VERSIONS_MAX = 4096


def product_of(uow: UnitOfWork, product_id: str, version: int | None = None) -> Any:
    database = str(uow.engine.url)
    if version is not None and (found := _VERSIONS.get((database, product_id, version))) is not None:
        return found
    row = uow.products.source(product_id, version)
    if row is None:
        raise ProductNotFound(f"no product {product_id!r} (run `creditline db upgrade`)", field="product")
    product = _parse(row["product_id"], row["version"], row["content_hash"], row["source_format"], row["source_text"])
    if len(_VERSIONS) < _VERSIONS_MAX:
        _VERSIONS[(database, product.product_id, product.version)] = product
    return product


@lru_cache(maxsize=65_536)
def _terms(terms_json: str) -> Any:
    from creditline.store.terms_codec import terms_from_json

    return terms_from_json(terms_json)


@lru_cache(maxsize=65_536)
def _schedule(terms: Any) -> Any:
    from creditline.lending.schedule import build_schedule

    return build_schedule(terms)


def contract_of(uow: UnitOfWork, record: Any) -> Any:
    """The loan's contract: its product version and terms; the schedule is rebuilt from the terms."""
    from creditline.lending.loan.contract import LoanContract

    product = product_of(uow, record.product_id, record.product_version)
    terms = _terms(record.terms_json)
    return LoanContract(record.loan_id, record.borrower_id, record.line_id, product, terms, _schedule(terms))
