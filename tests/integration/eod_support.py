"""Builders and checks for the end-of-day pipeline tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

START = date(2025, 1, 1)
TERMS = (3, 6, 12)
METHODS = ("equal-installment", "equal-principal")


def books_with_loans(engine: Any, count: int, *, start: date = START, charge_off_days: int | None = None) -> list[str]:
    """A migrated database with `count` borrowers, each with a line and one loan drawn on `start`
    (under a copy of the product that charges off after `charge_off_days`, when given)."""
    from creditline.app import Draw, OpenLine, draw, initialise, open_line

    initialise(engine, start)
    product = "revolving-consumer" if charge_off_days is None else short_product(engine, charge_off_days)
    loans = []
    for i in range(count):
        line = open_line(engine, OpenLine(f"B{i:03d}", product, "50000", "0.05", line_id=f"L{i:03d}"))["line_id"]
        drawn = draw(engine, Draw(line, str(1000 + 250 * i), TERMS[i % 3], f"d{i}", METHODS[i % 2]))
        loans.append(drawn["loan_id"])
    return loans


def hostile_bank(engine: Any, seed: int = 3, **rates: str) -> Any:
    """The simulated bank with many shortfalls and timeouts, so every path of auto-debit is taken."""
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    settings = {"short_rate": "0.25", "partial_share": "0.5", "timeout_rate": "0.08", "declined_rate": "0.02"} | rates
    behaviour = BankBehaviour(seed=seed, **{k: Decimal(v) for k, v in settings.items()})
    return SimulatedBank(SqlBankBook(engine), behaviour)


def run_days(engine: Any, first: date, days: int, gateway: Any = None) -> list[dict[str, Any]]:
    """EOD day by day with this package's stages (the post-loan stages have tests of their own)."""
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.app.eod_stages import CORE_STAGES

    results = []
    for n in range(days):
        results.extend(run_pipeline(engine, first + timedelta(days=n + 1), gateway=gateway, only=CORE_STAGES))
    return results


def fast_forward(engine: Any, first: date, days: int) -> date:
    """Accrual only (no debits, classification or snapshots) for `days` days: a quick way to a due date."""
    from creditline.app.eod_pipeline import run_pipeline

    run_pipeline(engine, first + timedelta(days=days), catch_up=True, only=frozenset({"accrue"}))
    return first + timedelta(days=days)


def short_product(engine: Any, charge_off_days: int) -> str:
    """A copy of the shipped product that charges off sooner (a new product id, stored like any other)."""
    from lending_fixtures import product_copy

    product = product_copy(engine, "short-fuse", {"charge_off_days = 180": f"charge_off_days = {charge_off_days}"})
    assert product.charge_off_days == charge_off_days
    return product.product_id


def scalar(engine: Any, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def rows(engine: Any, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql), params)]


def assert_debits_match_repayments(engine: Any) -> None:
    """Per borrower: what the bank executed = what the outbox says moved = the repayments booked, once each."""
    executed = dict(rows(engine, "SELECT account_id, SUM(debited_minor) FROM sim_bank_debits WHERE executed = 1 "
                                 "GROUP BY account_id"))  # fmt: skip
    moved = dict(rows(engine, "SELECT borrower_id, SUM(debited_minor) FROM debit_attempts "
                              "WHERE outcome IN ('succeeded', 'partial') GROUP BY borrower_id"))  # fmt: skip
    booked = dict(rows(engine, "SELECT e.borrower_id, SUM(e.amount_minor) FROM loan_events e JOIN debit_attempts a "
                               "ON a.event_id = e.event_id GROUP BY e.borrower_id"))  # fmt: skip
    assert {k: v for k, v in executed.items() if v} == moved == booked
    open_or_unapplied = scalar(engine, "SELECT COUNT(*) FROM debit_attempts WHERE outcome IN ('pending', 'unknown') "
                                       "OR applied = 0")  # fmt: skip
    assert open_or_unapplied == 0
    events = scalar(engine, "SELECT COUNT(*) FROM debit_attempts WHERE event_id IS NOT NULL")
    distinct = scalar(engine, "SELECT COUNT(DISTINCT event_id) FROM debit_attempts WHERE event_id IS NOT NULL")
    assert events == distinct


def assert_allowance_booked(engine: Any) -> None:
    """The GL's loss allowance equals the last provision run's allowance."""
    from creditline.store.tables import account_balances

    with engine.connect() as connection:
        b = account_balances.c
        gl = connection.execute(
            select(func.sum(b.credit_minor - b.debit_minor)).where(b.account == "loss_allowance")
        ).scalar()
    last = scalar(engine, "SELECT allowance_minor FROM provision_runs ORDER BY run_date DESC LIMIT 1")
    assert int(gl or 0) == last


def read_with_memory(engine: Any, kept: bool, read: Any) -> Any:
    """`read()` on an engine that keeps values between days (`store.batch_memory`, as the simulator's does)
    when `kept`, else with that memory set aside, as a process that keeps nothing reads."""
    from creditline.store import batch_memory

    memory = batch_memory._KEPT.pop(engine)
    if kept:
        batch_memory._KEPT[engine] = memory
    try:
        return read()
    finally:
        batch_memory._KEPT[engine] = memory
