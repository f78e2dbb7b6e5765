"""Loan facts, classification changes, portfolio snapshots and provision runs, as EOD reads and writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

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
    """The PD (as text) of the origination decision that opened each line, where there was one."""
    from creditline.store.tables_origination import origination_decisions

    d = origination_decisions.c
    found: dict[str, str] = {}
    for part in chunks(sorted(set(line_ids))):
        query = select(d.line_id, d.pd).where(d.line_id.in_(part), d.pd.is_not(None))
        found.update({line_id: pd for line_id, pd in connection.execute(query)})
    return found


def add_facts(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), 50_000):
        connection.execute(insert(loan_facts), list(part))


SNAPSHOT_INPUT_SQL = (
    "SELECT l.loan_id, l.borrower_id, l.line_id, f.product_key, l.currency, f.origination_date, f.disbursed_minor, "
    "f.maturity_date, f.eir_annual, f.pd_origination, l.status, l.days_past_due, l.principal_outstanding_minor, "
    "l.interest_receivable_minor, l.penalty_receivable_minor, l.fee_receivable_minor, l.row_count, l.rows_blob, "
    "c.limit_minor, c.outstanding_principal_minor, c.pending_drawdowns_minor, c.status, f.shard, f.status, f.tier, "
    "f.stage, f.defaulted_on, f.cash_in_at_default_minor, f.closed_on, f.tier_since "
    "FROM loans l JOIN loan_facts f ON f.loan_id = l.loan_id JOIN credit_lines c ON c.line_id = l.line_id "
    "WHERE l.status IN ('active', 'overdue', 'charged-off') OR f.closed_on IS NULL OR f.closed_on >= ? "
    "ORDER BY l.loan_id"
)
SNAPSHOT_INPUT_COLUMNS = (
    "loan_id", "borrower_id", "line_id", "product_id", "currency", "origination_date", "disbursed_minor",
    "maturity_date", "eir_annual", "pd_origination", "loan_status", "days_past_due", "principal_minor",
    "interest_minor", "penalty_receivable_minor", "fee_receivable_minor", "row_count", "rows_blob", "limit_minor",
    "line_outstanding_minor", "line_pending_minor", "line_status", "shard", "last_status", "last_tier", "last_stage",
    "defaulted_on", "cash_in_at_default_minor", "closed_on", "tier_since",
)  # fmt: skip


def snapshot_inputs(connection: Connection, month_start: date) -> list[tuple]:
    """Every loan a snapshot of this month shows (on book, charged off, or closed this month), with
    its facts and its line; columns as SNAPSHOT_INPUT_COLUMNS."""
    day = month_start if connection.dialect.name == "postgresql" else month_start.isoformat()
    return driver_rows(connection, SNAPSHOT_INPUT_SQL, (day,))


def idle_lines(connection: Connection, busy: set[str]) -> list[tuple]:
    """(line_id, borrower_id, product_id, product_version, currency, opened_on, limit_minor,
    outstanding_principal_minor, pending_drawdowns_minor, rate_daily) of active lines not in `busy`
    (the lines with a loan on book, which the caller knows already)."""
    ids = [line for (line,) in driver_rows(connection, "SELECT line_id FROM credit_lines WHERE status = 'active'")
           if line not in busy]  # fmt: skip
    found: list[tuple] = []
    for part in chunks(ids):
        found.extend(driver_rows(connection, (
            "SELECT line_id, borrower_id, product_id, product_version, currency, opened_on, limit_minor, "
            "outstanding_principal_minor, pending_drawdowns_minor, rate_daily FROM credit_lines "
            f"WHERE line_id IN ({', '.join('?' for _ in part)})"
        ), part))  # fmt: skip
    return sorted(found)


def totals_of(connection: Connection, loan_ids: Sequence[str]) -> dict[str, str]:
    from creditline.store.tables import loans

    c = loans.c
    found: dict[str, str] = {}
    for part in chunks(sorted(set(loan_ids))):
        found.update(connection.execute(select(c.loan_id, c.totals_json).where(c.loan_id.in_(part))).all())
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


def loss_allowance_by_shard(connection: Connection, code: str) -> dict[int, int]:
    """The booked loss allowance per shard (a credit balance of the contra-asset)."""
    from creditline.store.tables import account_balances

    b = account_balances.c
    query = select(b.shard, b.credit_minor - b.debit_minor).where(
        b.account == "loss_allowance", b.currency == code
    )
    return {int(shard): int(minor) for shard, minor in connection.execute(query) if minor}


def add_provision_run(connection: Connection, row: dict[str, Any]) -> None:
    connection.execute(insert(provision_runs).values(**row))


SNAPSHOT_COLUMNS = tuple(c.name for c in loan_snapshots.columns)
DAILY_SNAPSHOTS_KEPT_DAYS = 40  # older days are pruned, except the last snapshot of each month


def write_snapshot(connection: Connection, frame: Any, as_of: date, *, month_end: bool) -> int:
    """The day's snapshot rows (a polars frame with SNAPSHOT_COLUMNS), replacing any of that date."""
    import polars as pl

    connection.execute(loan_snapshots.delete().where(loan_snapshots.c.as_of == as_of))
    connection.execute(snapshot_dates.delete().where(snapshot_dates.c.as_of == as_of))
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
    connection.execute(insert(snapshot_dates).values(as_of=as_of, rows=ordered.height, month_end=int(month_end)))
    return ordered.height


def prune_snapshots(connection: Connection, today: date, kept_days: int = DAILY_SNAPSHOTS_KEPT_DAYS) -> list[date]:
    """Drop daily snapshots older than `kept_days`, keeping each month's last one; returns the dates dropped."""
    from datetime import timedelta

    s = snapshot_dates.c
    cutoff = today - timedelta(days=kept_days)
    dated = [row[0] for row in connection.execute(select(s.as_of).where(s.as_of < cutoff, s.month_end == 0))]
    dropped = []
    for day in dated:
        later = select(s.as_of).where(s.as_of > day, s.as_of <= _month_last(day)).limit(1)
        if connection.execute(later).first() is not None:  # a later snapshot of the same month exists
            connection.execute(loan_snapshots.delete().where(loan_snapshots.c.as_of == day))
            connection.execute(snapshot_dates.delete().where(s.as_of == day))
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
