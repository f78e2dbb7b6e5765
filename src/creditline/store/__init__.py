"""Storage: SQLAlchemy Core tables, repositories, the unit of work and the Alembic migrations."""

from creditline.store.engine import default_url, is_sqlite, make_engine, resolve_url
from creditline.store.migrate import upgrade
from creditline.store.unit_of_work import UnitOfWork

__all__ = ["UnitOfWork", "default_url", "is_sqlite", "make_engine", "resolve_url", "upgrade"]
