"""The month-end loan snapshots end of day keeps (`loan_snapshots` / `snapshot_dates`), as a polars
frame with the columns roll rates and vintage curves read (and each loan's currency, as the book is
measured one currency at a time) — what the portfolio-level early warning compares with its expectations.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from creditline.store import UnitOfWork

COLUMNS = ("as_of", "loan_id", "currency", "vintage_month", "disbursed_minor", "principal_minor", "status",
           "days_past_due")
MONTHS_MAX = 25  # two years of month ends and one: the longest checkpoint (MOB 24) plus its start


def month_end_snapshots(uow: UnitOfWork, on: date) -> tuple[Any, date | None]:
    """(frame, latest month-end date) of the month-end snapshots up to `on`; (None, None) when there are none."""
    import polars as pl

    from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

    s = snapshot_dates.c
    query = select(s.as_of).where(s.month_end == 1, s.as_of <= on).order_by(s.as_of.desc()).limit(MONTHS_MAX)
    dates = sorted(uow.connection.execute(query).scalars())
    if not dates:
        return None, None
    c = loan_snapshots.c
    rows = uow.connection.execute(
        select(*(c[name] for name in COLUMNS)).where(c.as_of.in_(dates), c.disbursed_minor > 0)
    ).all()
    schema = {"as_of": pl.Date, "loan_id": pl.String, "currency": pl.String, "vintage_month": pl.Date,
              "disbursed_minor": pl.Int64, "principal_minor": pl.Int64, "status": pl.String,
              "days_past_due": pl.Int32}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row"), dates[-1]
