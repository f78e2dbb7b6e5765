"""Bulk reads and writes of loan snapshots for EOD, on the raw driver connection.

A million loans per day is too many for ORM-style rows: reads use the driver's cursor in key-order
pages; writes use COPY into a temporary table and one UPDATE ... FROM on PostgreSQL, and a prepared
executemany on SQLite (whose writes are local and cheap). Both run inside the unit of work's
transaction, so the whole day commits or none of it does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from creditline.store.accrual_columns import ACCRUAL_COLUMNS

PAGE_SIZE = 100_000
COPY_ROWS_MIN = 2_000
SQLITE_CACHE_KIB = 256 * 1024  # below this a prepared executemany beats creating and filling a temporary table
EOD_STATUSES = ("active", "overdue", "charged-off")  # every loan not closed ages, even if it no longer accrues
PAGE_HEAD = ("loan_id", "borrower_id", "product_id", "currency")  # what every accruing page starts with

# What the classify stage takes of each loan beyond the accrual's own columns, when the accrual hands
# its loans over (`store.classify_memory`): read with them.
CLASSIFY_COLUMNS = ("line_id", "principal_outstanding_minor", "interest_receivable_minor", "penalty_receivable_minor",
                    "fee_receivable_minor")  # fmt: skip

# The columns EOD rewrites per loan, in this order (the blob may be None: unchanged).
STEP_COLUMNS = (
    "loan_id",
    "status",
    "days_past_due",
    "oldest_unpaid_due",
    "interest_accrued_minor",
    "interest_exact",
    "penalty_accrued_minor",
    "penalty_exact",
    "interest_delta",
    "penalty_delta",
    "rows_blob",
)


def _is_pg(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _driver(connection: Connection) -> Any:
    return connection.connection.driver_connection


def _param(connection: Connection) -> str:
    return "%s" if _is_pg(connection) else "?"


def _date(connection: Connection, on: date) -> Any:
    return on if _is_pg(connection) else on.isoformat()


STALE_ROWS_MIN = 50  # autovacuum's own rule: analyse after 50 rows plus a tenth of the table changed
STALE_FRACTION = 0.1


def refresh_statistics(connection: Connection, tables: Sequence[str]) -> list[str]:
    """PostgreSQL: ANALYZE those of `tables` whose planner statistics are missing or stale; the names analysed.

    EOD's key-order pages (`WHERE loan_id > ? AND status IN (...) ORDER BY loan_id LIMIT n`) walk the
    primary key only when the planner knows most loans match; a table never analysed (a bulk-loaded
    book before autovacuum's first pass, or a server with autovacuum off) gets a guessed 1.5 % match,
    and every page becomes a scan of the whole table and a sort — 1 s a page instead of 0.1 s on a
    million loans. Autovacuum's rule, checked here: never analysed, or more than 50 rows + 10 % changed
    since. ANALYZE samples 30,000 rows (about 0.6 s on a million loans) and may run in a transaction;
    without the table's ownership the server skips it with a warning and nothing changes."""
    if not _is_pg(connection) or not tables:
        return []
    cursor = _driver(connection).cursor()
    try:
        cursor.execute(
            "SELECT c.relname, c.reltuples, s.n_mod_since_analyze, s.last_analyze IS NULL AND s.last_autoanalyze IS NULL "
            "FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid "
            "WHERE c.relname = ANY(%s) AND s.schemaname = current_schema()",
            (list(tables),),
        )
        stale = sorted(name for name, reltuples, changed, never in cursor.fetchall()
                       if never or reltuples < 0 or changed > STALE_ROWS_MIN + STALE_FRACTION * reltuples)  # fmt: skip
        for name in stale:
            cursor.execute(f'ANALYZE "{name}"')
    finally:
        cursor.close()
    return stale


def accruing_pages(
    connection: Connection, page_size: int = PAGE_SIZE, extra: Sequence[str] = ()
) -> Iterator[tuple[list, list[tuple]]]:
    """Pages of (locators, rows): rows are (*PAGE_HEAD, *ACCRUAL_COLUMNS, *extra) of every loan EOD
    moves; a locator finds the row again for the write (the rowid on SQLite).

    Key-order pages that each start with an index seek, so a page costs the same at the millionth
    loan as at the first (a plain LIMIT/OFFSET, or a sort per page, would not).
    """
    key = "loan_id" if _is_pg(connection) else "rowid"
    columns = (key, *PAGE_HEAD, *ACCRUAL_COLUMNS, *extra)
    for page in loan_pages(connection, columns, EOD_STATUSES, page_size, key=key):
        yield [row[0] for row in page], [row[1:] for row in page]


def loan_pages(
    connection: Connection, columns: Sequence[str], statuses: Sequence[str], page_size: int, *, key: str = "loan_id"
) -> Iterator[list[tuple]]:
    """Key-order pages of `columns` of the loans in `statuses`, on the driver's own cursor: each page
    starts with an index seek, rows are plain tuples (on PostgreSQL in the binary protocol, blobs as
    they are), `columns[0]` must be `key`. What keeps every page a seek, on both databases: fresh
    planner statistics on PostgreSQL (`refresh_statistics`), and `+status` on SQLite, where the
    planner would otherwise take the status index and read and sort every remaining loan of those
    statuses for each page (quadratic over the book)."""
    pg = _is_pg(connection)
    refresh_statistics(connection, ("loans",))
    listed = ", ".join(f"'{s}'" for s in statuses)
    status = "status" if pg else "+status"
    sql = (
        f"SELECT {', '.join(columns)} FROM loans "
        f"WHERE {key} > {_param(connection)} AND {status} IN ({listed}) ORDER BY {key} LIMIT {int(page_size)}"
    )
    cursor = _driver(connection).cursor(binary=True) if pg else _driver(connection).cursor()
    last: object = "" if key == "loan_id" else 0
    try:
        while True:
            cursor.execute(sql, (last,))
            page = cursor.fetchall()
            if not page:
                return
            yield page
            last = page[-1][0]
    finally:
        cursor.close()


def write_steps(connection: Connection, rows: Sequence[tuple], new_as_of: date) -> None:
    """Apply each loan's day: new accrual columns, receivables and sub-ledger moved by the deltas.

    Each row starts with the loan's locator from `accruing_pages`, then the STEP_COLUMNS after loan_id.
    """
    if not rows:
        return
    if _is_pg(connection) and len(rows) >= COPY_ROWS_MIN:
        _write_pg(connection, rows, new_as_of)
    else:
        _write_each(connection, rows, new_as_of)


_SET = """
    status = {s}.status, days_past_due = {s}.days_past_due, oldest_unpaid_due = {s}.oldest_unpaid_due,
    interest_accrued_minor = {s}.interest_accrued_minor, interest_exact = {s}.interest_exact,
    penalty_accrued_minor = {s}.penalty_accrued_minor, penalty_exact = {s}.penalty_exact,
    interest_receivable_minor = {t}interest_receivable_minor + {s}.interest_delta,
    penalty_receivable_minor = {t}penalty_receivable_minor + {s}.penalty_delta,
    eod_interest_posted_minor = {t}eod_interest_posted_minor + {s}.interest_delta,
    eod_penalty_posted_minor = {t}eod_penalty_posted_minor + {s}.penalty_delta,
    rows_blob = COALESCE({s}.rows_blob, {t}rows_blob), as_of = {d}, version = {t}version + 1
"""


def _write_pg(connection: Connection, rows: Sequence[tuple], new_as_of: date) -> None:
    driver = _driver(connection)
    with driver.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS eod_step (loan_id text PRIMARY KEY, status text, days_past_due int, "
            "oldest_unpaid_due int, interest_accrued_minor bigint, interest_exact bigint, penalty_accrued_minor bigint, "
            "penalty_exact bigint, interest_delta bigint, penalty_delta bigint, rows_blob bytea) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE eod_step")
        with cursor.copy(f"COPY eod_step ({', '.join(STEP_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            "UPDATE loans SET " + _SET.format(s="eod_step", t="loans.", d="%s") + " FROM eod_step "
            "WHERE loans.loan_id = eod_step.loan_id",
            (new_as_of,),
        )
        assert cursor.rowcount == len(rows), "every stepped loan is updated once"


def _write_each(connection: Connection, rows: Sequence[tuple], new_as_of: date) -> None:
    sql = (
        "UPDATE loans SET status = ?, days_past_due = ?, oldest_unpaid_due = ?, interest_accrued_minor = ?, "
        "interest_exact = ?, penalty_accrued_minor = ?, penalty_exact = ?, "
        "interest_receivable_minor = interest_receivable_minor + ?, penalty_receivable_minor = penalty_receivable_minor + ?, "
        "eod_interest_posted_minor = eod_interest_posted_minor + ?, eod_penalty_posted_minor = eod_penalty_posted_minor + ?, "
        "rows_blob = COALESCE(?, rows_blob), as_of = ?, version = version + 1 WHERE "
        + ("loan_id" if _is_pg(connection) else "rowid")
        + " = ?"
    ).replace("?", _param(connection))
    day = _date(connection, new_as_of)
    params = (
        (r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[8], r[9], r[10], day, r[0]) for r in rows
    )
    cursor = _driver(connection).cursor()
    if not _is_pg(connection):
        # a day rewrites every open loan: a bigger page cache keeps the B-tree's inner pages in memory
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()
