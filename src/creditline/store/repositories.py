"""Repositories: each hides the tables behind methods named for what the app needs.

They take the unit of work's connection and never commit. Reads the app will change take
`for_update=True`: SELECT ... FOR UPDATE on PostgreSQL; on SQLite the whole transaction already
holds the write lock (BEGIN IMMEDIATE, see engine.py), so the clause is dropped by the dialect.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from creditline.ledger import JournalEntry
from creditline.store import tables as t
from creditline.store.line_repository import LineRepository
from creditline.store.loan_repository import LoanRepository
from creditline.store.upsert import add_to_counters

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
_INSERT_ENTRY = insert(t.journal_entries)
_INSERT_POSTINGS = insert(t.postings)
_INSERT_KEY = insert(t.idempotency_keys)
_SELECT_KEY = select(t.idempotency_keys.c.request_hash, t.idempotency_keys.c.result_json).where(
    t.idempotency_keys.c.scope == bindparam("k_scope"), t.idempotency_keys.c.client_key == bindparam("k_key")
)
_SELECT_DATE = select(t.business_calendar.c.business_date).where(t.business_calendar.c.calendar_id == 1)


class SystemRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def business_date(self, *, for_update: bool = False) -> date | None:
        query = _SELECT_DATE.with_for_update() if for_update else _SELECT_DATE
        return self.connection.execute(query).scalar_one_or_none()

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
        self.connection.execute(
            _INSERT_ENTRY,
            {
                "entry_id": entry.entry_id,
                "idempotency_key": entry.idempotency_key,
                "business_date": entry.business_date,
                "reference": entry.reference,
                "borrower_id": entry.borrower_id,
                "memo": entry.memo,
            },
        )
        self.connection.execute(
            _INSERT_POSTINGS,
            [
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
            ],
        )
        sums: dict[tuple[str, int, str], list[int]] = defaultdict(lambda: [0, 0])
        for p in entry.postings:
            pair = sums[(str(p.account), p.shard, p.amount.currency.code)]
            pair[0] += p.debit_minor
            pair[1] += p.credit_minor
        rows = [
            {"account": a, "shard": s, "currency": c, "debit_minor": d, "credit_minor": cr}
            for (a, s, c), (d, cr) in sorted(sums.items())
        ]
        add_to_counters(
            self.connection,
            t.account_balances,
            ("account", "shard", "currency"),
            ("debit_minor", "credit_minor"),
            rows,
        )

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

    def summary_sums(self, reference_prefix: str) -> list[tuple[str, str, int]]:
        """(account, currency, sum) of postings without a loan id in entries whose reference starts so."""
        p, j = t.postings, t.journal_entries
        query = (
            select(p.c.account, p.c.currency, func.sum(p.c.amount_minor))
            .join(j, j.c.entry_id == p.c.entry_id)
            .where(p.c.loan_id.is_(None), j.c.reference.startswith(reference_prefix))
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
        k = t.idempotency_keys
        query = select(k.c.request_hash, k.c.result_json).where(
            k.c.scope == scope, k.c.client_key == client_key
        )
        row = self.connection.execute(query).first()
        return None if row is None else (row[0], json.loads(row[1]))

    def put(
        self, scope: str, client_key: str, *, borrower_id: str | None, request_hash: str, result: dict
    ) -> None:
        self.connection.execute(
            insert(t.idempotency_keys).values(
                scope=scope,
                client_key=client_key,
                borrower_id=borrower_id,
                request_hash=request_hash,
                result_json=json.dumps(result, sort_keys=True),
            )
        )


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
