"""End-of-day servicing tables (migration 0007_eod_servicing) and the repositories over them.

- `eod_stage_runs`: which stage of which business day's pipeline finished, with its result. A killed
  run starts again at the first stage without a row (docs/eod.md).
- `debit_attempts`: the auto-debit outbox. A row is written, with its deterministic idempotency key,
  before the gateway is called; its outcome and whether its money reached the loan are recorded
  after. Restarting never debits a borrower twice: pending and unknown rows are looked up first.
- `loan_facts`: what analytics need about a loan that never changes (origination, disbursed amount,
  maturity, EIR, PD at origination) plus the last classification EOD gave it, so a day's snapshot
  reads two tables instead of parsing JSON, and a change of status, tier or stage is noticed.
- `loan_class_changes`: every change of status, regulatory tier or IFRS 9 stage, dated.
- `loan_snapshots` / `snapshot_dates`: the portfolio snapshot schema (`portfolio.snapshot`) per day.
- `provision_runs`: the loss allowance each EOD booked, by stage, with the entry that moved it.
- `sim_bank_accounts` / `sim_bank_debits`: the simulated bank's own books (it is an outside system
  that happens to live in the same database; it commits on its own connection).
- `sim_population`: the simulator's applicants with their latent risk, for checking the models.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from creditline.store.tables import ID, KEY, metadata
from creditline.store.types import BigId
from creditline.store.upsert import add_to_counters

eod_stage_runs = Table(
    "eod_stage_runs",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("stage", String(48), primary_key=True),
    Column("result_json", Text, nullable=False),
)

debit_attempts = Table(
    "debit_attempts",
    metadata,
    Column("attempt_key", String(KEY), primary_key=True),  # ad:<loan>:<business date>:<round>
    Column("loan_id", String(ID), nullable=False, index=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("round", SmallInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("requested_minor", BigInteger, nullable=False),
    Column("partial_min_minor", BigInteger, nullable=True),  # null: the whole amount or nothing
    Column("days_past_due", Integer, nullable=False),
    Column("policy", String(40), nullable=False),
    # pending | succeeded | partial | insufficient_funds | declined | unknown | not_executed
    Column("outcome", String(24), nullable=False),
    Column("debited_minor", BigInteger, nullable=False),
    Column("gateway_ref", String(ID), nullable=True),
    Column("applied", SmallInteger, nullable=False),  # 1 once the money is on the loan (or there is none)
    Column("applied_path", String(8), nullable=True),  # batch | replay | none
    Column("event_id", String(ID), nullable=True),
    Index("ix_debit_attempts_business_date_round", "business_date", "round"),
    Index("ix_debit_attempts_outcome_applied", "outcome", "applied"),
)

loan_facts = Table(
    "loan_facts",
    metadata,
    Column("loan_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("shard", SmallInteger, nullable=False),  # ledger.shard_of(borrower_id), computed once
    Column("line_id", String(ID), nullable=False),
    Column("product_key", String(80), nullable=False),  # product_id@version
    Column("currency", String(3), nullable=False),
    Column("origination_date", Date, nullable=False),
    Column("disbursed_minor", BigInteger, nullable=False),
    Column("maturity_date", Date, nullable=False),
    Column("eir_annual", Float, nullable=False),
    Column("pd_origination", Float, nullable=False),
    Column("status", String(16), nullable=False),  # the snapshot status EOD last gave it
    Column("tier", SmallInteger, nullable=False),
    Column("stage", SmallInteger, nullable=False),
    Column("tier_since", Date, nullable=False),
    Column("defaulted_on", Date, nullable=True),
    Column("cash_in_at_default_minor", BigInteger, nullable=True),
    Column("closed_on", Date, nullable=True),
)

loan_class_changes = Table(
    "loan_class_changes",
    metadata,
    Column("change_id", BigId, primary_key=True, autoincrement=True),
    Column("loan_id", String(ID), nullable=False, index=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("on_date", Date, nullable=False, index=True),
    Column("what", String(8), nullable=False),  # status | tier | stage
    Column("old_value", String(16), nullable=True),
    Column("new_value", String(16), nullable=False),
)

loan_snapshots = Table(
    "loan_snapshots",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("loan_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("product_id", String(80), nullable=False),
    Column("origination_date", Date, nullable=False),
    Column("vintage_month", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("disbursed_minor", BigInteger, nullable=False),
    Column("principal_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
    Column("penalty_minor", BigInteger, nullable=False),
    Column("limit_minor", BigInteger, nullable=False),
    Column("undrawn_minor", BigInteger, nullable=False),
    Column("scheduled_30d_minor", BigInteger, nullable=False),
    Column("recovered_minor", BigInteger, nullable=False),
    Column("days_past_due", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("stage", SmallInteger, nullable=False),
    Column("tier", SmallInteger, nullable=False),  # beyond the portfolio schema: the regulatory tier
    Column("pd_12m", Float, nullable=False),
    Column("pd_12m_origination", Float, nullable=False),
    Column("remaining_term_months", Integer, nullable=False),
    Column("lgd", Float, nullable=True),
    Column("eir_annual", Float, nullable=False),
)

snapshot_dates = Table(
    "snapshot_dates",
    metadata,
    Column("as_of", Date, primary_key=True),
    Column("rows", BigInteger, nullable=False),
    Column("month_end", SmallInteger, nullable=False),  # kept for good; other days are pruned
)

provision_runs = Table(
    "provision_runs",
    metadata,
    Column("run_date", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("allowance_minor", BigInteger, nullable=False),
    Column("previous_minor", BigInteger, nullable=False),
    Column("stage1_minor", BigInteger, nullable=False),
    Column("stage2_minor", BigInteger, nullable=False),
    Column("stage3_minor", BigInteger, nullable=False),
    Column("exposures", BigInteger, nullable=False),
    Column("policy", String(40), nullable=False),
    Column("entry_id", String(ID), nullable=True),
)

sim_bank_accounts = Table(
    "sim_bank_accounts",
    metadata,
    Column("account_id", String(ID), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
)

sim_bank_debits = Table(
    "sim_bank_debits",
    metadata,
    Column("debit_key", String(KEY), primary_key=True),
    Column("account_id", String(ID), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("requested_minor", BigInteger, nullable=False),
    Column("debited_minor", BigInteger, nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("executed", SmallInteger, nullable=False),
    Column("calls", Integer, nullable=False),
    Column("reference", String(ID), nullable=False),
)

sim_population = Table(
    "sim_population",
    metadata,
    Column("serial", BigInteger, primary_key=True),
    Column("borrower_id", String(ID), nullable=True, index=True),
    Column("line_id", String(ID), nullable=True),
    Column("applied_on", Date, nullable=False),
    Column("persona", String(16), nullable=False),
    Column("latent_pd", Float, nullable=False),
    Column("age_years", Integer, nullable=False),
    Column("income_monthly_minor", BigInteger, nullable=False),
    Column("employment", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("model_pd", Float, nullable=True),
)


# -- the simulated bank's books ---------------------------------------------------------------------

IN_CHUNK = 5_000  # keys per IN (...) list: far under SQLite's variable limit, few round trips


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class SqlBankBook:
    """`servicing.bank_simulator.BankBook` in `sim_bank_*`, on the bank's own connections: what the
    bank did stays done whether or not the caller's transaction commits (it is another system)."""

    def __init__(self, engine: Engine, *, latency_s: float = 0.0) -> None:
        self.engine = engine
        self.latency_s = latency_s  # a simulated round trip to the bank, per call

    @contextmanager
    def session(self) -> Iterator[SqlBankSession]:
        if self.latency_s:
            time.sleep(self.latency_s)
        with self.engine.begin() as connection:
            yield SqlBankSession(connection)

    def deposit(self, amounts: Sequence[tuple[str, str, int]]) -> None:
        """Add (account, currency, minor) to funded accounts, opening them on first use."""
        if not amounts:
            return
        with self.engine.begin() as connection:
            add_to_counters(
                connection, sim_bank_accounts, ("account_id",), ("balance_minor",),
                [{"account_id": a, "currency": c, "balance_minor": m} for a, c, m in sorted(amounts)],
            )  # fmt: skip

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        with self.engine.connect() as connection:
            return SqlBankSession(connection).balances(account_ids)


class SqlBankSession:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._known: set[str] = set()

    def debits(self, keys: Sequence[str]) -> dict[str, Any]:
        from creditline.servicing.bank_simulator import BankDebit

        d = sim_bank_debits.c
        found = {}
        for part in chunks(list(keys)):
            for row in self.connection.execute(select(sim_bank_debits).where(d.debit_key.in_(part))).mappings():
                found[row["debit_key"]] = BankDebit(
                    row["debit_key"], row["account_id"], row["business_date"], row["currency"], row["requested_minor"],
                    row["debited_minor"], row["outcome"], row["calls"], row["reference"],
                )  # fmt: skip
        self._known.update(found)
        return found

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        a = sim_bank_accounts.c
        found: dict[str, int] = {}
        for part in chunks(list(account_ids)):
            found.update(self.connection.execute(select(a.account_id, a.balance_minor).where(a.account_id.in_(part))).all())
        return found

    def debited_on(self, account_ids: Sequence[str], day: date) -> dict[str, int]:
        d = sim_bank_debits.c
        found: dict[str, int] = {}
        for part in chunks(list(account_ids)):
            query = (
                select(d.account_id, func.sum(d.debited_minor))
                .where(d.business_date == day, d.account_id.in_(part), d.executed == 1)
                .group_by(d.account_id)
            )
            found.update({account: int(total) for account, total in self.connection.execute(query)})
        return found

    def save(self, debits: Sequence[Any], balances: Mapping[str, int]) -> None:
        rows = [
            {"debit_key": x.key, "account_id": x.account_id, "business_date": x.business_date, "currency": x.currency,
             "requested_minor": x.requested_minor, "debited_minor": x.debited_minor, "outcome": x.outcome,
             "executed": int(x.executed), "calls": x.calls, "reference": x.reference}
            for x in debits
        ]  # fmt: skip
        new = [r for r in rows if r["debit_key"] not in self._known]
        again = [r for r in rows if r["debit_key"] in self._known]
        if new:
            self.connection.execute(insert(sim_bank_debits), new)
        d = sim_bank_debits.c
        for row in again:
            self.connection.execute(update(sim_bank_debits).where(d.debit_key == row["debit_key"]).values(row))
        if balances:
            a = sim_bank_accounts.c
            self.connection.execute(
                update(sim_bank_accounts).where(a.account_id == bindparam("k_account")).values(balance_minor=bindparam("v")),
                [{"k_account": k, "v": v} for k, v in sorted(balances.items())],
            )


# -- pipeline stage runs ----------------------------------------------------------------------------


class StageRunRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def done(self, run_date: date) -> dict[str, dict[str, Any]]:
        s = eod_stage_runs.c
        query = select(s.stage, s.result_json).where(s.run_date == run_date)
        return {stage: json.loads(text) for stage, text in self.connection.execute(query)}

    def mark(self, run_date: date, stage: str, summary: dict[str, Any]) -> None:
        self.connection.execute(
            insert(eod_stage_runs).values(run_date=run_date, stage=stage, result_json=json.dumps(summary, sort_keys=True))
        )


# -- the auto-debit outbox ----------------------------------------------------------------------------

OPEN_OUTCOMES = ("pending", "unknown")
MOVED_OUTCOMES = ("succeeded", "partial")


class DebitAttemptRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def planned(self, business_date: date, round_no: int) -> bool:
        a = debit_attempts.c
        query = select(a.attempt_key).where(a.business_date == business_date, a.round == round_no).limit(1)
        return self.connection.execute(query).first() is not None

    def add(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(debit_attempts), list(rows))

    def with_outcome(self, outcomes: Sequence[str], *, business_date: date | None = None, round_no: int | None = None,
                     limit: int | None = None, after_key: str = "") -> list[dict[str, Any]]:
        """Attempts in these outcomes (optionally of one day and round), in key order from `after_key`."""
        a = debit_attempts.c
        query = select(debit_attempts).where(a.outcome.in_(outcomes), a.attempt_key > after_key)
        if business_date is not None:
            query = query.where(a.business_date == business_date)
        if round_no is not None:
            query = query.where(a.round == round_no)
        query = query.order_by(a.attempt_key)
        if limit is not None:
            query = query.limit(limit)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def unapplied(self, limit: int, after_key: str = "") -> list[dict[str, Any]]:
        """Attempts whose money moved but is not yet on the loan, in key order."""
        a = debit_attempts.c
        query = (
            select(debit_attempts)
            .where(a.outcome.in_(MOVED_OUTCOMES), a.applied == 0, a.attempt_key > after_key)
            .order_by(a.attempt_key)
            .limit(limit)
        )
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def record_outcomes(self, outcomes: Sequence[dict[str, Any]], *, only_from: Sequence[str]) -> int:
        """Set outcome, debited amount and reference; a row already past `only_from` is left alone."""
        assert all(o in ("pending", "unknown") for o in only_from), "only open outcomes are ever overwritten"
        if not outcomes:
            return 0
        a = debit_attempts.c
        statement = (
            update(debit_attempts)
            # Constants inlined: an expanding IN cannot take part in executemany.
            .where(a.attempt_key == bindparam("k_key"), or_(*(a.outcome == literal_column(f"'{o}'") for o in only_from)))
            .values(outcome=bindparam("v_outcome"), debited_minor=bindparam("v_debited"),
                    gateway_ref=bindparam("v_ref"), applied=bindparam("v_applied"), applied_path=bindparam("v_path"))
        )  # fmt: skip
        return self.connection.execute(statement, list(outcomes)).rowcount

    def mark_applied(self, marks: Sequence[dict[str, Any]]) -> None:
        """(k_key, v_path, v_event) for attempts whose money is now on the loan."""
        if not marks:
            return
        a = debit_attempts.c
        statement = (
            update(debit_attempts)
            .where(a.attempt_key == bindparam("k_key"), a.applied == 0)
            .values(applied=1, applied_path=bindparam("v_path"), event_id=bindparam("v_event"))
        )
        result = self.connection.execute(statement, list(marks))
        assert result.rowcount == len(marks), "each attempt is applied once"

    def of_day(self, business_date: date) -> list[dict[str, Any]]:
        a = debit_attempts.c
        query = select(a.loan_id, a.round, a.outcome).where(a.business_date == business_date)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def day_summary(self, business_date: date) -> dict[str, Any]:
        a = debit_attempts.c
        query = (
            select(a.outcome, a.applied_path, a.currency, func.count(), func.sum(a.debited_minor))
            .where(a.business_date == business_date)
            .group_by(a.outcome, a.applied_path, a.currency)
        )
        outcomes: dict[str, int] = {}
        paths: dict[str, int] = {}
        collected: dict[str, int] = {}
        for outcome, path, code, count, debited in self.connection.execute(query):
            outcomes[outcome] = outcomes.get(outcome, 0) + int(count)
            if path:
                paths[path] = paths.get(path, 0) + int(count)
            collected[code] = collected.get(code, 0) + int(debited or 0)
        return {"attempts": sum(outcomes.values()), "outcomes": outcomes, "applied_paths": paths,
                "collected_minor": collected}


# -- loans as auto-debit reads and settles them --------------------------------------------------------

SETTLE_COLUMNS = (
    "loan_id", "borrower_id", "line_id", "currency", "status", "as_of", "version", "principal_outstanding_minor",
    "interest_receivable_minor", "penalty_receivable_minor", "fee_receivable_minor", "credit_balance_minor",
    "totals_json", "row_count", "rows_blob",
)  # fmt: skip


def due_loans(connection: Connection, business_date: date, statuses: Sequence[str]) -> list[Any]:
    """Loans with an installment due and unpaid on `business_date` (their snapshot is as of it)."""
    from creditline.store.tables import loans

    c = loans.c
    query = (
        select(c.loan_id, c.borrower_id, c.currency, c.status, c.days_past_due, c.penalty_receivable_minor,
               c.row_count, c.rows_blob)
        .where(c.status.in_(list(statuses)), c.oldest_unpaid_due > 0, c.as_of == business_date)
        .order_by(c.loan_id)
    )  # fmt: skip
    return list(connection.execute(query).all())


def loans_for_settlement(connection: Connection, loan_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The loans' snapshot columns, locked (PostgreSQL) in loan-id order as every command locks them."""
    from creditline.store.tables import loans

    c = loans.c
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(loan_ids))):
        query = select(*(c[name] for name in SETTLE_COLUMNS)).where(c.loan_id.in_(part)).order_by(c.loan_id)
        found.update({row["loan_id"]: dict(row) for row in connection.execute(query.with_for_update()).mappings()})
    return found


def max_sequences(connection: Connection, loan_ids: Sequence[str]) -> dict[str, int]:
    from creditline.store.tables import loan_events

    e = loan_events.c
    found: dict[str, int] = {}
    for part in chunks(sorted(set(loan_ids))):
        query = select(e.loan_id, func.max(e.sequence)).where(e.loan_id.in_(part)).group_by(e.loan_id)
        found.update({loan_id: int(top) for loan_id, top in connection.execute(query)})
    return found


def _executemany(connection: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
    """One prepared statement over many rows on the driver cursor (no per-row SQLAlchemy work)."""
    if not rows:
        return 0
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql.replace("?", marker), rows)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _day(connection: Connection, value: date) -> Any:
    return value if connection.dialect.name == "postgresql" else value.isoformat()


@dataclass
class Settlements:
    """What a page of set-based settlements writes (plain tuples, in the statements' column order)."""

    loans: list[tuple] = field(default_factory=list)  # status, principal, interest, penalty, blob, totals, id, version
    events: list[tuple] = field(default_factory=list)  # LOAN_EVENT_COLUMNS
    entries: list[tuple] = field(default_factory=list)  # JOURNAL_COLUMNS
    postings: list[tuple] = field(default_factory=list)  # entry, account, shard, loan, currency, signed amount
    lines: dict[str, int] = field(default_factory=dict)  # line id -> principal repaid
    marks: list[dict[str, Any]] = field(default_factory=list)  # for DebitAttemptRepository.mark_applied


LOAN_EVENT_COLUMNS = ("event_id", "loan_id", "borrower_id", "sequence", "kind", "effective_date", "amount_minor",
                      "currency", "reverses", "data_json", "recorded_on")  # fmt: skip
JOURNAL_COLUMNS = ("entry_id", "idempotency_key", "business_date", "reference", "borrower_id", "memo")


def write_settlements(connection: Connection, writes: Settlements) -> None:
    """Loans' new snapshots, their repayment events, journal entries and lines, in the caller's transaction."""
    if not writes.loans:
        return
    updated = _executemany(connection, (
        "UPDATE loans SET status = ?, principal_outstanding_minor = ?, interest_receivable_minor = ?, "
        "penalty_receivable_minor = ?, days_past_due = 0, oldest_unpaid_due = 0, rows_blob = ?, totals_json = ?, "
        "version = version + 1 WHERE loan_id = ? AND version = ?"
    ), writes.loans)  # fmt: skip
    assert updated in (-1, len(writes.loans)), "every settled loan was locked and updated once"
    events_at = tuple(LOAN_EVENT_COLUMNS.index(n) for n in ("effective_date", "recorded_on"))
    _executemany(connection, f"INSERT INTO loan_events ({', '.join(LOAN_EVENT_COLUMNS)}) VALUES "
                             f"({', '.join('?' for _ in LOAN_EVENT_COLUMNS)})", _dated(connection, writes.events, events_at))
    _executemany(connection, f"INSERT INTO journal_entries ({', '.join(JOURNAL_COLUMNS)}) VALUES "
                             f"({', '.join('?' for _ in JOURNAL_COLUMNS)})",
                 _dated(connection, writes.entries, (JOURNAL_COLUMNS.index("business_date"),)))
    _executemany(connection, "INSERT INTO postings (entry_id, account, shard, loan_id, currency, amount_minor) "
                             "VALUES (?, ?, ?, ?, ?, ?)", writes.postings)  # fmt: skip
    _add_balances(connection, writes.postings)
    _executemany(connection, "UPDATE credit_lines SET outstanding_principal_minor = outstanding_principal_minor - ?, "
                             "version = version + 1 WHERE line_id = ?",
                 [(minor, line_id) for line_id, minor in sorted(writes.lines.items())])  # fmt: skip


def _dated(connection: Connection, rows: list[tuple], at: tuple[int, ...]) -> list[tuple]:
    """Dates as the driver takes them (ISO text on SQLite)."""
    if connection.dialect.name == "postgresql":
        return rows
    return [tuple(v.isoformat() if i in at else v for i, v in enumerate(row)) for row in rows]


def _add_balances(connection: Connection, postings: Sequence[tuple]) -> None:
    from creditline.store.tables import account_balances

    sums: dict[tuple[str, int, str], list[int]] = {}
    for _, account, shard, _, code, minor in postings:
        pair = sums.setdefault((account, shard, code), [0, 0])
        pair[0 if minor > 0 else 1] += abs(minor)
    rows = [{"account": a, "shard": s, "currency": c, "debit_minor": d, "credit_minor": cr}
            for (a, s, c), (d, cr) in sorted(sums.items())]  # fmt: skip
    add_to_counters(connection, account_balances, ("account", "shard", "currency"), ("debit_minor", "credit_minor"), rows)


def repay_keys_used(connection: Connection, keys: Sequence[str]) -> set[str]:
    """Which of these client keys the `repay` command has already recorded."""
    from creditline.store.tables import idempotency_keys

    k = idempotency_keys.c
    found: set[str] = set()
    for part in chunks(list(keys)):
        query = select(k.client_key).where(k.scope == "repay", k.client_key.in_(part))
        found.update(connection.execute(query).scalars())
    return found


# -- loan facts, classification and snapshots ------------------------------------------------------------


def _driver_rows(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Rows straight from the driver: a million rows without SQLAlchemy's per-value processing.
    Dates come back as `date` on PostgreSQL and as ISO text on SQLite."""
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.replace("?", marker), tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def loans_without_facts(connection: Connection) -> list[tuple]:
    """(loan_id, borrower_id, line_id, product_id, product_version, currency, disbursed_on, terms_json,
    row_count, rows_blob) of loans EOD has not seen yet."""
    return _driver_rows(connection, (
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
    return _driver_rows(connection, SNAPSHOT_INPUT_SQL, (day,))


def idle_lines(connection: Connection, busy: set[str]) -> list[tuple]:
    """(line_id, borrower_id, product_id, product_version, currency, opened_on, limit_minor,
    outstanding_principal_minor, pending_drawdowns_minor, rate_daily) of active lines not in `busy`
    (the lines with a loan on book, which the caller knows already)."""
    ids = [line for (line,) in _driver_rows(connection, "SELECT line_id FROM credit_lines WHERE status = 'active'")
           if line not in busy]  # fmt: skip
    found: list[tuple] = []
    for part in chunks(ids):
        found.extend(_driver_rows(connection, (
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
        rows = _driver_rows(connection, f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM loan_snapshots WHERE as_of = ?",
                            (value,))
        frames.append(pl.DataFrame(rows, schema=list(SNAPSHOT_COLUMNS), orient="row", infer_schema_length=None))
    if not frames:
        return pl.DataFrame(schema=list(SNAPSHOT_COLUMNS))
    return pl.concat(frames, how="vertical_relaxed")
