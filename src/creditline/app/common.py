"""What every use case needs: ids, the business date, parsing a client's amount."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import text

from creditline.app.errors import BusinessDateMissing
from creditline.store import UnitOfWork


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


EOD_LOCK_KEY = 0x43524544  # PostgreSQL advisory lock: commands hold it shared, EOD exclusive


def business_date(uow: UnitOfWork, *, for_update: bool = False) -> date:
    """Today's business date. A writing command also takes the EOD lock shared on PostgreSQL, so the
    date cannot move under it; EOD (`for_update`) has already taken the lock exclusively."""
    if not uow.read_only and not for_update and uow.connection.dialect.name == "postgresql":
        uow.connection.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": EOD_LOCK_KEY})
    found = uow.system.business_date(for_update=for_update)
    if found is None:
        raise BusinessDateMissing("the database has no business date; run `creditline db upgrade`", field="db")
    return found
