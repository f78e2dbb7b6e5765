"""The auto-debit outbox (`debit_attempts`) and the set-based settlement of a page of debits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from creditline.store.audit_log import append_settlement_records
from creditline.store.tables_servicing import (
    chunks,
    debit_attempts,
    executemany,
)
from creditline.store.upsert import add_to_counters

# -- the auto-debit outbox ----------------------------------------------------------------------------

OPEN_OUTCOMES = ("pending", "unknown")
MOVED_OUTCOMES = ("succeeded", "partial")


class DebitAttemptRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def planned(self, business_date: date, round_no: int) -> bool:
        query = _leg_query(False)
        return self.connection.execute(query, {"day": business_date, "round_no": round_no}).first() is not None

    def leg_planned(self, business_date: date, round_no: int, rank: int) -> bool:
        query = _leg_query(True)
        params = {"day": business_date, "round_no": round_no, "rank": rank}
        return self.connection.execute(query, params).first() is not None

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(debit_attempts), list(rows))

    def with_outcome(self, outcomes: Sequence[str], *, business_date: date | None = None, round_no: int | None = None,
                     limit: int | None = None, after_key: str = "") -> list[dict[str, Any]]:
        """Attempts in these outcomes (optionally of one day and round), in key order from `after_key`."""
        query = _outcome_query(tuple(outcomes), business_date is not None, round_no is not None, limit is not None)
        params = {"after_key": after_key, "day": business_date, "round_no": round_no, "limit": limit}
        return [dict(row) for row in self.connection.execute(query, params).mappings()]

    def unapplied(self, limit: int, after_key: str = "") -> list[dict[str, Any]]:
        """Attempts whose money moved but is not yet on the loan, in key order."""
        query = _unapplied_query()
        return [dict(row) for row in self.connection.execute(query, {"after_key": after_key, "limit": limit}).mappings()]

    def record_outcomes(self, outcomes: Sequence[dict[str, Any]], *, only_from: Sequence[str]) -> int:
        """Set outcome, debited amount and reference; a row already past `only_from` is left alone."""
        assert all(o in ("pending", "unknown") for o in only_from), "only open outcomes are ever overwritten"
        if not outcomes:
            return 0
        return self.connection.execute(_record_statement(tuple(only_from)), list(outcomes)).rowcount

    def mark_applied(self, marks: Sequence[dict[str, Any]]) -> None:
        """(k_key, v_path, v_event) for attempts whose money is now on the loan."""
        if not marks:
            return
        result = self.connection.execute(_mark_statement(), list(marks))
        assert result.rowcount == len(marks), "each attempt is applied once"

    def of_day(self, business_date: date) -> list[dict[str, Any]]:
        return [dict(row) for row in self.connection.execute(_of_day_query(), {"day": business_date}).mappings()]

    def day_summary(self, business_date: date) -> dict[str, Any]:
        outcomes: dict[str, int] = {}
        paths: dict[str, int] = {}
        collected: dict[str, int] = {}
        for outcome, path, code, count, debited in self.connection.execute(_summary_query(), {"day": business_date}):
            outcomes[outcome] = outcomes.get(outcome, 0) + int(count)
            if path:
                paths[path] = paths.get(path, 0) + int(count)
            collected[code] = collected.get(code, 0) + int(debited or 0)
        declined = self.connection.execute(_declined_count_query(), {"day": business_date, "round": _NO_ROUND}).scalar()
        return {"attempts": sum(outcomes.values()), "outcomes": outcomes, "applied_paths": paths,
                "collected_minor": collected, "sources_declined": int(declined or 0)}

    def declined_sources(self, business_date: date, round_no: int) -> frozenset[tuple[str, str]]:
        """(borrower, source) pairs that declined a debit in a round before `round_no` today, read in SQL
        (`app.eod_autodebit_sources.declined_before` takes the same set from the day's attempts in hand)."""
        rows = self.connection.execute(_declined_query(), {"day": business_date, "round": round_no})
        return frozenset((str(borrower), str(source)) for borrower, source in rows)



# The outbox's statements, built once: building a Core statement costs more than running it on a small
# day (the stage runs a few of each per round). Parameters: after_key, day, round_no, rank, limit.


@cache
def _outcome_query(outcomes: tuple[str, ...], dated: bool, by_round: bool, limited: bool) -> Select:
    a = debit_attempts.c
    query = select(debit_attempts).where(a.outcome.in_(outcomes), a.attempt_key > bindparam("after_key"))
    if dated:
        query = query.where(a.business_date == bindparam("day"))
    if by_round:
        query = query.where(a.round == bindparam("round_no"))
    query = query.order_by(a.attempt_key)
    return query.limit(bindparam("limit", type_=Integer)) if limited else query


@cache
def _record_statement(only_from: tuple[str, ...]) -> Any:
    a = debit_attempts.c
    return (
        update(debit_attempts)
        # Constants inlined: an expanding IN cannot take part in executemany. `outcome || ''` keeps the
        # planner on the primary key: with statistics taken when no row was pending (PostgreSQL), it
        # finds `outcome = 'pending'` rarer than one key and reads every pending row by the outcome
        # index for each row updated (a million-loan day: 1 s became 58 s).
        .where(a.attempt_key == bindparam("k_key"),
               or_(*(a.outcome.concat(literal_column("''")) == literal_column(f"'{o}'") for o in only_from)))
        .values(outcome=bindparam("v_outcome"), debited_minor=bindparam("v_debited"),
                gateway_ref=bindparam("v_ref"), applied=bindparam("v_applied"), applied_path=bindparam("v_path"))
    )  # fmt: skip


@cache
def _mark_statement() -> Any:
    a = debit_attempts.c
    return (
        update(debit_attempts)
        .where(a.attempt_key == bindparam("k_key"), a.applied == 0)
        .values(applied=1, applied_path=bindparam("v_path"), event_id=bindparam("v_event"))
    )


@cache
def _unapplied_query() -> Select:
    a = debit_attempts.c
    return (
        select(debit_attempts)
        .where(a.outcome.in_(MOVED_OUTCOMES), a.applied == 0, a.attempt_key > bindparam("after_key"))
        .order_by(a.attempt_key)
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _leg_query(by_rank: bool) -> Select:
    a = debit_attempts.c
    query = select(a.attempt_key).where(a.business_date == bindparam("day"), a.round == bindparam("round_no"))
    return (query.where(a.source_rank == bindparam("rank")) if by_rank else query).limit(1)


@cache
def _of_day_query() -> Select:
    a = debit_attempts.c
    return select(a.loan_id, a.borrower_id, a.source_id, a.round, a.outcome).where(a.business_date == bindparam("day"))


@cache
def _summary_query() -> Select:
    a = debit_attempts.c
    return (
        select(a.outcome, a.applied_path, a.currency, func.count(), func.sum(a.debited_minor))
        .where(a.business_date == bindparam("day"))
        .group_by(a.outcome, a.applied_path, a.currency)
    )


@cache
def _declined_query() -> Select:
    """The day's sources that declined before round `:round`, each once (a later round does not ask them
    again: app.eod_autodebit)."""
    a = debit_attempts.c
    return select(a.borrower_id, a.source_id).where(
        a.business_date == bindparam("day"), a.outcome == "declined", a.round < bindparam("round")).distinct()  # fmt: skip


@cache
def _declined_count_query() -> Select:
    """How many sources `_declined_query` holds (the day summary's `sources_declined`)."""
    return select(func.count()).select_from(_declined_query().subquery())


_NO_ROUND = 32_767  # a round after every round (the column is a SMALLINT): the whole day's declined sources


# -- loans as auto-debit reads and settles them --------------------------------------------------------

SETTLE_COLUMNS = (
    "loan_id", "borrower_id", "line_id", "currency", "status", "as_of", "version", "principal_outstanding_minor",
    "interest_receivable_minor", "penalty_receivable_minor", "fee_receivable_minor", "credit_balance_minor",
    "totals_json", "row_count", "rows_blob",
)  # fmt: skip


def due_loans(connection: Connection, business_date: date, statuses: Sequence[str]) -> list[Any]:
    """Loans with an installment due and unpaid on `business_date` (their snapshot is as of it)."""
    return list(connection.execute(_due_query(tuple(statuses)), {"day": business_date}).all())


@cache
def _due_query(statuses: tuple[str, ...]) -> Select:
    from creditline.store.tables import loans

    c = loans.c
    return (
        select(c.loan_id, c.borrower_id, c.currency, c.status, c.days_past_due, c.penalty_receivable_minor,
               c.row_count, c.rows_blob)
        .where(c.status.in_(statuses), c.oldest_unpaid_due > 0, c.as_of == bindparam("day"))
        .order_by(c.loan_id)
    )  # fmt: skip


def loans_for_settlement(connection: Connection, loan_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The loans' snapshot columns, locked (PostgreSQL) in loan-id order as every command locks them."""
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(loan_ids))):
        rows = connection.execute(_settle_query(), {"ids": list(part)}).mappings()
        found.update({row["loan_id"]: dict(row) for row in rows})
    return found


def max_sequences(connection: Connection, loan_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(sorted(set(loan_ids))):
        found.update({loan_id: int(top) for loan_id, top in connection.execute(_sequence_query(), {"ids": list(part)})})
    return found


@cache
def _settle_query() -> Select:
    from creditline.store.tables import loans

    c = loans.c
    query = select(*(c[name] for name in SETTLE_COLUMNS)).where(c.loan_id.in_(bindparam("ids", expanding=True)))
    return query.order_by(c.loan_id).with_for_update()


@cache
def _sequence_query() -> Select:
    from creditline.store.tables import loan_events

    e = loan_events.c
    return select(e.loan_id, func.max(e.sequence)).where(e.loan_id.in_(bindparam("ids", expanding=True))).group_by(e.loan_id)


@dataclass
class Settlements:
    """What a page of set-based settlements writes (plain tuples, in the statements' column order)."""

    loans: list[tuple] = field(default_factory=list)  # status, principal, interest, penalty, blob, totals, id, version
    events: list[tuple] = field(default_factory=list)  # LOAN_EVENT_COLUMNS
    entries: list[tuple] = field(default_factory=list)  # JOURNAL_COLUMNS
    postings: list[tuple] = field(default_factory=list)  # POSTING_COLUMNS: entry, account, shard, loan, currency,
    # signed amount, borrower
    lines: dict[str, int] = field(default_factory=dict)  # line id -> principal repaid
    marks: list[dict[str, Any]] = field(default_factory=list)  # for DebitAttemptRepository.mark_applied


LOAN_EVENT_COLUMNS = ("event_id", "loan_id", "borrower_id", "sequence", "kind", "effective_date", "amount_minor",
                      "currency", "reverses", "data_json", "recorded_on")  # fmt: skip
JOURNAL_COLUMNS = ("entry_id", "idempotency_key", "business_date", "reference", "borrower_id", "memo")


def write_settlements(connection: Connection, writes: Settlements) -> None:
    """Loans' new snapshots, their repayment events, journal entries (with their log records) and lines, in
    the caller's transaction."""
    if not writes.loans:
        return
    updated = executemany(connection, (
        "UPDATE loans SET status = ?, principal_outstanding_minor = ?, interest_receivable_minor = ?, "
        "penalty_receivable_minor = ?, days_past_due = 0, oldest_unpaid_due = 0, rows_blob = ?, totals_json = ?, "
        "version = version + 1 WHERE loan_id = ? AND version = ?"
    ), writes.loans)  # fmt: skip
    assert updated in (-1, len(writes.loans)), "every settled loan was locked and updated once"
    events_at = tuple(LOAN_EVENT_COLUMNS.index(n) for n in ("effective_date", "recorded_on"))
    _insert(connection, "loan_events", LOAN_EVENT_COLUMNS, _dated(connection, writes.events, events_at))
    _insert(connection, "journal_entries", JOURNAL_COLUMNS,
            _dated(connection, writes.entries, (JOURNAL_COLUMNS.index("business_date"),)))  # fmt: skip
    _insert(connection, "postings", POSTING_COLUMNS, writes.postings)
    append_settlement_records(connection, writes.events, writes.entries, writes.postings)  # the tamper-evident log
    _add_balances(connection, writes.postings)
    executemany(connection, "UPDATE credit_lines SET outstanding_principal_minor = outstanding_principal_minor - ?, "
                             "version = version + 1 WHERE line_id = ?",
                 [(minor, line_id) for line_id, minor in sorted(writes.lines.items())])  # fmt: skip


POSTING_COLUMNS = ("entry_id", "account", "shard", "loan_id", "currency", "amount_minor", "borrower_id")


def _insert(connection: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Rows in one go: COPY on PostgreSQL (a page of 5,000 settlements writes ~25,000 rows; an
    executemany of them is a pipeline of single-row INSERTs the server plans and runs one by one),
    a prepared executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    if connection.dialect.name != "postgresql":
        executemany(connection, f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})", rows)
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _dated(connection: Connection, rows: list[tuple], at: tuple[int, ...]) -> list[tuple]:
    """Dates as the driver takes them (ISO text on SQLite)."""
    if connection.dialect.name == "postgresql":
        return rows
    return [tuple(v.isoformat() if i in at else v for i, v in enumerate(row)) for row in rows]


def _add_balances(connection: Connection, postings: Sequence[tuple]) -> None:
    from creditline.store.tables import account_balances

    sums: dict[tuple[str, int, str], list[int]] = {}
    for _, account, shard, _, code, minor, _ in postings:
        pair = sums.setdefault((account, shard, code), [0, 0])
        pair[0 if minor > 0 else 1] += abs(minor)
    rows = [{"account": a, "shard": s, "currency": c, "debit_minor": d, "credit_minor": cr}
            for (a, s, c), (d, cr) in sorted(sums.items())]  # fmt: skip
    add_to_counters(connection, account_balances, ("account", "shard", "currency"), ("debit_minor", "credit_minor"), rows)


def repay_keys_used(connection: Connection, keys: Sequence[str]) -> set[str]:
    """Which of these client keys the `repay` command has already recorded."""
    found: set[str] = set()
    for part in chunks(list(keys)):
        found.update(connection.execute(_repay_keys_query(), {"keys": list(part)}).scalars())
    return found


@cache
def _repay_keys_query() -> Select:
    from creditline.store.tables import idempotency_keys

    k = idempotency_keys.c
    return select(k.client_key).where(k.scope == "repay", k.client_key.in_(bindparam("keys", expanding=True)))
