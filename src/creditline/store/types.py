"""Column types: exact Decimal as text (SQLite's NUMERIC would turn it into a binary float)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a real BIGINT identity.
BigId = BigInteger().with_variant(Integer, "sqlite")


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text, identical on SQLite and PostgreSQL."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: object) -> str | None:
        if value is None:
            return None
        assert isinstance(value, Decimal), "rates are Decimal, never float"
        return format(value, "f")

    def process_result_value(self, value: str | None, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(value)
