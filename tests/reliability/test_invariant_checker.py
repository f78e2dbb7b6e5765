"""The invariant checker finds what it claims to find: books built through the use cases are clean,
and each way of breaking them (an edited amount, a lost row, a doubled effect, a half-applied
drawdown, a moved business date, an edited log record) is reported under its own kind. On SQLite
every case; on PostgreSQL the clean books and the edits that can be undone in place."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from creditline.reliability.invariants import check_books
from shared_files import postgres_schema

START = date(2025, 3, 1)
LOG_ID = "creditline"


def build_books(url: str):  # type: ignore[no-untyped-def]
    """Three borrowers, loans drawn, repaid, one repayment reversed, one loan overpaid and part of its
    credit refunded, one end of day; the log sealed.
    Returns (engine, public key, {name: id})."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.app import (
        Draw,
        OpenLine,
        Repay,
        Reverse,
        draw,
        initialise,
        open_line,
        repay,
        reverse,
        run_eod,
    )
    from creditline.store import UnitOfWork, make_engine
    from creditline.store.audit_log import append_unlogged_from_books, integrate

    engine = make_engine(url, pool_size=2)
    initialise(engine, START)
    ids = {}
    for n in range(3):
        line = open_line(engine, OpenLine(f"BK{n}", "revolving-consumer", "20000", "0.05"))["line_id"]
        loan = draw(engine, Draw(line, str(2000 + 500 * n), 6, f"draw-{n}"))["loan_id"]
        paid = repay(engine, Repay(loan, "300.00", f"repay-{n}"))
        ids |= {f"line{n}": line, f"loan{n}": loan, f"repayment{n}": paid["event_id"], f"repay_entry{n}": paid["entry_id"]}
    reverse(engine, Reverse(ids["loan2"], ids["repayment2"], "reverse-2"))
    from creditline.app.credit_refunds import RefundCredit, refund_credit

    repay(engine, Repay(ids["loan2"], "3100.00", "overpay-2"))  # 100.00 over: a credit balance
    refunded = refund_credit(engine, RefundCredit("BK2", "60.00", "refund-2"))
    ids |= {"refund_entry": refunded["entry_id"], "refund_event": refunded["loans"][0]["event_id"]}
    run_eod(engine, date(2025, 3, 2))
    key = Ed25519PrivateKey.generate()
    with UnitOfWork(engine) as uow:
        append_unlogged_from_books(uow.connection)
        integrate(uow.connection, LOG_ID, key)
        uow.commit()
    return engine, key.public_key(), ids


@pytest.fixture(scope="module")
def sqlite_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], object]:
    folder = tmp_path_factory.mktemp("books")
    engine, public_key, ids = build_books(f"sqlite:///{folder / 'books.sqlite'}")
    engine.dispose()
    return folder / "books.sqlite", ids, public_key


# (SQL with {ids}, the anomaly kind it must produce)
BREAKAGES = [
    ("UPDATE postings SET amount_minor = amount_minor + 1 WHERE posting_id = (SELECT MIN(posting_id) FROM postings)",
     "journal_unbalanced"),
    ("UPDATE postings SET amount_minor = amount_minor + 1 WHERE posting_id = (SELECT MIN(posting_id) FROM postings)",
     "entry_unbalanced"),
    ("UPDATE account_balances SET debit_minor = debit_minor + 5 WHERE account = (SELECT MIN(account) FROM account_balances)", "balance_differs_from_postings"),
    ("DELETE FROM postings WHERE entry_id = '{repay_entry0}'", "entry_without_postings"),
    ("UPDATE postings SET borrower_id = NULL WHERE entry_id = '{repay_entry0}'", "posting_borrower_differs"),
    ("UPDATE loans SET credit_balance_minor = -1 WHERE loan_id = '{loan0}'", "negative_balance"),
    ("UPDATE credit_lines SET pending_drawdowns_minor = 100 WHERE line_id = '{line1}'", "pending_reservation"),
    ("UPDATE credit_lines SET outstanding_principal_minor = outstanding_principal_minor + 100 WHERE line_id = '{line0}'",
     "line_outstanding_mismatch"),
    ("UPDATE credit_lines SET limit_minor = 100 WHERE line_id = '{line0}'", "over_limit"),
    ("INSERT INTO loan_events (event_id, loan_id, borrower_id, sequence, kind, effective_date, amount_minor, currency, "
     "reverses, data_json, recorded_on) SELECT 'EVtwice', loan_id, borrower_id, 99, kind, effective_date, amount_minor, "
     "currency, reverses, data_json, recorded_on FROM loan_events WHERE event_id = '{repayment0}'", "effect_without_key"),
    ("DELETE FROM loan_events WHERE event_id = '{repayment1}'", "key_effect_missing"),
    ("DELETE FROM loan_events WHERE event_id = '{repayment1}'", "entry_for_missing_event"),
    ("UPDATE journal_entries SET reference = 'moved' WHERE entry_id = '{repay_entry1}'", "event_without_entry"),
    ("UPDATE journal_entries SET reference = (SELECT reference FROM journal_entries WHERE entry_id = '{repay_entry0}') "
     "WHERE entry_id = '{repay_entry1}'", "event_booked_twice"),
    # A credit refund: its key, its events and its one entry take effect together, once.
    ("INSERT INTO loan_events (event_id, loan_id, borrower_id, sequence, kind, effective_date, amount_minor, currency, "
     "reverses, data_json, recorded_on) SELECT 'EVrefund2', loan_id, borrower_id, 99, kind, effective_date, amount_minor, "
     "currency, reverses, data_json, recorded_on FROM loan_events WHERE event_id = '{refund_event}'", "effect_without_key"),
    ("DELETE FROM loan_events WHERE event_id = '{refund_event}'", "key_effect_missing"),
    ("DELETE FROM loan_events WHERE event_id = '{refund_event}'", "refund_entry_differs"),
    ("DELETE FROM postings WHERE entry_id = '{refund_entry}'", "refund_entry_differs"),
    ("UPDATE idempotency_keys SET result_json = REPLACE(result_json, '{refund_entry}', 'JEgone') "
     "WHERE scope = 'refund-credit'", "event_without_entry"),  # the key's events, without their entry...
    ("UPDATE idempotency_keys SET result_json = REPLACE(result_json, '{refund_entry}', 'JEgone') "
     "WHERE scope = 'refund-credit'", "entry_for_missing_event"),  # ...and the entry, without its key and events
    ("UPDATE journal_entries SET idempotency_key = 'refund-credit:another' WHERE entry_id = '{refund_entry}'",
     "refund_entry_differs"),
    ("INSERT INTO idempotency_keys (scope, client_key, request_hash, result_json, borrower_id) "
     "SELECT scope, 'refund-2-again', request_hash, result_json, borrower_id FROM idempotency_keys "
     "WHERE scope = 'refund-credit'", "effect_named_twice"),
    ("UPDATE business_calendar SET business_date = '2025-03-05'", "business_date_without_run"),
    ("UPDATE journal_entries SET reference = (SELECT MIN(reference) FROM journal_entries WHERE reference LIKE 'eod:%') "
     "WHERE entry_id = '{repay_entry1}'", "accrual_posted_twice"),
    ("UPDATE loans SET interest_accrued_minor = interest_accrued_minor + 7 WHERE loan_id = '{loan1}'",
     "loan_differs_from_replay"),
    ("UPDATE loans SET principal_outstanding_minor = principal_outstanding_minor - 1 WHERE loan_id = '{loan1}'",
     "loan_differs_from_journal"),
    ("UPDATE audit_log SET leaf_hash = root_hash WHERE seq = 3", "audit_log_tampered"),
    # a stored loan or event none can be: the checker stopped with a traceback (KeyError, JSONDecodeError, TypeError)
    ("UPDATE loans SET terms_json = '{{}}' WHERE loan_id = '{loan1}'", "loan_differs_from_replay"),
    ("UPDATE loans SET terms_json = 'garbage' WHERE loan_id = '{loan1}'", "loan_differs_from_replay"),
    ("UPDATE loans SET principal_outstanding_minor = 'abc' WHERE loan_id = '{loan1}'", "loan_differs_from_replay"),
    ("UPDATE loan_events SET data_json = 'garbage' WHERE event_id = '{repayment1}'", "loan_differs_from_replay"),
    ("UPDATE loan_events SET kind = 'bogus' WHERE event_id = '{repayment1}'", "loan_differs_from_replay"),
    ("UPDATE postings SET amount_minor = 'abc' WHERE entry_id = '{repay_entry1}' AND amount_minor > 0",
     "audit_log_tampered"),
]  # fmt: skip


def test_books_built_by_the_use_cases_are_clean(sqlite_books) -> None:  # type: ignore[no-untyped-def]
    from creditline.store import make_engine

    path, _, public_key = sqlite_books
    engine = make_engine(f"sqlite:///{path}")
    report = check_books(engine, quiescent=True, public_key=public_key)
    engine.dispose()
    assert report.anomalies == ()
    assert report.counts["loans"] == 3 and report.counts["eod_runs"] == 1


@pytest.mark.parametrize(("sql", "kind"), BREAKAGES, ids=[f"{kind}-{n}" for n, (_, kind) in enumerate(BREAKAGES)])
def test_each_breakage_is_reported_under_its_kind(sqlite_books, tmp_path: Path, sql: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    from creditline.store import make_engine

    source, ids, public_key = sqlite_books
    copy = tmp_path / "broken.sqlite"
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))  # a thief with the file is not bound by them
        connection.execute(text(sql.format(**ids)))
    report = check_books(engine, quiescent=True, public_key=public_key)
    engine.dispose()
    assert kind in report.kinds(), report.anomalies


def test_a_line_whose_limit_was_cut_below_what_it_lent_is_not_over_limit(sqlite_books, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The limit review (and an operator) may cut a limit below the outstanding principal: nothing is
    called back, the borrower just cannot draw. Only a limit that moved without a change is an anomaly."""
    from creditline.app import ChangeLimit, change_limit
    from creditline.store import make_engine

    source, ids, _ = sqlite_books
    copy = tmp_path / "cut.sqlite"
    shutil.copyfile(source, copy)
    engine = make_engine(f"sqlite:///{copy}")
    change_limit(engine, ChangeLimit(ids["line0"], "1000", "limit review: lower"))
    assert scalar_row(engine, "SELECT outstanding_principal_minor > limit_minor FROM credit_lines WHERE line_id = :l",
                      l=ids["line0"]) == (1,)
    assert "over_limit" not in check_books(engine, deep=False).kinds()
    with engine.begin() as connection:
        connection.execute(text("UPDATE credit_lines SET limit_minor = 100 WHERE line_id = :l"), {"l": ids["line1"]})
    assert [a.detail.split(":")[0] for a in check_books(engine, deep=False).anomalies] == [f"line {ids['line1']}"]
    engine.dispose()


def scalar_row(engine, sql: str, **params: str) -> tuple:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return tuple(connection.execute(text(sql), params).one())


@pytest.mark.postgres
def test_the_same_checks_hold_on_postgresql(postgres_url: str) -> None:
    reversible = [
        ("UPDATE loans SET credit_balance_minor = credit_balance_minor - 100000 WHERE loan_id = '{loan0}'",
         "UPDATE loans SET credit_balance_minor = credit_balance_minor + 100000 WHERE loan_id = '{loan0}'", "negative_balance"),
        ("UPDATE postings SET amount_minor = amount_minor + 1 WHERE posting_id = (SELECT MIN(posting_id) FROM postings)",
         "UPDATE postings SET amount_minor = amount_minor - 1 WHERE posting_id = (SELECT MIN(posting_id) FROM postings)",
         "journal_unbalanced"),
        ("UPDATE credit_lines SET pending_drawdowns_minor = 100 WHERE line_id = '{line1}'",
         "UPDATE credit_lines SET pending_drawdowns_minor = 0 WHERE line_id = '{line1}'", "pending_reservation"),
        ("UPDATE business_calendar SET business_date = '2025-03-05'",
         "UPDATE business_calendar SET business_date = '2025-03-02'", "business_date_without_run"),
    ]  # fmt: skip
    with postgres_schema(postgres_url, "checker") as url:
        engine, public_key, ids = build_books(url)
        try:
            assert check_books(engine, quiescent=True, public_key=public_key).anomalies == ()
            for breaking, mending, kind in reversible:
                with engine.begin() as connection:
                    connection.execute(text(breaking.format(**ids)))
                assert kind in check_books(engine, public_key=public_key).kinds()
                with engine.begin() as connection:
                    connection.execute(text(mending.format(**ids)))
            assert check_books(engine, quiescent=True, public_key=public_key).anomalies == ()
        finally:
            engine.dispose()


def test_creditline_audit_verify_names_an_entry_whose_postings_were_all_deleted(tmp_path: Path) -> None:
    """Found while testing the checker: the verifier could not rebuild a record from an entry with no
    postings and stopped with a usage error (exit 2) instead of naming the record (exit 1)."""
    import subprocess

    from creditline.ledger.transparency import public_key_pem
    from creditline.reliability.bank import write_signing_key
    from creditline.reliability.served import creditline_command
    from creditline.store import UnitOfWork
    from creditline.store.audit_log import append_unlogged_from_books, publish, signing_key_from_environment

    key_path, public_key = write_signing_key(tmp_path)
    (tmp_path / "log.pub").write_bytes(public_key_pem(public_key))
    url = f"sqlite:///{tmp_path / 'books.sqlite'}"
    engine, _, ids = build_books(url)
    with UnitOfWork(engine) as uow:  # sign a head with this key (build_books sealed with a throwaway one)
        uow.connection.execute(text("DELETE FROM audit_log"))
        uow.connection.execute(text("DELETE FROM audit_log_state"))
        uow.connection.execute(text("DELETE FROM audit_books_logged"))  # as if written before the log
        append_unlogged_from_books(uow.connection)
        publish(uow.connection, LOG_ID, date(2025, 3, 2), signing_key_from_environment({"CREDITLINE_AUDIT_SIGNING_KEY_FILE": str(key_path)}))
        uow.commit()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM postings WHERE entry_id = :e"), {"e": ids["repay_entry0"]})
    engine.dispose()
    done = subprocess.run([creditline_command(), "audit", "verify", "--db", url, "--public-key", str(tmp_path / "log.pub")],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "TAMPERED" in done.stdout and ids["repay_entry0"] in done.stdout


def test_creditline_reliability_check_exits_1_and_lists_each_anomaly(sqlite_books, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from creditline.cli.main import run

    source, ids, _ = sqlite_books
    copy = tmp_path / "books.sqlite"
    shutil.copyfile(source, copy)
    run(["reliability", "check", "--db", f"sqlite:///{copy}", "--quiescent", "--json"])
    assert json.loads(capsys.readouterr().out)["ok"] is True
    with sqlite3_connection(copy) as connection:
        connection.execute("UPDATE credit_lines SET pending_drawdowns_minor = 100 WHERE line_id = ?", (ids["line1"],))
    with pytest.raises(SystemExit) as exited:
        run(["reliability", "check", "--db", f"sqlite:///{copy}"])
    assert exited.value.code == 1
    assert f"pending_reservation: line {ids['line1']}" in capsys.readouterr().out


def sqlite3_connection(path: Path):  # type: ignore[no-untyped-def]
    import sqlite3
    from contextlib import closing

    connection = sqlite3.connect(path)
    connection.isolation_level = None
    return closing(connection)
