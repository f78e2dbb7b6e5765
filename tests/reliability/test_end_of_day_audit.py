"""End of day signs the day's tree head when the audit signing key is set (the publish-audit stage).
Finding 6 (docs/security.md), fixed: heads are keyed by business date (migration
0015_audit_heads_by_date), so a day whose log did not grow gets its head — the size and root of the
day before, a new date — and the close no longer fails on the second day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditline.reliability.bank import write_signing_key


def test_two_days_with_the_signing_key_set_both_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.app.setup import initialise
    from creditline.store import UnitOfWork, make_engine
    from creditline.store.audit_log import ENV_SIGNING_KEY_FILE, load_heads

    key_path, _ = write_signing_key(tmp_path)
    monkeypatch.setenv(ENV_SIGNING_KEY_FILE, str(key_path))
    engine = make_engine(f"sqlite:///{tmp_path / 'books.sqlite'}")
    initialise(engine, date(2025, 6, 30))
    try:
        run_pipeline(engine, date(2025, 7, 1))
        run_pipeline(engine, date(2025, 7, 2))
        with UnitOfWork(engine, read_only=True) as uow:
            heads = load_heads(uow.connection)
        assert [h.head.business_date for h in heads] == [date(2025, 6, 30), date(2025, 7, 1)]
        assert heads[0].head.tree_size == heads[1].head.tree_size and heads[0].head.root_hash == heads[1].head.root_hash
    finally:
        engine.dispose()


def test_the_bank_checker_seals_what_the_commands_logged_and_reports_a_deleted_record(tmp_path: Path) -> None:
    """The bank's `seal_log` sequences the records the commands logged themselves and signs the closed
    day's head; a record deleted before it was sequenced is then the check's finding (`audit_log_tampered`).
    It used to back-fill the books first, which on a database logged in full raised on the deleted record
    and stopped the checker instead of reporting it."""
    from sqlalchemy import text

    from creditline.app import Draw, OpenLine, Repay, draw, initialise, open_line, repay, run_eod
    from creditline.reliability.bank import BankRun, seal_log
    from creditline.reliability.invariants import check_books
    from creditline.store import UnitOfWork, make_engine
    from creditline.store.audit_log import ENV_SIGNING_KEY_FILE, load_heads, pending_count

    key_path, public_key = write_signing_key(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'books.sqlite'}")
    initialise(engine, date(2025, 3, 1))
    # Only the fields seal_log reads: the database and the run's environment (no server is started).
    run = BankRun(None, "", engine, None, [], public_key, {ENV_SIGNING_KEY_FILE: str(key_path)}, tmp_path, range(0))  # type: ignore[arg-type]
    try:
        line = open_line(engine, OpenLine("SEAL", "revolving-consumer", "20000", "0.05"))["line_id"]
        loan = draw(engine, Draw(line, "2000", 6, "seal-draw"))["loan_id"]
        run_eod(engine, date(2025, 3, 2))
        seal_log(run)
        with UnitOfWork(engine, read_only=True) as uow:
            assert pending_count(uow.connection) == 0
            (head,) = load_heads(uow.connection)
            logged = uow.connection.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one()
        assert head.head.business_date == date(2025, 3, 2) and head.head.tree_size == logged > 0
        assert check_books(engine, quiescent=True, public_key=public_key).anomalies == ()
        paid = repay(engine, Repay(loan, "100.00", "seal-repay"))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log WHERE record_id = :e AND seq IS NULL"), {"e": paid["event_id"]})
        seal_log(run)  # raised InvalidRecord ("lost its log record") before
        report = check_books(engine, quiescent=True, public_key=public_key)
        assert report.kinds()["audit_log_tampered"] == 1, report.anomalies
        assert any(paid["event_id"] in a.detail for a in report.anomalies if a.kind == "audit_log_tampered")
    finally:
        engine.dispose()
