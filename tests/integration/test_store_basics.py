"""The store's plumbing on both databases: migrations, the unit of work, journal balances, keys."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect

from creditline.ledger import Account, JournalEntry, credit, debit, trial_balance
from creditline.money import Money
from creditline.store import UnitOfWork
from creditline.store.migrate import current_revision, upgrade
from creditline.store.tables import metadata

D = date(2025, 3, 1)


def cny(minor: int) -> Money:
    return Money.of_minor(minor, "CNY")


def disbursement(entry_id: str, loan_id: str, minor: int, shard: int = 3) -> JournalEntry:
    postings = (
        debit(Account.LOANS_PRINCIPAL, cny(minor), shard, loan_id),
        credit(Account.SETTLEMENT_CASH, cny(minor), shard),
    )
    return JournalEntry(entry_id, f"key-{entry_id}", D, f"loan-event:{entry_id}", postings, borrower_id="B1")


def test_migrations_create_every_table_and_are_repeatable(engine) -> None:  # type: ignore[no-untyped-def]
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    assert current_revision(engine) is not None
    assert upgrade(engine) == current_revision(engine)  # running again is a no-op


def test_migration_0021_gives_auto_debit_postings_their_entrys_borrower(db_url: str) -> None:
    from sqlalchemy import text

    from creditline.store import make_engine

    engine = make_engine(db_url)
    try:
        upgrade(engine, "0020_decisions_date_index")
        with UnitOfWork(engine) as uow:
            uow.journal.add(disbursement("E1", "L1", 500))  # borrower B1
            uow.journal.add(JournalEntry("E2", "eod:x", D, "eod:x", disbursement("E2", "L2", 7).postings))  # no borrower
            uow.commit()
        with engine.begin() as connection:  # what the set-based settlement wrote before the fix
            connection.execute(text("UPDATE postings SET borrower_id = NULL"))
        upgrade(engine)
        with engine.connect() as connection:
            found = connection.execute(text("SELECT entry_id, borrower_id FROM postings ORDER BY entry_id")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in found] == [("E1", "B1"), ("E1", "B1"), ("E2", None), ("E2", None)]


def test_unit_of_work_rolls_back_unless_committed(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        uow.system.set_business_date(D)
        uow.journal.add(disbursement("e1", "L1", 100_000))
    with UnitOfWork(engine) as uow:
        assert uow.system.business_date() is None
        assert uow.journal.entries_count() == 0
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        uow.system.set_business_date(D)
        raise RuntimeError("command failed half-way")
    with UnitOfWork(engine) as uow:
        uow.system.set_business_date(D)
        uow.journal.add(disbursement("e1", "L1", 100_000))
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.system.business_date() == D
        assert uow.journal.has_key("key-e1")


def test_running_balances_equal_the_postings_and_balance(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        uow.journal.add(disbursement("e1", "L1", 100_000, shard=3))
        uow.journal.add(disbursement("e2", "L2", 50_001, shard=3))
        uow.journal.add(disbursement("e3", "L3", 7, shard=60))
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        from_balances = trial_balance(uow.journal.balance_rows())
        from_postings = trial_balance(uow.journal.posting_rows())
        sums = uow.journal.loan_account_sums()
        assert uow.journal.unbalanced_entries() == []
    assert from_balances == from_postings
    assert from_balances.balanced
    assert from_balances.balance(Account.LOANS_PRINCIPAL, "CNY") == 150_008
    assert sorted(sums) == [
        ("L1", "loans_principal", 100_000),
        ("L2", "loans_principal", 50_001),
        ("L3", "loans_principal", 7),
    ]


def test_an_idempotency_key_stores_the_first_result(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        assert uow.idempotency.get("draw", "k1") is None
        uow.idempotency.put("draw", "k1", borrower_id="B1", request_hash="h1", result={"loan_id": "L1"})
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.idempotency.get("draw", "k1") == ("h1", {"loan_id": "L1"})
        assert uow.idempotency.get("repay", "k1") is None


def test_a_duplicate_journal_key_is_refused_by_the_database(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    with UnitOfWork(engine) as uow:
        uow.journal.add(disbursement("e1", "L1", 100))
        uow.commit()
    with pytest.raises(IntegrityError), UnitOfWork(engine) as uow:
        entry = disbursement("e2", "L1", 100)
        uow.journal.add(JournalEntry("e2", "key-e1", D, "dup", entry.postings))


@pytest.mark.postgres
def test_a_pooled_connection_that_died_while_idle_is_replaced_and_a_fresh_one_is_not_pinged(
    engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL's pool pings a connection only when it sat idle for over PING_IDLE_S: a backend
    killed meanwhile is replaced before the unit of work sees it; one just returned goes out as is."""
    from sqlalchemy import text

    import creditline.store.engine as engines

    if engine.dialect.name != "postgresql":
        pytest.skip("the pool's ping is PostgreSQL's")
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection))
    backend = "SELECT pg_backend_pid()"
    with engine.connect() as connection:
        first = connection.execute(text(backend)).scalar_one()
    victim, killer = engine.connect(), engine.connect()  # two pooled connections, the first one again
    assert victim.execute(text(backend)).scalar_one() == first and pings == [], "used a moment ago: no ping"
    victim.close()  # back in the pool, then killed there
    killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    killer.commit()
    killer.close()
    monkeypatch.setattr(engines, "PING_IDLE_S", -1.0)  # every connection in the pool now counts as idle
    for _ in range(2):  # whichever pooled connection comes out, the dead one is never handed over
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert pings, "idle connections were pinged"


def test_a_long_batch_engine_checkpoints_sqlite_less_often_and_leaves_postgresql_alone(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from creditline.store.engine import SQLITE_BATCH_WAL_PAGES, for_long_batch

    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        with engine.connect() as connection:  # a connection pooled before the change
            assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    assert for_long_batch(engine) is engine
    with UnitOfWork(engine) as uow:  # every connection handed out from now on, and the data as usual
        uow.system.set_business_date(D)
        uow.commit()
        if sqlite:
            pages = uow.connection.execute(text("PRAGMA wal_autocheckpoint")).scalar()
            assert pages == SQLITE_BATCH_WAL_PAGES
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.system.business_date() == D
