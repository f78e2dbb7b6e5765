"""Repayment sources, paydays, and the simulated bank's inflows and statement (migration 0014).

- `repayment_sources`: the accounts and wallets a borrower repays from, in priority order. The number
  itself is in the privacy vault (`personal_data`, field `bank_account:<source_id>`, or `bank_account` for the
  account on file); here only its blind index, and the id the payment gateway debits (`bank_account_id`).
- `borrower_paydays`: the day of the month a borrower is paid, stated by them or learned from inflows.
- `sim_bank_inflows`: money arriving in the simulated bank's accounts (salaries, transfers): the history
  a payday is learned from. Like `sim_bank_*`, the bank's books, not ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    insert,
    select,
    update,
)

from creditline.store.tables import ID, KEY, credit_lines, metadata
from creditline.store.tables_servicing import chunks, sim_bank_debits

repayment_sources = Table(
    "repayment_sources",
    metadata,
    Column("source_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("kind", String(16), nullable=False),  # bank-account | wallet
    Column("bank_account_id", String(ID), nullable=False),  # what the gateway debits
    Column("vault_field", String(32), nullable=False),  # the personal_data field holding the number
    Column("account_index", String(64), nullable=True),  # blind index of the number (null: on application)
    Column("priority", SmallInteger, nullable=False),  # 1 is asked first
    Column("status", String(8), nullable=False),  # active | removed
    Column("added_on", Date, nullable=False),
    Column("removed_on", Date, nullable=True),
    Index("ix_repayment_sources_borrower_id_status", "borrower_id", "status"),
)

borrower_paydays = Table(
    "borrower_paydays",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
    Column("payday", SmallInteger, nullable=False),  # day of the month, 1-31
    Column("basis", String(8), nullable=False),  # stated | inflows
    Column("recorded_on", Date, nullable=False),
)

sim_bank_inflows = Table(
    "sim_bank_inflows",
    metadata,
    Column("inflow_id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(ID), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("reference", String(KEY), nullable=False),
    Index("ix_sim_bank_inflows_business_date", "business_date"),
)

ACTIVE = "active"
REMOVED = "removed"
STATED = "stated"  # a payday the borrower gave; learned ones are "inflows"


class RepaymentSourceRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def of_borrower(self, borrower_id: str, *, lock: bool = False) -> list[dict[str, Any]]:
        """Every source of the borrower (active by priority first, then removed), locked on request."""
        s = repayment_sources.c
        query = (
            select(repayment_sources)
            .where(s.borrower_id == borrower_id)
            .order_by(s.status, s.priority, s.source_id)
        )
        if lock:
            self._lock_lines(borrower_id)
            query = query.with_for_update()
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def _lock_lines(self, borrower_id: str) -> None:
        """Serialise a borrower's source changes on their credit lines: a row another link is still
        inserting cannot be locked (nor, on PostgreSQL, seen by a wait on the rows that exist)."""
        c = credit_lines.c
        query = select(c.line_id).where(c.borrower_id == borrower_id).order_by(c.line_id).with_for_update()
        self.connection.execute(query).all()

    def add(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(repayment_sources).values(row))

    def set_priorities(self, priorities: dict[str, int]) -> None:
        s = repayment_sources.c
        for source_id, priority in sorted(priorities.items()):
            self.connection.execute(
                update(repayment_sources).where(s.source_id == source_id).values(priority=priority)
            )

    def remove(self, source_id: str, on: date) -> None:
        s = repayment_sources.c
        self.connection.execute(
            update(repayment_sources)
            .where(s.source_id == source_id)
            .values(status=REMOVED, removed_on=on, priority=0)
        )


def active_sources(connection: Connection, borrower_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Per borrower with linked sources: (source_id, bank_account_id) in priority order. Borrowers
    without any are absent (they repay from the account on file)."""
    s = repayment_sources.c
    found: dict[str, list[tuple[str, str]]] = {}
    for part in chunks(sorted(set(borrower_ids))):
        query = (
            select(s.borrower_id, s.source_id, s.bank_account_id)
            .where(s.borrower_id.in_(part), s.status == ACTIVE)
            .order_by(s.borrower_id, s.priority)
        )
        for borrower_id, source_id, account_id in connection.execute(query):
            found.setdefault(borrower_id, []).append((source_id, account_id))
    return found


def any_active_source(connection: Connection) -> bool:
    s = repayment_sources.c
    return connection.execute(select(s.source_id).where(s.status == ACTIVE).limit(1)).first() is not None


def paydays(connection: Connection, borrower_ids: Sequence[str]) -> dict[str, int]:
    p = borrower_paydays.c
    found: dict[str, int] = {}
    for part in chunks(sorted(set(borrower_ids))):
        found.update(
            {
                b: int(d)
                for b, d in connection.execute(select(p.borrower_id, p.payday).where(p.borrower_id.in_(part)))
            }
        )
    return found


def save_payday(connection: Connection, borrower_id: str, payday: int, basis: str, on: date) -> None:
    """Record a borrower's payday in one upsert (a concurrent first one is no key violation); a learned
    payday never replaces one the borrower stated, even one stated after the learner read the table."""
    from creditline.store.upsert import dialect_insert

    p = borrower_paydays.c
    values = {"payday": payday, "basis": basis, "recorded_on": on}
    statement = dialect_insert(connection, borrower_paydays).values(borrower_id=borrower_id, **values)
    keep_stated = None if basis == STATED else p.basis != STATED
    connection.execute(statement.on_conflict_do_update(index_elements=[p.borrower_id], set_=values, where=keep_stated))


def record_inflows(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """(account_id, business_date, currency, amount_minor, reference) of money arriving."""
    if rows:
        connection.execute(insert(sim_bank_inflows), list(rows))


def inflows_since(connection: Connection, since: date) -> list[tuple[str, date, int]]:
    i = sim_bank_inflows.c
    query = select(i.account_id, i.business_date, i.amount_minor).where(i.business_date >= since)
    return [(a, d, int(m)) for a, d, m in connection.execute(query.order_by(i.account_id, i.business_date))]


def bank_statement(connection: Connection, day: date) -> list[dict[str, Any]]:
    """The simulated bank's statement of debit instructions for `day`: per account, key, amounts, status."""
    d = sim_bank_debits.c
    query = (
        select(
            d.account_id,
            d.business_date,
            d.debit_key,
            d.currency,
            d.requested_minor,
            d.debited_minor,
            d.outcome,
        )
        .where(d.business_date == day)
        .order_by(d.account_id, d.debit_key)
    )
    return [dict(row) for row in connection.execute(query).mappings()]


def deposit(engine: Any, rows: Sequence[tuple[str, str, int, date, str]]) -> None:
    """Money arriving in simulated bank accounts — (account, currency, minor, day, reference): the
    balance (`SqlBankBook.deposit`) and the inflow on record, for learning paydays."""
    from creditline.store.tables_servicing_bank import SqlBankBook

    if not rows:
        return
    totals: dict[tuple[str, str], int] = {}
    for account, code, minor, _, _ in rows:
        assert minor > 0, "an inflow is positive"
        totals[(account, code)] = totals.get((account, code), 0) + minor  # one row per account and statement
    SqlBankBook(engine).deposit([(a, c, m) for (a, c), m in totals.items()])
    with engine.begin() as connection:
        record_inflows(connection, [{"account_id": a, "currency": c, "amount_minor": m, "business_date": d,
                                     "reference": r} for a, c, m, d, r in rows])  # fmt: skip
