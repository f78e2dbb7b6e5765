"""The tamper-evident log on a real book (SQLite and PostgreSQL): every journal entry and loan event the
app writes — commands, backdated repayments, reversals, co-lending, the set-based auto-debit settlement,
EOD's summaries — has exactly one log record, accepted in its own transaction; each EOD publishes a
signed head, an idle day included; an edit to a posting afterwards is named."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eod_support import START, books_with_loans, fast_forward, hostile_bank
from sqlalchemy import func, select, update

from creditline.app import Repay, Reverse, repay, reverse
from creditline.app.eod_pipeline import run_pipeline
from creditline.app.eod_stages import CORE_STAGES
from creditline.app.repayment_batch import repay_many
from creditline.ledger.transparency import (
    Problem,
    bundle_from_json,
    check_consistency_bundle,
    check_inclusion_bundle,
    private_key_pem,
)
from creditline.store import UnitOfWork
from creditline.store.audit_log import (
    ENV_LOG_ID,
    ENV_SIGNING_KEY_FILE,
    load_heads,
    prove_between,
    prove_loan,
    verify_database,
)
from creditline.store.tables import journal_entries, loan_events, postings
from creditline.store.tables_audit import audit_log
from creditline.store.tables_servicing import debit_attempts

LOG = "creditline-books"
KEY = Ed25519PrivateKey.generate()
DUE_DAY = 30  # EOD to 2025-01-31 closes the 30th; the first installments fall due on 1 February
HEADS = 5  # two days, then three around the due date
STAGES = CORE_STAGES | {"colending"}


@pytest.fixture
def signing_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "audit.pem"
    path.write_bytes(private_key_pem(KEY))
    path.chmod(0o600)
    monkeypatch.setenv(ENV_SIGNING_KEY_FILE, str(path))
    monkeypatch.setenv(ENV_LOG_ID, LOG)
    return path


def eod(engine, first: date, days: int, gateway=None) -> date:  # type: ignore[no-untyped-def]
    for n in range(days):
        run_pipeline(engine, first + timedelta(days=n + 1), gateway=gateway, only=STAGES)
    return first + timedelta(days=days)


@pytest.fixture
def book(engine, signing_key):  # type: ignore[no-untyped-def]
    """Draws, repayments (one backdated, three in one group commit), a reversal, a co-lent loan, and EOD
    with auto-debit for a few days."""
    from colending_fixtures import add_partners, line_for, partner_file

    from creditline.app import Draw, draw

    loans = books_with_loans(engine, 6)
    add_partners(engine, partner_file("bank-one"))
    colent = draw(engine, Draw(line_for(engine, "BCL1"), "3000", 6, "dcl"))["loan_id"]
    paid = repay(engine, Repay(loans[0], "120.50", "r1"))
    reverse(engine, Reverse(loans[0], paid["event_id"], "rv1"))
    repay(engine, Repay(colent, "200", "rcl"))
    today = eod(engine, START, 2)
    repay(engine, Repay(loans[1], "80", "r2", on=START + timedelta(days=1)))  # backdated: replayed
    repay(engine, Repay(loans[2], "45.10", "r3"))
    outcomes = repay_many(engine, [Repay(loans[3], "30", "b1"), Repay(loans[4], "40", "b2"), Repay(loans[3], "10", "b3")])
    assert all(isinstance(o, dict) for o in outcomes), outcomes  # a group commit: its entries in one statement
    today = fast_forward(engine, today, DUE_DAY - 2)  # accrual only, no heads, to the first due date
    eod(engine, today, 3, hostile_bank(engine))  # auto-debit settles the due installments set-based
    return engine, loans, colent


def audit(engine):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:
        return verify_database(uow.connection, LOG, KEY.public_key())


def counts(engine) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:

        def n(query) -> int:  # type: ignore[no-untyped-def]
            return int(connection.execute(query).scalar_one())

        logged = select(func.count()).select_from(audit_log)
        return (n(select(func.count()).select_from(journal_entries)), n(logged.where(audit_log.c.record_type == "journal_entry")),
                n(select(func.count()).select_from(loan_events)), n(logged.where(audit_log.c.record_type == "loan_event")))  # fmt: skip


def test_every_entry_and_event_of_a_real_book_is_logged_once_and_verifies(book) -> None:  # type: ignore[no-untyped-def]
    engine, _, _ = book
    entries, entries_logged, events, events_logged = counts(engine)
    assert entries == entries_logged and events == events_logged
    assert entries > 20 and events > 10  # draws, repayments, a reversal, auto-debits, EOD summaries
    with engine.connect() as connection:
        # Some of them were written by the set-based settlement path.
        settled = (
            select(func.count()).select_from(debit_attempts).where(debit_attempts.c.applied_path == "batch")
        )
        assert connection.execute(settled).scalar_one() > 0
    result = audit(engine)
    assert result.ok, (result.report.finding, result.books_finding)
    assert (result.pending, result.unlogged) == (0, 0)
    assert result.report.records_checked == entries + events  # every record sequenced by the last EOD
    assert result.report.heads_checked == HEADS


def test_a_loans_records_are_proved_and_day_heads_are_consistent(book) -> None:  # type: ignore[no-untyped-def]
    engine, loans, colent = book
    last = START + timedelta(days=DUE_DAY + 2)  # EOD to a date closes the business day before it
    with UnitOfWork(engine, read_only=True) as uow:
        proof = bundle_from_json(prove_loan(uow.connection, loans[0], last).to_json())
        colent_proof = bundle_from_json(prove_loan(uow.connection, colent).to_json())
        between = bundle_from_json(prove_between(uow.connection, START, last).to_json())
    records = check_inclusion_bundle(proof, KEY.public_key())
    kinds = sorted(r.event_type for r in records if r.KIND == "loan_event")
    assert kinds == ["disbursement", "repayment", "repayment", "reversal"]  # the command's and auto-debit's
    assert any(r.KIND == "journal_entry" and r.reference.startswith("loan-event:") for r in records)
    colent_records = check_inclusion_bundle(colent_proof, KEY.public_key())
    assert len(colent_records) >= 4  # the drawdown and the repayment: events and entries
    check_consistency_bundle(between, KEY.public_key())


def test_an_edited_posting_amount_is_named(book) -> None:  # type: ignore[no-untyped-def]
    engine, loans, _ = book
    with engine.begin() as connection:
        entry_id = connection.execute(
            select(postings.c.entry_id)
            .where(postings.c.loan_id == loans[3])
            .order_by(postings.c.posting_id)
            .limit(1)
        ).scalar_one()
        connection.execute(update(postings).where((postings.c.entry_id == entry_id) & (postings.c.amount_minor > 0))
                           .values(amount_minor=postings.c.amount_minor + 1))  # fmt: skip
    result = audit(engine)
    assert result.report.ok and not result.ok
    assert result.books_finding is not None and entry_id in result.books_finding.detail


def test_an_edited_event_is_named(book) -> None:  # type: ignore[no-untyped-def]
    engine, loans, _ = book
    with engine.begin() as connection:
        event_id = connection.execute(
            select(loan_events.c.event_id)
            .where(loan_events.c.loan_id == loans[1], loan_events.c.kind == "repayment")
            .limit(1)
        ).scalar_one()
        connection.execute(update(loan_events).where(loan_events.c.event_id == event_id)
                           .values(amount_minor=loan_events.c.amount_minor * 10))  # fmt: skip
    result = audit(engine)
    assert result.books_finding is not None and event_id in result.books_finding.detail


def test_a_blob_in_an_events_data_is_named_with_its_column(book) -> None:  # type: ignore[no-untyped-def]
    """SQLite keeps a blob in the event's JSON text column: `_encoded` caught the AttributeError of
    `bytes.encode` as "a value of the wrong type"; the builder now refuses it naming data_json."""
    engine, loans, _ = book
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses a value of another type in a column")
    with engine.begin() as connection:
        event_id = connection.execute(
            select(loan_events.c.event_id).where(loan_events.c.loan_id == loans[2]).order_by(loan_events.c.sequence).limit(1)
        ).scalar_one()
        connection.exec_driver_sql(f"UPDATE loan_events SET data_json = X'7b7d' WHERE event_id = '{event_id}'")
    result = audit(engine)
    assert result.report.ok and result.books_finding is not None
    assert result.books_finding.problem == Problem.ALTERED
    assert result.books_finding.detail == (f"loan_event {event_id} in the books differs from its log record: no record "
                                           f"can hold it (data_json: an event's data is JSON text)")  # fmt: skip


def test_a_rolled_back_command_leaves_no_record(book, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import creditline.app.loans as app_loans

    engine, loans, _ = book
    before = counts(engine)

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the process dies after the event and its record were written, before the commit")

    monkeypatch.setattr(app_loans, "add_entry", crash)  # the command's last write, its journal entry
    with pytest.raises(RuntimeError):
        repay(engine, Repay(loans[4], "5", "dies"))
    assert counts(engine) == before
    result = audit(engine)
    assert result.ok and (result.pending, result.unlogged) == (0, 0)


def test_idle_days_get_their_heads_and_eod_does_not_crash(engine, signing_key) -> None:  # type: ignore[no-untyped-def]
    from lending_fixtures import open_line

    from creditline.app import Draw, Prepay, draw, initialise, prepay

    initialise(engine, START)
    loan = draw(engine, Draw(open_line(engine, "BIDLE"), "500", 3, "d-idle"))["loan_id"]
    # Paid off the day it was drawn: nothing accrues afterwards.
    prepay(engine, Prepay(loan, "500", "keep-term", "p-idle"))
    day = eod(engine, START, 1)
    day = eod(engine, day, 2)  # two idle days: the same tree, two new heads
    with UnitOfWork(engine, read_only=True) as uow:
        heads = load_heads(uow.connection)
        between = prove_between(uow.connection, START, day - timedelta(days=1))
    assert [h.head.business_date for h in heads] == [START + timedelta(days=n) for n in (0, 1, 2)]
    assert len({(h.head.tree_size, h.head.root_hash) for h in heads}) == 1 and heads[0].head.tree_size > 0
    assert between.path == ()  # two heads of one size: the trivial consistency proof
    check_consistency_bundle(between, KEY.public_key())
    result = audit(engine)
    assert result.ok and result.report.heads_checked == 3


def test_a_database_that_predates_the_log_is_backfilled_from_the_cli(
    engine, db_url: str, signing_key
) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import cli, ok
    from sqlalchemy import delete

    from creditline.store.tables_audit import audit_books_logged

    loans = books_with_loans(engine, 2)
    repay(engine, Repay(loans[0], "10", "r-old"))
    with engine.begin() as connection:  # written by a version that did not log its writes
        connection.execute(delete(audit_log))
        connection.execute(delete(audit_books_logged))
    assert cli("audit", "verify", "--db", db_url).exit_code == 0  # not logged yet: --strict's business
    strict = cli("audit", "verify", "--db", db_url, "--strict")  # 6 records not logged: it printed "ok: ..."
    assert strict.exit_code == 1
    assert strict.stdout.startswith("NOT LOGGED: 6 journal entries and loan events have no log record (--strict)")
    assert ok("audit", "backfill", "--db", db_url) == {
        "accepted": 6
    }  # two draws and a repayment: entry and event each
    assert ok("audit", "backfill", "--db", db_url) == {"accepted": 0}
    assert ok("audit", "publish", "--db", db_url)["tree_size"] == 6
    verified = ok("audit", "verify", "--db", db_url, "--strict")
    assert (verified["ok"], verified["records"], verified["unlogged"]) == (True, 6, 0)


@pytest.mark.postgres
def test_two_first_sequencers_do_not_collide(pg_url: str) -> None:
    """Finding 8: the log's state row is missing; two publishes start at once; both succeed."""
    import threading

    from creditline.store import make_engine, upgrade
    from creditline.store.audit_log import publish

    engine = make_engine(pg_url)
    upgrade(engine)
    first = engine.connect()
    publish(first, LOG, START, KEY)  # inserts the state row, holds it until its commit
    second: list[object] = []

    def other_publish() -> None:
        with engine.begin() as connection:
            second.append(publish(connection, LOG, START + timedelta(days=1), KEY))

    waiting = threading.Thread(target=other_publish)
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # queued behind the first one's state row
    first.commit()
    waiting.join(30)
    first.close()
    with engine.connect() as connection:
        heads = load_heads(connection)
    engine.dispose()
    assert len(second) == 1 and [h.head.business_date for h in heads] == [START, START + timedelta(days=1)]
