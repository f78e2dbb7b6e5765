"""End-of-day servicing tables (migration 0007_eod_servicing), shared helpers and the stage-run record.

Repositories: `tables_servicing_bank` (the simulated bank's books), `tables_servicing_debits` (the
auto-debit outbox and set-based settlements), `tables_servicing_snapshots` (facts, classification,
snapshots, provisions).

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
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
    select,
)

from creditline.store.tables import ID, KEY, metadata
from creditline.store.types import BigId

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
    # The repayment source asked (tables_repayment_sources; null: the account on file) and its place in
    # the round's priority order, 1 first (migration 0014).
    Column("source_id", String(ID), nullable=True),
    Column("source_rank", SmallInteger, nullable=False, server_default="1"),
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
    # A debit the bank returned after executing it (R01: insufficient funds), and the day it did (migration 0031).
    Column("returned_on", Date, nullable=True),
    Column("return_reason", String(8), nullable=True),
    Index("ix_sim_bank_debits_business_date", "business_date"),  # the day's statement (migration 0016)
    Index("ix_sim_bank_debits_returned_on", "returned_on"),  # the day's returns (migration 0031)
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



# -- shared helpers ---------------------------------------------------------------------------------

IN_CHUNK = 5_000  # keys per IN (...) list: far under SQLite's variable limit, few round trips


def chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def driver_rows(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Rows straight from the driver: a million rows without SQLAlchemy's per-value processing.
    Dates come back as `date` on PostgreSQL and as ISO text on SQLite."""
    marker = "%s" if connection.dialect.name == "postgresql" else "?"
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql.replace("?", marker), tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def executemany(connection: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> int:
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


# Found here by other modules since before the repositories had files of their own (resolved on
# first use: the repository modules import this one).
_MOVED = {"SqlBankBook": "tables_servicing_bank", "read_snapshots": "tables_servicing_snapshots",
          "snapshot_dates_up_to": "tables_servicing_snapshots"}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"creditline.store.{_MOVED[name]}"), name)
