"""Repositories: each hides the tables behind methods named for what the app needs.

They take the unit of work's connection and never commit. Reads the app will change take
`for_update=True`: SELECT ... FOR UPDATE on PostgreSQL; on SQLite the whole transaction already
holds the write lock (BEGIN IMMEDIATE, see engine.py), so the clause is dropped by the dialect.
What every money-moving command does — the business date, the idempotency record, the journal
entry — runs on the driver's cursor (`driver_sql`); a journal entry's three statements go in one
round trip, with its record in the tamper-evident log (`store.audit_log`): one statement on PostgreSQL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Connection, bindparam, case, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from creditline.ledger import JournalEntry
from creditline.store import tables as t
from creditline.store.audit_log import AUDIT_COLUMNS, INSERT_RECORD, journal_entry_row, logged_with
from creditline.store.driver_sql import Rows, execute, pipelined
from creditline.store.line_repository import LineRepository
from creditline.store.loan_repository import LoanRepository

__all__ = [
    "EodRepository",
    "IdempotencyRepository",
    "JournalRepository",
    "LineRepository",
    "LoanRepository",
    "ProductRepository",
    "SystemRepository",
]


# Statements built once: building them per call (values inlined) costs more than running them.
def _inserting(table: Any, *names: str) -> Any:
    return insert(table).values({name: bindparam(name) for name in names})


_ENTRY_COLUMNS = ("entry_id", "idempotency_key", "business_date", "reference", "borrower_id", "memo")
_POSTING_COLUMNS = ("entry_id", "account", "shard", "loan_id", "currency", "amount_minor", "borrower_id")
_KEY_COLUMNS = ("scope", "client_key", "borrower_id", "request_hash", "result_json")
_INSERT_ENTRY = _inserting(t.journal_entries, *_ENTRY_COLUMNS)
_INSERT_KEY = _inserting(t.idempotency_keys, *_KEY_COLUMNS)
_SELECT_KEY = select(t.idempotency_keys.c.request_hash, t.idempotency_keys.c.result_json).where(
    t.idempotency_keys.c.scope == bindparam("k_scope"), t.idempotency_keys.c.client_key == bindparam("k_key")
)
_SELECT_DATE = select(t.business_calendar.c.business_date).where(t.business_calendar.c.calendar_id == 1)
_SELECT_DATE_FOR_UPDATE = _SELECT_DATE.with_for_update()
_LOCK_SHARED = select(func.pg_advisory_xact_lock_shared(bindparam("k_lock", type_=BigInteger)))


_BALANCE_COLUMNS = ("account", "shard", "currency", "debit_minor", "credit_minor")
_ROWS_MAX = 16  # an entry has a handful of postings; more go in several statements


@cache
def _insert_postings(rows: int) -> Any:
    """`rows` postings in one statement (one execution, where a loop of inserts would be one each)."""
    return insert(t.postings).values([{name: bindparam(f"po_{name}_{i}") for name in _POSTING_COLUMNS} for i in range(rows)])


@cache
def _add_to_balances(dialect_name: str, rows: int) -> Any:
    """`rows` balance rows, each inserted or added to the existing row; PostgreSQL takes their locks
    in the VALUES order, which callers keep sorted by key (so two entries never deadlock)."""
    stmt = (postgresql if dialect_name == "postgresql" else sqlite).insert(t.account_balances)
    stmt = stmt.values([{name: bindparam(f"ba_{name}_{i}") for name in _BALANCE_COLUMNS} for i in range(rows)])
    return stmt.on_conflict_do_update(
        index_elements=["account", "shard", "currency"],
        set_={name: t.account_balances.c[name] + stmt.excluded[name] for name in ("debit_minor", "credit_minor")},
    )


# PostgreSQL: balance rows given as arrays, taken in their (sorted) order — the lock order of `_add_to_balances`.
_ADD_TO_BALANCES_UNNEST = text(
    "INSERT INTO account_balances (account, shard, currency, debit_minor, credit_minor) "
    "SELECT b.account, b.shard, b.currency, b.debit_minor, b.credit_minor FROM unnest("
    "CAST(:account AS VARCHAR[]), CAST(:shard AS SMALLINT[]), CAST(:currency AS VARCHAR[]), "
    "CAST(:debit_minor AS BIGINT[]), CAST(:credit_minor AS BIGINT[])"
    ") WITH ORDINALITY AS b(account, shard, currency, debit_minor, credit_minor, n) ORDER BY b.n "
    "ON CONFLICT (account, shard, currency) DO UPDATE SET "
    "debit_minor = account_balances.debit_minor + excluded.debit_minor, "
    "credit_minor = account_balances.credit_minor + excluded.credit_minor"
)


# PostgreSQL: a batch's entries, their postings and their log records given as arrays, each table's
# rows inserted in the arrays' order (acceptance order in the log, postings in each entry's order); the
# postings' foreign key is checked at the statement's end, when the entries are there.
_ADD_ENTRIES_UNNEST = text(
    "WITH entry AS (INSERT INTO journal_entries (entry_id, idempotency_key, business_date, reference, borrower_id, memo) "
    "SELECT e.entry_id, e.idempotency_key, e.business_date, e.reference, e.borrower_id, e.memo FROM unnest("
    "CAST(:je_entry_id AS VARCHAR[]), CAST(:je_idempotency_key AS VARCHAR[]), CAST(:je_business_date AS DATE[]), "
    "CAST(:je_reference AS VARCHAR[]), CAST(:je_borrower_id AS VARCHAR[]), CAST(:je_memo AS VARCHAR[])"
    ") WITH ORDINALITY AS e(entry_id, idempotency_key, business_date, reference, borrower_id, memo, n) ORDER BY e.n), "
    "posted AS (INSERT INTO postings (entry_id, account, shard, loan_id, currency, amount_minor, borrower_id) "
    "SELECT p.entry_id, p.account, p.shard, p.loan_id, p.currency, p.amount_minor, p.borrower_id FROM unnest("
    "CAST(:po_entry_id AS VARCHAR[]), CAST(:po_account AS VARCHAR[]), CAST(:po_shard AS SMALLINT[]), "
    "CAST(:po_loan_id AS VARCHAR[]), CAST(:po_currency AS VARCHAR[]), CAST(:po_amount_minor AS BIGINT[]), "
    "CAST(:po_borrower_id AS VARCHAR[])"
    ") WITH ORDINALITY AS p(entry_id, account, shard, loan_id, currency, amount_minor, borrower_id, n) ORDER BY p.n) "
    "INSERT INTO audit_log (record_type, record_id, borrower_id, business_date, leaf, leaf_hash) "
    "SELECT a.record_type, a.record_id, a.borrower_id, a.business_date, a.leaf, a.leaf_hash FROM unnest("
    "CAST(:au_record_type AS VARCHAR[]), CAST(:au_record_id AS VARCHAR[]), CAST(:au_borrower_id AS VARCHAR[]), "
    "CAST(:au_business_date AS DATE[]), CAST(:au_leaf AS BYTEA[]), CAST(:au_leaf_hash AS BYTEA[])"
    ") WITH ORDINALITY AS a(record_type, record_id, borrower_id, business_date, leaf, leaf_hash, n) ORDER BY a.n"
)
assert AUDIT_COLUMNS == ("record_type", "record_id", "borrower_id", "business_date", "leaf", "leaf_hash")


@cache
def _journal_statement(postings: int, balances: int) -> Any:
    """PostgreSQL: the entry, its postings and the balances they move in one statement (a data-modifying
    WITH: the postings' foreign key is checked at the statement's end, when the entry is there)."""
    j = t.journal_entries.c
    entry = (
        insert(t.journal_entries).values({name: bindparam(f"je_{name}") for name in _ENTRY_COLUMNS})
        .returning(j.entry_id, j.borrower_id, j.business_date).cte("entry")
    )
    posted = _insert_postings(postings).cte("posted")
    logged = logged_with("journal_entry", entry.c.entry_id, entry.c.borrower_id, entry.c.business_date)
    return _add_to_balances("postgresql", balances).add_cte(entry, posted, logged)


def _prefixed(prefix: str, values: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{name}": value for name, value in values.items()}


def _numbered(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{prefix}{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()}


def _entry_rows(entry: JournalEntry) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `journal_entries` row and the entry's `postings` rows."""
    header = {
        "entry_id": entry.entry_id,
        "idempotency_key": entry.idempotency_key,
        "business_date": entry.business_date,
        "reference": entry.reference,
        "borrower_id": entry.borrower_id,
        "memo": entry.memo,
    }
    postings = [
        {
            "entry_id": entry.entry_id,
            "account": str(p.account),
            "shard": p.shard,
            "loan_id": p.loan_id,
            "currency": p.amount.currency.code,
            "amount_minor": p.amount.minor,
            "borrower_id": entry.borrower_id,
        }
        for p in entry.postings
    ]
    return header, postings


def _balance_rows(entries: list[JournalEntry]) -> list[dict[str, Any]]:
    """What the entries add to the running balances, one row per (account, shard, currency), in key order
    — so concurrent writers lock balance rows in the same order and never deadlock."""
    sums: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        for p in entry.postings:
            pair = sums[(str(p.account), p.shard, p.amount.currency.code)]
            pair[0] += p.debit_minor
            pair[1] += p.credit_minor
    return [
        {"account": a, "shard": s, "currency": c, "debit_minor": d, "credit_minor": cr}
        for (a, s, c), (d, cr) in sorted(sums.items())
    ]


class SystemRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def business_date(self, *, for_update: bool = False) -> date | None:
        return self.queue_business_date(for_update=for_update).value()

    def queue_shared_lock(self, lock_key: int) -> None:
        """Take a transaction-level advisory lock shared (PostgreSQL; SQLite's write lock covers it)."""
        if self.connection.dialect.name == "postgresql":
            execute(self.connection, _LOCK_SHARED, {"k_lock": lock_key})

    def queue_business_date(self, *, for_update: bool = False) -> PendingDate:
        """`business_date`, read once the statement has run (after a pipeline)."""
        return PendingDate(execute(self.connection, _SELECT_DATE_FOR_UPDATE if for_update else _SELECT_DATE))

    def set_business_date(self, on: date) -> None:
        updated = self.connection.execute(
            update(t.business_calendar).where(t.business_calendar.c.calendar_id == 1).values(business_date=on)
        )
        if updated.rowcount == 0:
            self.connection.execute(insert(t.business_calendar).values(calendar_id=1, business_date=on))


class ProductRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def source(self, product_id: str, version: int | None = None) -> dict[str, Any] | None:
        """The stored product text (newest version unless one is named)."""
        query = select(t.products).where(t.products.c.product_id == product_id)
        if version is not None:
            query = query.where(t.products.c.version == version)
        row = self.connection.execute(query.order_by(t.products.c.version.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def add(
        self, *, product_id: str, version: int, content_hash: str, currency: str, fmt: str, text: str
    ) -> None:
        existing = self.source(product_id, version)
        if existing is not None:
            assert existing["content_hash"] == content_hash, (
                f"{product_id} v{version} changed without a new version"
            )
            return
        self.connection.execute(
            insert(t.products).values(
                product_id=product_id,
                version=version,
                content_hash=content_hash,
                currency=currency,
                source_format=fmt,
                source_text=text,
            )
        )


class JournalRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, entry: JournalEntry) -> None:
        """The entry, its postings, the running balances they move and its log record: one round trip on
        PostgreSQL."""
        header, postings = _entry_rows(entry)
        balances = _balance_rows([entry])
        record = journal_entry_row(header, postings)  # the entry as the log keeps it, built as the verifier does
        if self.connection.dialect.name == "postgresql" and 0 < len(balances) <= len(postings) <= _ROWS_MAX:
            statement = _journal_statement(len(postings), len(balances))
            params = _prefixed("je_", header) | _numbered("po_", postings) | _numbered("ba_", balances)
            execute(self.connection, statement, params | {"au_leaf": record["leaf"]})
            return
        with pipelined(self.connection):
            self._queue_unbalanced(header, postings, record)
            self._queue_balances(balances)

    def add_entries(self, entries: list[JournalEntry]) -> None:
        """Several entries (a group commit of repayments): each entry with its postings and log record,
        then the running balances all of them move, summed per row and added in key order — so a batch
        locks balance rows in the same order as a single entry does, and never deadlocks with one.
        On PostgreSQL the entries, postings and records go as arrays in one statement."""
        if self._pg:
            if entries:
                self._queue_entries_unnest(entries)
        else:
            for entry in entries:
                header, postings = _entry_rows(entry)
                self._queue_unbalanced(header, postings, journal_entry_row(header, postings))
        self._queue_balances(_balance_rows(entries))

    def _queue_entries_unnest(self, entries: list[JournalEntry]) -> None:
        headers, postings, records = [], [], []
        for entry in entries:
            header, rows = _entry_rows(entry)
            headers.append(header)
            postings.extend(rows)
            records.append(journal_entry_row(header, rows))
        params = {f"je_{name}": [h[name] for h in headers] for name in _ENTRY_COLUMNS}
        params |= {f"po_{name}": [p[name] for p in postings] for name in _POSTING_COLUMNS}
        params |= {f"au_{name}": [r[name] for r in records] for name in AUDIT_COLUMNS}
        execute(self.connection, _ADD_ENTRIES_UNNEST, params, binary=True)  # arrays: binary is cheaper to build

    def _queue_unbalanced(self, header: dict[str, Any], postings: list[dict[str, Any]], record: dict[str, Any]) -> None:
        execute(self.connection, _INSERT_ENTRY, header)
        execute(self.connection, INSERT_RECORD, record)
        for at in range(0, len(postings), _ROWS_MAX):
            part = postings[at : at + _ROWS_MAX]
            execute(self.connection, _insert_postings(len(part)), _numbered("po_", part))

    def _queue_balances(self, balances: list[dict[str, Any]]) -> None:
        if self._pg and balances:  # one statement shape for any number of rows: parsed and planned once
            arrays = {name: [b[name] for b in balances] for name in _BALANCE_COLUMNS}
            execute(self.connection, _ADD_TO_BALANCES_UNNEST, arrays, binary=True)
            return
        for at in range(0, len(balances), _ROWS_MAX):
            part = balances[at : at + _ROWS_MAX]
            execute(self.connection, _add_to_balances(self.connection.dialect.name, len(part)), _numbered("ba_", part))

    def has_key(self, idempotency_key: str) -> bool:
        query = select(t.journal_entries.c.entry_id).where(
            t.journal_entries.c.idempotency_key == idempotency_key
        )
        return self.connection.execute(query).first() is not None

    def balance_rows(self) -> list[tuple[str, str, int, int]]:
        """(account, currency, debits, credits) from the running per-shard balances."""
        b = t.account_balances
        query = select(
            b.c.account, b.c.currency, func.sum(b.c.debit_minor), func.sum(b.c.credit_minor)
        ).group_by(b.c.account, b.c.currency)
        return [(a, c, int(d), int(cr)) for a, c, d, cr in self.connection.execute(query)]

    def posting_rows(self) -> list[tuple[str, str, int, int]]:
        """(account, currency, debits, credits) summed from the postings themselves."""
        p = t.postings
        debit_minor = (
            func.sum(func.greatest(p.c.amount_minor, 0))
            if self._pg
            else func.sum(func.max(p.c.amount_minor, 0))
        )
        credit_minor = (
            func.sum(func.greatest(-p.c.amount_minor, 0))
            if self._pg
            else func.sum(func.max(-p.c.amount_minor, 0))
        )
        query = select(p.c.account, p.c.currency, debit_minor, credit_minor).group_by(
            p.c.account, p.c.currency
        )
        return [(a, c, int(d or 0), int(cr or 0)) for a, c, d, cr in self.connection.execute(query)]

    def shard_balances(self) -> dict[tuple[str, int, str], tuple[int, int]]:
        """(account, shard, currency) -> (debits, credits): the running balance rows as kept."""
        b = t.account_balances.c
        query = select(b.account, b.shard, b.currency, b.debit_minor, b.credit_minor)
        return {(a, int(s), c): (int(d), int(cr)) for a, s, c, d, cr in self.connection.execute(query)}

    def shard_posting_sums(self) -> dict[tuple[str, int, str], tuple[int, int]]:
        """(account, shard, currency) -> (debits, credits) summed from the postings: what each running
        balance row must hold."""
        p = t.postings.c
        debit_minor = func.sum(case((p.amount_minor > 0, p.amount_minor), else_=0))
        credit_minor = func.sum(case((p.amount_minor < 0, -p.amount_minor), else_=0))
        query = select(p.account, p.shard, p.currency, debit_minor, credit_minor).group_by(p.account, p.shard, p.currency)
        return {(a, int(s), c): (int(d or 0), int(cr or 0)) for a, s, c, d, cr in self.connection.execute(query)}

    def unbalanced_entries(self, limit: int = 100) -> list[tuple[str, str, int]]:
        """Entries whose stored postings do not sum to zero per currency (should never exist)."""
        p = t.postings
        query = (
            select(p.c.entry_id, p.c.currency, func.sum(p.c.amount_minor))
            .group_by(p.c.entry_id, p.c.currency)
            .having(func.sum(p.c.amount_minor) != 0)
            .limit(limit)
        )
        return [(e, c, int(s)) for e, c, s in self.connection.execute(query)]

    def loan_account_sums(self) -> list[tuple[str, str, int]]:
        """(loan id, account, debit-positive sum) over every posting that names a loan."""
        p = t.postings
        query = (
            select(p.c.loan_id, p.c.account, func.sum(p.c.amount_minor))
            .where(p.c.loan_id.is_not(None))
            .group_by(p.c.loan_id, p.c.account)
        )
        return [(loan_id, account, int(total)) for loan_id, account, total in self.connection.execute(query)]

    def summary_sums(self) -> list[tuple[str, str, int]]:
        """(account, currency, sum) of the postings without a loan id."""
        p = t.postings
        query = (
            select(p.c.account, p.c.currency, func.sum(p.c.amount_minor))
            .where(p.c.loan_id.is_(None))
            .group_by(p.c.account, p.c.currency)
        )
        return [(a, c, int(s)) for a, c, s in self.connection.execute(query)]

    def entries_count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(t.journal_entries)).scalar_one())

    @property
    def _pg(self) -> bool:
        return self.connection.dialect.name == "postgresql"


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, scope: str, client_key: str) -> tuple[str, dict[str, Any]] | None:
        return self.queue_get(scope, client_key).found()

    def queue_get(self, scope: str, client_key: str) -> PendingKey:
        """`get`, read once the statement has run (after a pipeline)."""
        return PendingKey(execute(self.connection, _SELECT_KEY, {"k_scope": scope, "k_key": client_key}))

    def put(
        self, scope: str, client_key: str, *, borrower_id: str | None, request_hash: str, result: dict
    ) -> None:
        self.put_row(idempotency_row(scope, client_key, borrower_id, request_hash, result))

    def put_row(self, row: dict[str, Any]) -> None:
        execute(self.connection, _INSERT_KEY, row)


_RESULT_JSON = json.JSONEncoder(sort_keys=True)  # `json.dumps(result, sort_keys=True)`, made once


def idempotency_row(scope: str, client_key: str, borrower_id: str | None, request_hash: str, result: dict) -> dict[str, Any]:
    return {
        "scope": scope,
        "client_key": client_key,
        "borrower_id": borrower_id,
        "request_hash": request_hash,
        "result_json": _RESULT_JSON.encode(result),
    }


class PendingKey:
    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def found(self) -> tuple[str, dict[str, Any]] | None:
        row = self.rows.first()
        return None if row is None else (row[0], json.loads(row[1]))


class PendingDate:
    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def value(self) -> date | None:
        row = self.rows.first()
        return None if row is None else row[0]


class EodRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def run(self, run_date: date) -> dict[str, Any] | None:
        query = select(t.eod_runs.c.result_json).where(t.eod_runs.c.run_date == run_date)
        text = self.connection.execute(query).scalar_one_or_none()
        return None if text is None else json.loads(text)

    def record(self, run_date: date, result: dict[str, Any]) -> None:
        self.connection.execute(
            insert(t.eod_runs).values(
                run_date=run_date,
                loans_accrued=result["loans_accrued"],
                interest_minor=result["interest_minor"],
                penalty_minor=result["penalty_minor"],
                loans_overdue=result["loans_overdue"],
                result_json=json.dumps(result, sort_keys=True),
            )
        )
