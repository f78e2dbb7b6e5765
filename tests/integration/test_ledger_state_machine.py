"""Random sequences of draws, repayments (some backdated), reversals and EOD runs through the app
against a real database keep every invariant: each journal entry balanced, the trial balance
balanced, no negative balance, available never above the limit, each loan equal to the replay of
its events, and reconciliation clean."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule
from lending_fixtures import setup_books
from sqlalchemy import create_engine, text

from creditline.app import Draw, Repay, Reverse, draw, repay, reverse, run_eod, show_line
from creditline.app.books import reconcile_books, snapshot_differences
from creditline.errors import DomainError
from creditline.store import UnitOfWork, make_engine
from creditline.store.loan_repository import BALANCE_COLUMNS
from creditline.store.tables import credit_lines, loans
from deep_runs import deep_factor, deeper_machine

LIMITS = {"LA": "8000", "LB": "20000"}


class BooksMachine(RuleBasedStateMachine):
    database = "sqlite"
    postgres_base = ""

    def __init__(self) -> None:
        super().__init__()
        if self.database == "sqlite":
            self.folder = tempfile.mkdtemp(prefix="books-")
            url = f"sqlite:///{Path(self.folder) / 'books.sqlite'}"
        else:
            self.schema = f"sm_{uuid.uuid4().hex[:12]}"
            with create_engine(self.postgres_base, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            url = f"{self.postgres_base}?options=-csearch_path%3D{self.schema}"
        self.engine = make_engine(url)
        setup_books(self.engine)
        from lending_fixtures import open_line

        for line_id, limit in LIMITS.items():
            open_line(self.engine, f"B-{line_id}", limit=limit, line_id=line_id)
        self.count = 0

    def teardown(self) -> None:
        self.engine.dispose()
        if self.database == "sqlite":
            shutil.rmtree(self.folder, ignore_errors=True)
        else:
            with create_engine(self.postgres_base, isolation_level="AUTOCOMMIT").connect() as c:
                c.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))

    def key(self) -> str:
        self.count += 1
        return f"k{self.count}"

    loans = Bundle("loans")
    repayments = Bundle("repayments")

    @initialize(target=loans)
    def first_loan(self):  # type: ignore[no-untyped-def]
        return draw(self.engine, Draw("LB", "3000", 6, self.key()))["loan_id"]

    @rule(target=loans, line=st.sampled_from(sorted(LIMITS)), hundreds=st.integers(5, 60), term=st.sampled_from([3, 6, 12]))
    def draw_loan(self, line: str, hundreds: int, term: int):  # type: ignore[no-untyped-def]
        try:
            loan_id = draw(self.engine, Draw(line, f"{hundreds}00", term, self.key()))["loan_id"]
        except DomainError as exc:
            event(f"draw refused: {exc.code}")
            return multiple()
        event("draw")
        return loan_id

    @rule(
        target=repayments,
        loan=loans,
        amount_minor=st.one_of(st.integers(1, 60_000), st.integers(60_000, 800_000)),
        back_days=st.one_of(st.just(0), st.integers(1, 20)),
    )
    def repay_loan(self, loan: str, amount_minor: int, back_days: int):  # type: ignore[no-untyped-def]
        on = self.today() - timedelta(days=back_days)
        try:
            paid = repay(self.engine, Repay(loan, f"{amount_minor / 100:.2f}", self.key(), on))
        except DomainError as exc:
            event(f"repay refused: {exc.code}")
            return multiple()
        event("repay" if back_days == 0 else "repay backdated")
        return (loan, paid["event_id"])

    @rule(repayment=repayments)
    def reverse_repayment(self, repayment: tuple[str, str]) -> None:
        loan, event_id = repayment
        try:
            reverse(self.engine, Reverse(loan, event_id, self.key()))
            event("reversal")
        except DomainError as exc:
            event(f"reversal refused: {exc.code}")

    @rule(days=st.one_of(st.integers(1, 3), st.integers(4, 60)))
    def end_of_day(self, days: int) -> None:
        run_eod(self.engine, self.today() + timedelta(days=days), catch_up=True)

    def today(self):  # type: ignore[no-untyped-def]
        with UnitOfWork(self.engine, read_only=True) as uow:
            return uow.system.business_date()

    @invariant()
    def books_reconcile(self) -> None:
        report = reconcile_books(self.engine)
        assert report.unbalanced_entries == []
        assert report.trial_balance_balanced and report.balances_match_postings
        assert report.mismatches == [] and report.control_differences == []

    @invariant()
    def loans_equal_the_replay_of_their_events(self) -> None:
        assert snapshot_differences(self.engine) == []

    @invariant()
    def no_negative_balance_and_limits_hold(self) -> None:
        with self.engine.connect() as c:
            for row in c.execute(loans.select()).mappings():
                assert all(row[name] >= 0 for name in BALANCE_COLUMNS), dict(row)
            outstanding: dict[str, int] = {}
            for row in c.execute(loans.select()).mappings():
                outstanding[row["line_id"]] = outstanding.get(row["line_id"], 0) + row["principal_outstanding_minor"]
            for row in c.execute(credit_lines.select()).mappings():
                assert row["outstanding_principal_minor"] == outstanding.get(row["line_id"], 0)
        for line_id, limit in LIMITS.items():
            line = show_line(self.engine, line_id)
            assert line["available"] == f"{max(int(limit) * 100 - outstanding.get(line_id, 0), 0) / 100:.2f}"

class PostgresBooksMachine(BooksMachine):
    database = "postgres"


TestBooksOnSQLite = BooksMachine.TestCase
TestBooksOnSQLite.settings = settings(max_examples=15, stateful_step_count=15, deadline=None)


@pytest.mark.postgres
@pytest.mark.deep
def test_books_on_postgres(postgres_url: str) -> None:
    from hypothesis.stateful import run_state_machine_as_test

    PostgresBooksMachine.postgres_base = postgres_url
    budget = settings(max_examples=6, stateful_step_count=15, deadline=None)
    factor = deep_factor()
    run_state_machine_as_test(PostgresBooksMachine, settings=budget if factor == 1 else deeper_machine(budget, factor))
