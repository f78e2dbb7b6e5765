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


def _schema() -> dict[str, Any]:
    import polars as pl

    return {"as_of": pl.Date, "loan_id": pl.String, "currency": pl.String, "vintage_month": pl.Date,
            "disbursed_minor": pl.Int64, "principal_minor": pl.Int64, "status": pl.String,
            "days_past_due": pl.Int32}  # fmt: skip


def month_end_snapshots(uow: UnitOfWork, on: date) -> tuple[Any, date | None]:
    """(frame, latest month-end date) of the month-end snapshots up to `on`; (None, None) when there are none."""
    import polars as pl

    from creditline.store.batch_memory import kept
    from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

    s = snapshot_dates.c
    query = select(s.as_of).where(s.month_end == 1, s.as_of <= on).order_by(s.as_of.desc()).limit(MONTHS_MAX)
    dates = sorted(uow.connection.execute(query).scalars())
    if not dates:
        return None, None
    c = loan_snapshots.c
    known = kept(uow.connection, MONTH_ENDS_KEPT)
    wanted = dates if known is None else [day for day in dates if day not in known]
    rows = uow.connection.execute(
        select(*(c[name] for name in COLUMNS)).where(c.as_of.in_(wanted), c.disbursed_minor > 0)
    ).all() if wanted else []  # fmt: skip
    frame = pl.DataFrame(rows, schema=_schema(), orient="row")
    if known is None:
        return frame, dates[-1]
    for (day,), rows_of_day in frame.partition_by("as_of", as_dict=True).items():
        known[day] = rows_of_day
    return pl.concat([known.get(day, frame.clear()) for day in dates]), dates[-1]


# A month end's snapshot rows never change once written: a long batch (`batch_memory`) keeps them as
# frames by date and reads only the new month end, instead of up to 25 months of the book each month.
MONTH_ENDS_KEPT = "month-end-snapshots"  # batch_memory: as_of -> that month end's rows (a polars frame)
