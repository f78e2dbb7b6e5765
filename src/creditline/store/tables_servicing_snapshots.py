"""Loan facts, classification changes, portfolio snapshots and provision runs, as EOD reads and writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from creditline.store.driver_sql import execute
from creditline.store.tables import account_balances
from creditline.store.tables_servicing import (
    chunks,
    driver_rows,
    loan_class_changes,
    loan_facts,
    loan_snapshots,
    provision_runs,
    snapshot_dates,
)

# -- loan facts, classification and snapshots ------------------------------------------------------------


def loans_without_facts(connection: Connection) -> list[tuple]:
    """(loan_id, borrower_id, line_id, product_id, product_version, currency, disbursed_on, terms_json,
    row_count, rows_blob) of loans EOD has not seen yet."""
    return driver_rows(connection, (
        "SELECT l.loan_id, l.borrower_id, l.line_id, l.product_id, l.product_version, l.currency, l.disbursed_on, "
        "l.terms_json, l.row_count, l.rows_blob FROM loans l LEFT JOIN loan_facts f ON f.loan_id = l.loan_id "
        "WHERE f.loan_id IS NULL ORDER BY l.loan_id"
    ))  # fmt: skip


def origination_pds(connection: Connection, line_ids: Sequence[str]) -> dict[str, str]:
    """The PD (as text) of the origination decision that opened each line, where there was one: an
    index look-up by line (`ix_origination_decisions_line_id`, migration 0019). A line gets its decision
    when it opens, so an engine that keeps values between days (`batch_memory`) asks once per line found."""
    from creditline.store.batch_memory import kept

    known = kept(connection, LINE_PDS_KEPT)
    wanted = sorted(set(line_ids))
    found: dict[str, str] = {}
    if known is not None:
        found = {line: known[line] for line in wanted if line in known}
        wanted = [line for line in wanted if line not in found]
    for part in chunks(wanted):
        found.update(driver_rows(connection, (
            f"SELECT line_id, pd FROM origination_decisions WHERE pd IS NOT NULL AND line_id IN ({', '.join('?' for _ in part)})"
        ), part))  # fmt: skip
    if known is not None:
        known.update(found)
    return found


LINE_PDS_KEPT = "origination-pds"  # batch_memory: line id -> the PD of the decision that opened it


def add_facts(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), 50_000):
        connection.execute(insert(loan_facts), list(part))


_SNAPSHOT_INPUT_ROWS = (
    "SELECT l.loan_id, l.borrower_id, l.line_id, f.product_key, l.currency, f.origination_date, f.disbursed_minor, "
    "f.maturity_date, f.eir_annual, f.pd_origination, l.status, l.days_past_due, l.principal_outstanding_minor, "
    "l.interest_receivable_minor, l.penalty_receivable_minor, l.fee_receivable_minor, l.row_count, l.rows_blob, "
    "c.limit_minor, c.outstanding_principal_minor, c.pending_drawdowns_minor, c.status, f.shard, f.status, f.tier, "
    "f.stage, f.defaulted_on, f.cash_in_at_default_minor, f.closed_on, f.tier_since "
    "FROM loans l JOIN loan_facts f ON f.loan_id = l.loan_id JOIN credit_lines c ON c.line_id = l.line_id "
    "WHERE l.status IN ('active', 'overdue', 'charged-off') OR f.closed_on IS NULL OR f.closed_on >= ?"
)
SNAPSHOT_INPUT_SQL = _SNAPSHOT_INPUT_ROWS + " ORDER BY l.loan_id"
SNAPSHOT_INPUT_COLUMNS = (
    "loan_id", "borrower_id", "line_id", "product_id", "currency", "origination_date", "disbursed_minor",
    "maturity_date", "eir_annual", "pd_origination", "loan_status", "days_past_due", "principal_minor",
    "interest_minor", "penalty_receivable_minor", "fee_receivable_minor", "row_count", "rows_blob", "limit_minor",
    "line_outstanding_minor", "line_pending_minor", "line_status", "shard", "last_status", "last_tier", "last_stage",
    "defaulted_on", "cash_in_at_default_minor", "closed_on", "tier_since",
)  # fmt: skip


def snapshot_inputs(connection: Connection, month_start: date) -> list[tuple]:
    """Every loan a snapshot of this month shows (on book, charged off, or closed this month), with
    its facts and its line; columns as SNAPSHOT_INPUT_COLUMNS, in loan id order.

    SQLite would walk the loan id index and look each row up in the table; reading the table in its
    own order and sorting by loan id here costs a third less (BINARY collation: the order of Python's
    `str`, since UTF-8 keeps code point order)."""
    if connection.dialect.name == "postgresql":
        return driver_rows(connection, SNAPSHOT_INPUT_SQL, (month_start,))
    rows = driver_rows(connection, _SNAPSHOT_INPUT_ROWS, (month_start.isoformat(),))
    rows.sort(key=itemgetter(0))
    return rows


def idle_lines(connection: Connection, busy: set[str]) -> list[tuple]:
    """(line_id, borrower_id, product_id, product_version, currency, opened_on, limit_minor,
    outstanding_principal_minor, pending_drawdowns_minor, rate_daily) of active lines not in `busy`
    (the lines with a loan on book, which the caller knows already).

    Every change of a line raises its version (`LineRepository.save`, the settlements' bulk update), so
    an engine that keeps values between days (`batch_memory`) reads a line's row again only when its
    version moved: most idle lines stay as they were from one day to the next."""
    from creditline.store.batch_memory import kept

    known = kept(connection, IDLE_LINES_KEPT)
    if known is None:
        ids = [line for (line,) in driver_rows(connection, "SELECT line_id FROM credit_lines WHERE status = 'active'")
               if line not in busy]  # fmt: skip
        return sorted(_line_rows(connection, ids))
    active = driver_rows(connection, "SELECT line_id, version FROM credit_lines WHERE status = 'active'")
    idle = [(line, version) for line, version in active if line not in busy]
    moved = [line for line, version in idle if known.get(line, (None,))[0] != version]
    for row in _line_rows(connection, moved, with_version=True):
        known[row[0]] = (row[-1], row[:-1])
    return sorted(known[line][1] for line, _ in idle)


IDLE_LINES_KEPT = "idle-lines"  # batch_memory: line id -> (version, its idle_lines row)


def _line_rows(connection: Connection, ids: Sequence[str], *, with_version: bool = False) -> list[tuple]:
    found: list[tuple] = []
    for part in chunks(ids):
        found.extend(driver_rows(connection, (
            "SELECT line_id, borrower_id, product_id, product_version, currency, opened_on, limit_minor, "
            f"outstanding_principal_minor, pending_drawdowns_minor, rate_daily{', version' if with_version else ''} "
            f"FROM credit_lines WHERE line_id IN ({', '.join('?' for _ in part)})"
        ), part))  # fmt: skip
    return found


def totals_of(connection: Connection, loan_ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(sorted(set(loan_ids))):
        sql = f"SELECT loan_id, totals_json FROM loans WHERE loan_id IN ({', '.join('?' for _ in part)})"
        found.update(driver_rows(connection, sql, part))
    return found


def update_facts(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """k_loan_id plus the classification columns that changed (status, tier, stage, tier_since, ...)."""
    if not rows:
        return
    f = loan_facts.c
    names = ("status", "tier", "stage", "tier_since", "defaulted_on", "cash_in_at_default_minor", "closed_on")
    statement = update(loan_facts).where(f.loan_id == bindparam("k_loan_id")).values(
        {name: bindparam(name) for name in names}
    )
    connection.execute(statement, list(rows))


def add_class_changes(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), 50_000):
        connection.execute(insert(loan_class_changes), list(part))


# Built once and run on the driver's cursor (`driver_sql`): a day runs each once or twice, and on a small
# book `Connection.execute`'s statement handling costs more than SQLite running them.
_b = account_balances.c
_ALLOWANCE_BY_SHARD = select(_b.shard, _b.credit_minor - _b.debit_minor).where(
    _b.account == "loss_allowance", _b.currency == bindparam("code")
)
_ALLOWANCE_CURRENCIES = select(_b.currency).where(_b.account == "loss_allowance").distinct()
_ADD_PROVISION_RUN = insert(provision_runs).values({c.name: bindparam(c.name) for c in provision_runs.columns})
_s = snapshot_dates.c
_DELETE_SNAPSHOT_ROWS = loan_snapshots.delete().where(loan_snapshots.c.as_of == bindparam("as_of"))
_DELETE_SNAPSHOT_DATE = snapshot_dates.delete().where(_s.as_of == bindparam("as_of"))
_ADD_SNAPSHOT_DATE = insert(snapshot_dates).values({c.name: bindparam(c.name) for c in snapshot_dates.columns})
_PRUNABLE_DATES = select(_s.as_of).where(_s.as_of < bindparam("cutoff"), _s.month_end == 0)
_LATER_IN_MONTH = select(_s.as_of).where(_s.as_of > bindparam("day"), _s.as_of <= bindparam("last")).limit(1)


def loss_allowance_by_shard(connection: Connection, code: str) -> dict[int, int]:
    """The booked loss allowance per shard (a credit balance of the contra-asset)."""
    rows = execute(connection, _ALLOWANCE_BY_SHARD, {"code": code}).all()
    return {int(shard): int(minor) for shard, minor in rows if minor}


def loss_allowance_currencies(connection: Connection) -> list[str]:
    """The currencies with a booked loss allowance, in order."""
    return sorted(code for (code,) in execute(connection, _ALLOWANCE_CURRENCIES).all())


def add_provision_run(connection: Connection, row: dict[str, Any]) -> None:
    execute(connection, _ADD_PROVISION_RUN, row)


SNAPSHOT_COLUMNS = tuple(c.name for c in loan_snapshots.columns)
DAILY_SNAPSHOTS_KEPT_DAYS = 40  # older days are pruned, except the last snapshot of each month


def write_snapshot(connection: Connection, frame: Any, as_of: date, *, month_end: bool) -> int:
    """The day's snapshot rows (a polars frame with SNAPSHOT_COLUMNS), replacing any of that date."""
    import polars as pl

    execute(connection, _DELETE_SNAPSHOT_ROWS, {"as_of": as_of})
    execute(connection, _DELETE_SNAPSHOT_DATE, {"as_of": as_of})
    ordered = frame.select(list(SNAPSHOT_COLUMNS))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    names = ", ".join(SNAPSHOT_COLUMNS)
    try:
        if connection.dialect.name == "postgresql":
            with cursor.copy(f"COPY loan_snapshots ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(ordered.write_csv(include_header=False).encode())
        else:
            dates = [c for c, dtype in ordered.schema.items() if dtype == pl.Date()]
            text = ordered.with_columns(pl.col(dates).cast(pl.String))
            marks = ", ".join("?" for _ in SNAPSHOT_COLUMNS)
            cursor.executemany(f"INSERT INTO loan_snapshots ({names}) VALUES ({marks})", text.iter_rows())
    finally:
        cursor.close()
    execute(connection, _ADD_SNAPSHOT_DATE, {"as_of": as_of, "rows": ordered.height, "month_end": int(month_end)})
    return ordered.height


def prune_snapshots(connection: Connection, today: date, kept_days: int = DAILY_SNAPSHOTS_KEPT_DAYS) -> list[date]:
    """Drop daily snapshots older than `kept_days`, keeping each month's last one; returns the dates dropped."""
    from datetime import timedelta

    cutoff = today - timedelta(days=kept_days)
    dated = [row[0] for row in execute(connection, _PRUNABLE_DATES, {"cutoff": cutoff}).all()]
    dropped = []
    for day in dated:
        later = execute(connection, _LATER_IN_MONTH, {"day": day, "last": _month_last(day)}).first()
        if later is not None:  # a later snapshot of the same month exists
            execute(connection, _DELETE_SNAPSHOT_ROWS, {"as_of": day})
            execute(connection, _DELETE_SNAPSHOT_DATE, {"as_of": day})
            dropped.append(day)
    return dropped


def _month_last(day: date) -> date:
    import calendar

    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def snapshot_dates_up_to(connection: Connection, as_of: date) -> list[date]:
    s = snapshot_dates.c
    return [row[0] for row in connection.execute(select(s.as_of).where(s.as_of <= as_of).order_by(s.as_of))]


def read_snapshots(connection: Connection, days: Sequence[date]) -> Any:
    """The snapshot rows of these dates as a polars frame (the report's input)."""
    import polars as pl

    frames = []
    for day in days:
        value = day if connection.dialect.name == "postgresql" else day.isoformat()
        rows = driver_rows(connection, f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM loan_snapshots WHERE as_of = ?",
                            (value,))
        frames.append(pl.DataFrame(rows, schema=list(SNAPSHOT_COLUMNS), orient="row", infer_schema_length=None))
    if not frames:
        return pl.DataFrame(schema=list(SNAPSHOT_COLUMNS))
    return pl.concat(frames, how="vertical_relaxed")
