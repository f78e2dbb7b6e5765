"""The post-loan stages inside the end-of-day pipeline (`app.eod_stages`), on SQLite and PostgreSQL:
registered after the close, fed by the auto-debit outcomes, and safe to run again after a crash."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from integration_helpers import dump
from lending_fixtures import eod_to, open_line, setup_books

from creditline.app import Draw, draw, show_line
from creditline.app.eod_pipeline import run_pipeline
from creditline.app.eod_stages import Phase, stages
from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository
from creditline.store.tables_servicing import SqlBankBook, eod_stage_runs

POST_LOAN = ["early-warning", "limit-review", "collections"]


def test_the_post_loan_stages_run_after_the_close_in_order() -> None:
    assert [s.name for s in stages(Phase.AFTER)][-3:] == POST_LOAN


@pytest.fixture
def bank(engine):  # type: ignore[no-untyped-def]
    setup_books(engine)
    lines = {name: open_line(engine, name) for name in ("STEADY", "BROKE")}
    for name, line in lines.items():
        draw(engine, Draw(line, "1200", 3, f"d-{name}"))
    eod_to(engine, date(2025, 1, 27))
    book = SqlBankBook(engine)
    book.deposit([("BROKE", "CNY", 0)])  # a funded account with nothing in it: every debit comes back short
    quiet = BankBehaviour(seed=7, timeout_rate=Decimal(0), short_rate=Decimal(0), declined_rate=Decimal(0))
    return {"gateway": SimulatedBank(book, quiet), "lines": lines}


def test_auto_debit_outcomes_feed_alerts_the_review_and_collections_and_a_restart_does_nothing_twice(engine, bank) -> None:  # type: ignore[no-untyped-def]
    day = date(2025, 1, 27)
    while day < date(2025, 2, 8):
        day += timedelta(days=1)
        run_pipeline(engine, day, gateway=bank["gateway"])
    with UnitOfWork(engine, read_only=True) as uow:
        runs = uow.connection.execute(eod_stage_runs.select().where(eod_stage_runs.c.stage.in_(POST_LOAN))).all()
        contacts = CollectionsRepository(uow.connection).contacts(limit=500)
    assert len(runs) == 3 * 12
    sent = sorted((c["borrower_id"], c["business_date"].isoformat(), c["template_id"]) for c in contacts)
    assert ("STEADY", "2025-01-29", "due_soon") in sent and ("STEADY", "2025-02-01", "due_today") in sent
    assert not any(b == "STEADY" and t.startswith("overdue") for b, _, t in sent)  # the bank paid on the day
    assert ("BROKE", "2025-02-02", "overdue_first") in sent
    changes = [(c["what"], c["new_value"], c["reason"]) for c in show_line(engine, bank["lines"]["BROKE"])["changes"]]
    assert changes[-1][:2] == ("status", "frozen") and "first payment default" in changes[-1][2]
    assert any(what == "limit" and "failed debits" in reason for what, _, reason in changes)
    # Killed after the close, before the post-loan stages: run again, they finish, nothing twice.
    done = dump(engine)
    with engine.begin() as connection:
        connection.execute(eod_stage_runs.delete().where(eod_stage_runs.c.run_date == day, eod_stage_runs.c.stage.in_(POST_LOAN)))
    again = run_pipeline(engine, day, gateway=bank["gateway"])
    assert again[-1]["replayed"] is True
    assert {k: v for k, v in dump(engine).items() if k != "eod_stage_runs"} == {
        k: v for k, v in done.items() if k != "eod_stage_runs"
    }
