"""Classify's batch writes (`app.eod_bulk`: one prepared statement, COPY for the change log on
PostgreSQL) leave the rows SQLAlchemy reads back as the ORM wrote them: each change of status, tier and
stage logged once, on its day, and the loan's facts remembering the last classification with dates as
dates — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from eod_support import START, books_with_loans, fast_forward, hostile_bank, rows, run_days, scalar
from sqlalchemy import select

from creditline.store.tables_servicing import loan_class_changes, loan_facts

FIRST_DUE = date(2025, 2, 1)  # of every loan drawn on START


@pytest.fixture
def sqlite_engine(tmp_path):  # type: ignore[no-untyped-def]
    """A SQLite database at head: the simulator's engine, the only one that keeps the book between days
    (PostgreSQL keeps nothing, so these tests have nothing to compare there)."""
    from creditline.store import make_engine, upgrade

    created = make_engine(f"sqlite:///{tmp_path / 'creditline.sqlite'}")
    upgrade(created)
    yield created
    created.dispose()


def test_each_change_is_logged_once_and_the_facts_remember_the_last_class(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.tables_servicing_bank import SqlBankBook

    books_with_loans(engine, 2, charge_off_days=20)
    SqlBankBook(engine).deposit([("B000", "CNY", 0)])  # a funded account that stays empty: B000 never pays
    today = fast_forward(engine, START, 30)
    run_days(engine, today, 23, gateway=hostile_bank(engine, short_rate="0", timeout_rate="0"))
    loan = scalar(engine, "SELECT loan_id FROM loans WHERE borrower_id = 'B000'")
    late, charged = FIRST_DUE + timedelta(days=1), FIRST_DUE + timedelta(days=20)
    c, f = loan_class_changes.c, loan_facts.c
    with engine.connect() as connection:
        changes = connection.execute(
            select(c.on_date, c.what, c.old_value, c.new_value).where(c.loan_id == loan).order_by(c.change_id)
        ).all()
        facts = connection.execute(select(f.status, f.tier, f.stage, f.tier_since, f.defaulted_on,
                                          f.cash_in_at_default_minor, f.closed_on).where(f.loan_id == loan)).one()  # fmt: skip
    assert [tuple(row) for row in changes] == [
        (late, "status", "active", "overdue"),
        (late, "tier", "0", "1"),  # special mention from the first day late
        (charged, "status", "overdue", "charged_off"),
        (charged, "tier", "1", "4"),  # charged off: a loss loan (损失), on book until written off
        (charged, "stage", "1", "3"),  # and credit-impaired
    ]
    assert tuple(facts) == ("charged_off", 4, 3, charged, charged, 0, None)  # defaulted when charged off, nothing paid


def test_the_snapshot_inputs_come_in_loan_id_order_as_the_ordered_query_gives_them(engine) -> None:  # type: ignore[no-untyped-def]
    """SQLite reads the table in its own order and sorts by loan id in Python: the same rows, same order."""
    from creditline.store.tables_servicing import driver_rows
    from creditline.store.tables_servicing_snapshots import SNAPSHOT_INPUT_SQL, snapshot_inputs

    books_with_loans(engine, 12)
    run_days(engine, START, 2)  # classify records the loans' facts, which the inputs join
    month_start = START.replace(day=1)
    with engine.connect() as connection:
        day = month_start if connection.dialect.name == "postgresql" else month_start.isoformat()
        ordered = driver_rows(connection, SNAPSHOT_INPUT_SQL, (day,))
        found = snapshot_inputs(connection, month_start)
    assert len(found) == 12
    assert found == ordered


def test_a_book_that_keeps_idle_lines_between_days_reads_them_as_a_fresh_process_does(engine) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine keeps each idle line's row between days (`batch_memory`) and reads a line
    again when its version moved: a changed limit and a frozen line show the day after, as without it."""
    from sqlalchemy import text

    from creditline.store import UnitOfWork, batch_memory
    from creditline.store.tables_servicing_snapshots import idle_lines

    books_with_loans(engine, 4)
    batch_memory.keep_between_days(engine)

    def kept_and_fresh() -> tuple[list[tuple], list[tuple]]:
        with UnitOfWork(engine, read_only=True) as uow:
            kept = idle_lines(uow.connection, {"L000"})
            memory = batch_memory._KEPT.pop(engine)
            try:
                fresh = idle_lines(uow.connection, {"L000"})
            finally:
                batch_memory._KEPT[engine] = memory
        return kept, fresh

    first, fresh = kept_and_fresh()
    assert first == fresh
    assert [row[0] for row in first] == ["L001", "L002", "L003"]
    with UnitOfWork(engine) as uow:
        uow.connection.execute(text("UPDATE credit_lines SET limit_minor = limit_minor + 100, version = version + 1 "
                                    "WHERE line_id = 'L001'"))  # fmt: skip
        uow.connection.execute(text("UPDATE credit_lines SET status = 'frozen', version = version + 1 WHERE line_id = 'L002'"))
        uow.commit()
    later, fresh = kept_and_fresh()
    assert later == fresh
    assert [row[0] for row in later] == ["L001", "L003"]
    assert later[0][6] == first[0][6] + 100  # the limit, read again


def test_a_loan_written_off_before_charge_off_is_a_default_not_a_payoff(engine) -> None:  # type: ignore[no-untyped-def]
    """Written off while 10 days late (fraud, death, a settlement): the snapshot shows it charged off, so
    roll rates, the default rate and vintages count a loss; the facts remember the default and the
    closing, and next month's snapshot no longer carries it."""
    from creditline.app import WriteOff, write_off
    from creditline.store.tables_servicing import loan_snapshots
    from creditline.store.tables_servicing_bank import SqlBankBook

    books_with_loans(engine, 2)
    SqlBankBook(engine).deposit([("B000", "CNY", 0)])  # B000 never pays
    today = fast_forward(engine, START, 30)
    run_days(engine, today, 11, gateway=hostile_bank(engine, short_rate="0", timeout_rate="0"))
    today += timedelta(days=11)  # business date 2025-02-11: B000's loan is 10 days late
    loan = scalar(engine, "SELECT loan_id FROM loans WHERE borrower_id = 'B000'")
    write_off(engine, WriteOff(loan, "wo"))
    run_days(engine, today, 1, gateway=hostile_bank(engine, short_rate="0", timeout_rate="0"))
    classified = today + timedelta(days=1)  # the run closing the write-off's day dates what it saw
    s, f = loan_snapshots.c, loan_facts.c
    with engine.connect() as connection:
        shown = connection.execute(
            select(s.status, s.principal_minor).where(s.loan_id == loan, s.as_of == classified)
        ).one()
        facts = connection.execute(select(f.status, f.defaulted_on, f.closed_on).where(f.loan_id == loan)).one()
    assert tuple(shown) == ("charged_off", 0)
    assert tuple(facts) == ("charged_off", classified, classified)


def test_a_book_kept_between_days_gives_classify_the_inputs_a_fresh_read_gives(sqlite_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine hands classify the loans the accrual just wrote and keeps their facts between
    days (`store.classify_memory`): through loans falling late, charged off, written off, paid off and newly
    drawn, and a month's turn that drops the month's closed loans, each day's inputs are the columns
    `snapshot_inputs` reads, value for value and in the same order."""
    from creditline.store import classify_memory
    from creditline.store.tables_servicing_snapshots import SNAPSHOT_INPUT_COLUMNS, snapshot_inputs

    compared: list[int] = []
    kept_inputs = classify_memory.kept_inputs

    def checked(connection, facts, accrued, month_start):  # type: ignore[no-untyped-def]
        kept = kept_inputs(connection, facts, accrued, month_start)
        fresh = snapshot_inputs(connection, month_start)
        assert list(zip(*(kept[name].tolist() for name in SNAPSHOT_INPUT_COLUMNS), strict=True)) == fresh
        for name in ("origination_date", "maturity_date"):  # also kept as days since the epoch
            assert [date(1970, 1, 1) + timedelta(days=d) for d in kept[f"{name}_days"].tolist()] == [
                date.fromisoformat(day) for day in kept[name].tolist()
            ]
        compared.append(len(fresh))
        return kept

    monkeypatch.setattr(classify_memory, "kept_inputs", checked)
    _a_month_of_moves_kept_between_days(sqlite_engine)
    shown = scalar(sqlite_engine, "SELECT COUNT(*) FROM loan_snapshots WHERE as_of = '2025-03-09'")
    assert len(compared) == 37
    assert compared[11:13] == [7, 7]  # the written-off and paid-off loans are shown in February
    assert compared[-1] == 5  # and no longer in March; the charged-off loan stays on book
    assert shown == 5 + 2  # with the two lines they left idle


def test_a_book_kept_between_days_gives_the_accrual_the_loans_a_fresh_read_gives(sqlite_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The accrual's loans kept as columns between days (`store.accrual_memory`), read again only when
    their version moved: each day's pages are the rows `accruing_pages` reads, in the same order, through
    repayments by the bank and by hand, a write-off, a new loan and a charge-off."""
    from creditline.store.accrual_memory import KeptAccruals
    from creditline.store.eod_io import CLASSIFY_COLUMNS, accruing_pages

    compared: list[int] = []
    pages = KeptAccruals.pages

    def checked(self, connection, page_size=100_000):  # type: ignore[no-untyped-def]
        fresh = list(accruing_pages(connection, extra=CLASSIFY_COLUMNS))
        found = list(pages(self, connection, page_size))
        assert [locators for locators, _ in found] == [locators for locators, _ in fresh]
        for (_, columns), (_, read) in zip(found, fresh, strict=True):
            assert list(zip(*(column.tolist() for column in columns), strict=True)) == read
        compared.append(sum(len(locators) for locators, _ in found))
        yield from found

    monkeypatch.setattr(KeptAccruals, "pages", checked)
    _a_month_of_moves_kept_between_days(sqlite_engine)
    assert len(compared) == 30 + 37  # the days of accrual alone, then the pipeline's
    assert compared[30 + 10 : 30 + 12] == [6, 5]  # the new loan in, the written-off and paid-off ones out


def _a_month_of_moves_kept_between_days(engine) -> None:  # type: ignore[no-untyped-def]
    """Six loans on an engine that keeps the book between days, 30 days of accrual, then the pipeline to
    2025-03-09: B000 and B001 never pay (B000 is charged off), B001's loan is written off and B002's paid
    off by hand on 2025-02-11, when L003 draws a second loan."""
    from creditline.app import Draw, Repay, WriteOff, draw, repay, write_off
    from creditline.store import batch_memory
    from creditline.store.tables_servicing_bank import SqlBankBook

    loans = books_with_loans(engine, 6, charge_off_days=20)
    SqlBankBook(engine).deposit([("B000", "CNY", 0), ("B001", "CNY", 0)])  # B000 and B001 never pay
    batch_memory.keep_between_days(engine)
    today = fast_forward(engine, START, 30)
    bank = hostile_bank(engine, short_rate="0", timeout_rate="0")
    run_days(engine, today, 11, gateway=bank)
    today += timedelta(days=11)
    write_off(engine, WriteOff(loans[1], "wo"))  # off book, still shown until the month ends
    repay(engine, Repay(loans[2], "99999", "payoff"))  # paid off: closed, shown until the month ends
    draw(engine, Draw("L003", "700", 3, "again"))  # a new loan: new facts
    run_days(engine, today, 26, gateway=bank)  # to 2025-03-09: B000 charged off, February's closings dropped


def test_a_closing_that_rolls_back_leaves_no_kept_facts_behind(sqlite_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The day B000's loan falls late, a stage after classify fails and the closing transaction rolls
    back, after classify had kept the loan's new class: run again, classify reads the facts from the table
    (the day is seen again), so the change is found and logged once, as without memory."""
    from creditline.app import eod_classify
    from creditline.store import batch_memory, classify_memory
    from creditline.store.tables_servicing_bank import SqlBankBook
    from creditline.store.tables_servicing_snapshots import SNAPSHOT_INPUT_COLUMNS, snapshot_inputs

    books_with_loans(sqlite_engine, 2)
    SqlBankBook(sqlite_engine).deposit([("B000", "CNY", 0)])  # B000 never pays
    batch_memory.keep_between_days(sqlite_engine)
    today = fast_forward(sqlite_engine, START, 30)
    bank = hostile_bank(sqlite_engine, short_rate="0", timeout_rate="0")
    run_days(sqlite_engine, today, 1, gateway=bank)  # closes 2025-01-31: the facts are kept
    kept_inputs = classify_memory.kept_inputs

    def checked(connection, facts, accrued, month_start):  # type: ignore[no-untyped-def]
        kept = kept_inputs(connection, facts, accrued, month_start)
        fresh = snapshot_inputs(connection, month_start)
        assert list(zip(*(kept[name].tolist() for name in SNAPSHOT_INPUT_COLUMNS), strict=True)) == fresh
        return kept

    def failing(*args):  # type: ignore[no-untyped-def]
        raise RuntimeError("provision failed")

    monkeypatch.setattr(classify_memory, "kept_inputs", checked)
    with monkeypatch.context() as patch:
        patch.setattr(eod_classify, "provision", failing)
        with pytest.raises(RuntimeError, match="provision failed"):
            run_days(sqlite_engine, today + timedelta(days=1), 1, gateway=bank)  # closes 2025-02-01: B000 late
    run_days(sqlite_engine, today + timedelta(days=1), 1, gateway=bank)
    loan = scalar(sqlite_engine, "SELECT loan_id FROM loans WHERE borrower_id = 'B000'")
    changes = rows(sqlite_engine, "SELECT on_date, what, old_value, new_value FROM loan_class_changes WHERE loan_id = :loan "
                   "ORDER BY change_id", loan=loan)  # fmt: skip
    assert [tuple(row) for row in changes] == [("2025-02-02", "status", "active", "overdue"), ("2025-02-02", "tier", "0", "1")]
