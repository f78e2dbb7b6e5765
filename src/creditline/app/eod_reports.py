"""The portfolio report over the snapshots EOD wrote, for `creditline report portfolio` (the database is
its default source) and the operator console: `database_report` builds it with what EOD booked.

The report steps month by month (vintages, roll rates, default rate) and looks at one day in
detail, so it reads each month's last snapshot up to the date, and the date itself — a few
snapshots, not every day's. A date with no snapshot is refused, naming the dates there are, and so is
one whose snapshot holds no rows (EOD ran on an empty book).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.store import UnitOfWork


def portfolio_snapshots(engine: Engine, as_of: date) -> Any:
    """Validated snapshot rows: the last of each month up to `as_of`, and `as_of` itself."""
    from creditline.portfolio.errors import SnapshotNotFound
    from creditline.portfolio.snapshot import validate
    from creditline.store.tables_servicing_snapshots import read_snapshots, snapshot_dates_up_to

    with UnitOfWork(engine, read_only=True) as uow:
        days = snapshot_dates_up_to(uow.connection, date.max)
        if as_of not in days:
            span = f"snapshots cover {days[0]} to {days[-1]}" if days else "there are no snapshots (run creditline eod)"
            raise SnapshotNotFound(f"no snapshot for {as_of} ({span})", field="as_of")
        chosen = month_ends([d for d in days if d <= as_of]) | {as_of}
        frame = validate(read_snapshots(uow.connection, sorted(chosen)))
    if frame.filter(frame.get_column("as_of") == as_of).is_empty():  # EOD ran on an empty book
        raise SnapshotNotFound(f"the snapshot of {as_of} holds no loans or credit lines: nothing to report",
                               field="as_of")
    return frame


def database_report(engine: Engine, frame: Any, as_of: date, options: Any) -> Any:
    """`build_report` over EOD's snapshots `frame`, with the loss allowance EOD booked on `as_of` beside
    the report's own (`provisions.booked_allowance_minor`, None if no provision ran that day): the one
    build of the CLI's report and the console's, so both show it."""
    from creditline.portfolio.report import build_report

    report = build_report(frame, as_of, options)
    report.summary["provisions"]["booked_allowance_minor"] = booked_allowance(engine, as_of, report.currency.code)
    return report


def month_ends(days: list[date]) -> set[date]:
    """The last of `days` in each month."""
    last: dict[tuple[int, int], date] = {}
    for day in days:
        key = (day.year, day.month)
        if key not in last or day > last[key]:
            last[key] = day
    return set(last.values())


def booked_allowance(engine: Engine, as_of: date, currency: str) -> int | None:
    """The loss allowance EOD booked for `currency` on `as_of` (its provision run), or None if none ran.

    The report computes its allowance from the snapshot; with the provisioning policy's assumptions
    (CCF 0.5, the model PD) the two are equal, and with other options (`--ccf`, `--pd-method markov`)
    the report shows this figure beside its own."""
    from sqlalchemy import select

    from creditline.store.tables_servicing import provision_runs

    c = provision_runs.c
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.connection.execute(
            select(c.allowance_minor).where(c.run_date == as_of, c.currency == currency)
        ).scalar()
