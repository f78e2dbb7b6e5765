"""The tamper-evident log in SQLite and PostgreSQL: accepted with the books, published at EOD, verified
against the books, and proved to an outsider who holds only the proof, the head and the public key."""

from __future__ import annotations

import json
import os
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from creditline.ledger import Account, JournalEntry, credit, debit
from creditline.ledger.transparency import (
    Problem,
    bundle_from_json,
    check_consistency_bundle,
    check_inclusion_bundle,
    load_public_key,
    public_key_pem,
)
from creditline.money import Money
from creditline.store import UnitOfWork
from creditline.store.audit_log import (
    append_unlogged_from_books,
    pending_count,
    prove_between,
    prove_loan,
    publish,
    verify_database,
)
from creditline.store.tables import postings
from creditline.store.tables_audit import audit_log

LOG = "creditline-it"
KEY = Ed25519PrivateKey.generate()


def entry(n: int, day: date) -> JournalEntry:
    amount = Money.of_minor(10_000 + n, "CNY")
    loan = f"loan{n % 3}"
    return JournalEntry(f"je{n}", f"key{n}", day, f"loan-event:ev{n}",
                        (debit(Account.LOANS_PRINCIPAL, amount, n % 64, loan), credit(Account.SETTLEMENT_CASH, amount, n % 64)),
                        borrower_id=f"brw{n % 3}", memo="drawdown for Zhang San")


def write_day(engine, numbers: range, day: date) -> None:
    """What the app layer does per command: the repository writes the entry and its log record together."""
    for n in numbers:
        with UnitOfWork(engine) as uow:
            uow.journal.add(entry(n, day))
            uow.commit()


@pytest.fixture
def books(engine):  # type: ignore[no-untyped-def]
    write_day(engine, range(0, 7), date(2025, 1, 1))
    with UnitOfWork(engine) as uow:
        publish(uow.connection, LOG, date(2025, 1, 1), KEY)
        uow.commit()
    write_day(engine, range(7, 12), date(2025, 1, 2))
    with UnitOfWork(engine) as uow:
        publish(uow.connection, LOG, date(2025, 1, 2), KEY)
        uow.commit()
    return engine


def audit(engine):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:
        return verify_database(uow.connection, LOG, KEY.public_key())


def test_the_log_verifies_and_a_rolled_back_command_leaves_no_record(books) -> None:
    with UnitOfWork(books) as uow:  # no commit: the entry and its record vanish together
        uow.journal.add(entry(99, date(2025, 1, 3)))
    result = audit(books)
    assert result.ok, (result.report.finding, result.books_finding)
    assert (result.report.records_checked, result.report.heads_checked, result.pending, result.unlogged) == (12, 2, 0, 0)


def test_publishing_a_date_twice_returns_the_first_head(books) -> None:
    with UnitOfWork(books) as uow:
        again = publish(uow.connection, LOG, date(2025, 1, 2), KEY)
        uow.commit()
    assert again.head.tree_size == 12


def test_an_amount_edited_in_the_books_is_named(books) -> None:
    with books.begin() as connection:
        connection.execute(update(postings).where((postings.c.entry_id == "je5") & (postings.c.amount_minor > 0))
                           .values(amount_minor=postings.c.amount_minor + 100))
    result = audit(books)
    assert result.report.ok  # the log itself is intact...
    assert result.books_finding is not None and result.books_finding.seq == 5  # ...and names the edited entry
    assert "je5" in result.books_finding.detail


def test_a_log_row_edited_or_deleted_in_sql_is_named(books) -> None:
    with books.begin() as connection:
        leaf = connection.execute(select(audit_log.c.leaf).where(audit_log.c.seq == 8)).scalar_one()
        connection.execute(update(audit_log).where(audit_log.c.seq == 8)
                           .values(leaf=bytes(leaf).replace(b'"amount_minor":10008', b'"amount_minor":10009')))
    result = audit(books)
    assert (result.report.finding.problem, result.report.finding.seq) == (Problem.ALTERED, 8)
    with books.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == 3))
    result = audit(books)
    assert (result.report.finding.problem, result.report.finding.seq) == (Problem.DELETED, 3)


def test_a_loans_records_are_proved_to_someone_with_only_the_public_key(books) -> None:
    with UnitOfWork(books, read_only=True) as uow:
        bundle = prove_loan(uow.connection, "loan1", date(2025, 1, 2))
        consistency = prove_between(uow.connection, date(2025, 1, 1), date(2025, 1, 2))
    outsider_key = load_public_key(public_key_pem(KEY.public_key()))
    wire = json.loads(json.dumps(bundle.to_json()))
    records = check_inclusion_bundle(bundle_from_json(wire), outsider_key)
    assert [r.entry_id for r in records] == ["je1", "je4", "je7", "je10"]
    assert all(b"Zhang" not in r.leaf for r in bundle.records)  # the memo never entered the log
    check_consistency_bundle(bundle_from_json(json.loads(json.dumps(consistency.to_json()))), outsider_key)


def forget_the_log(engine) -> None:  # type: ignore[no-untyped-def]
    """Make the database one from before the app logged its writes: no records, not marked as logged in full."""
    from creditline.store.tables_audit import audit_books_logged

    with engine.begin() as connection:
        connection.execute(delete(audit_log))
        connection.execute(delete(audit_books_logged))


def test_books_written_before_the_log_are_backfilled(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        for n in range(4):
            uow.journal.add(entry(n, date(2025, 1, 1)))
        uow.commit()
    forget_the_log(engine)
    result = audit(engine)
    assert result.ok and result.unlogged == 4  # without --strict, not logged is not tampering here
    with UnitOfWork(engine) as uow:
        assert append_unlogged_from_books(uow.connection) == 4
        assert pending_count(uow.connection) == 4
        publish(uow.connection, LOG, date(2025, 1, 1), KEY)
        uow.commit()
    result = audit(engine)
    assert result.ok and result.unlogged == 0 and result.report.records_checked == 4
    with engine.begin() as connection:  # logged in full now: a record deleted from here on is tampering
        connection.execute(delete(audit_log).where(audit_log.c.record_id == "je2"))
    assert audit(engine).books_finding.problem == Problem.DELETED


def test_cli_publish_verify_prove_and_check(books, tmp_path, monkeypatch, db_url: str) -> None:
    from integration_helpers import cli

    key_file = tmp_path / "audit.key"
    assert cli("audit", "keygen", "--out", str(key_file)).exit_code == 0
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    monkeypatch.setenv("CREDITLINE_AUDIT_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("CREDITLINE_AUDIT_LOG_ID", "cli-log")
    # The fixture's log was signed by another key: verify says so rather than passing.
    assert cli("audit", "verify", "--db", db_url).exit_code == 1

    fresh = tmp_path / "fresh.sqlite"
    url = f"sqlite:///{fresh}"
    from creditline.store import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    write_day(engine, range(5), date(2025, 1, 1))
    published = cli("audit", "publish", "--db", url, "--date", "2025-01-01", "--json")
    assert published.exit_code == 0 and published.json()["tree_size"] == 5
    ok = cli("audit", "verify", "--db", url, "--json")
    assert ok.exit_code == 0 and ok.json()["ok"] is True and ok.json()["records"] == 5
    bundle = tmp_path / "loan1.json"
    assert cli("audit", "prove-loan", "loan1", "--db", url, "--out", str(bundle)).exit_code == 0
    checked = cli("audit", "check-proof", str(bundle), "--public-key", f"{key_file}.pub", "--json")
    assert checked.exit_code == 0 and checked.json() == {"ok": True, "type": "inclusion", "records": 2, "tree_size": 5}

    forged = json.loads(bundle.read_text())
    forged["head"]["root_hash"] = "00" * 32
    bundle.write_text(json.dumps(forged))
    bad = cli("audit", "check-proof", str(bundle), "--public-key", f"{key_file}.pub")
    assert bad.exit_code == 1 and bad.stdout.startswith("INVALID")
    with engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.seq == 2))
    tampered = cli("audit", "verify", "--db", url)
    assert tampered.exit_code == 1 and tampered.stdout.startswith("TAMPERED: record 2 deleted")
    engine.dispose()


def test_the_lending_commands_books_are_logged_and_the_apps_mapping_matches_the_verifiers(db_url: str) -> None:
    """draw/repay log their entries and events themselves; `loan_event_records` (the mapping from domain
    events) is byte-identical to what the commands logged and to what the verifier rebuilds from the rows."""
    from integration_helpers import ok

    from creditline.ledger.transparency import encode_record
    from creditline.store import make_engine
    from creditline.store.audit_log import loan_event_records
    from creditline.store.tables import loan_events

    ok("db", "upgrade", "--db", db_url, "--business-date", "2025-01-01")
    ok("line", "open", "--db", db_url, "--borrower", "B1", "--limit", "20000", "--daily-rate", "0.05", "--line-id", "L1")
    loan = ok("draw", "--db", db_url, "--line", "L1", "--amount", "1000", "--term", "6", "--key", "d1")["loan_id"]
    ok("repay", "--db", db_url, "--loan", loan, "--amount", "300", "--key", "r1")
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        assert append_unlogged_from_books(uow.connection) == 0  # two entries, two events: logged as written
        assert pending_count(uow.connection) == 4
        publish(uow.connection, LOG, date(2025, 1, 1), KEY)
        events = uow.loans.events(loan)
        logged = {bytes(leaf) for leaf in uow.connection.execute(select(audit_log.c.leaf)).scalars()}
        uow.commit()
    assert {encode_record(r) for r in loan_event_records(loan, "B1", events)} <= logged
    result = audit(engine)
    assert result.ok and result.unlogged == 0 and result.report.records_checked == 4
    with engine.begin() as connection:  # someone rewrites what a repayment was
        connection.execute(update(loan_events).where(loan_events.c.kind == "repayment")
                           .values(data_json='{"channel": "forged"}'))
    result = audit(engine)
    assert result.books_finding is not None and result.books_finding.problem is Problem.ALTERED
    engine.dispose()


@pytest.mark.parametrize(
    ("column", "value"),
    [("amount_minor", 0), ("account", "Loans_Principal"), ("shard", -1), ("currency", "cny"), ("loan_id", "loan 1")],
)
def test_a_posting_edited_into_something_no_record_can_hold_is_named_not_a_crash(books, column, value) -> None:
    """An edit that leaves a posting no log record can describe (a zero amount, an account or currency
    in the wrong case, a negative shard, a loan id with a space) is tampering like any other: named, not
    an `InvalidRecord` escaping the verifier."""
    with books.begin() as connection:
        connection.execute(update(postings).where((postings.c.entry_id == "je4") & (postings.c.amount_minor > 0))
                           .values({column: value}))
    result = audit(books)
    assert result.report.ok
    assert result.books_finding is not None
    assert (result.books_finding.problem, result.books_finding.seq) == (Problem.ALTERED, 4)
    assert "je4" in result.books_finding.detail


def test_cli_verify_names_a_posting_edited_to_zero(books, tmp_path, monkeypatch, db_url: str) -> None:
    cli = cli_with_key(tmp_path, monkeypatch)
    assert cli("audit", "verify", "--db", db_url).exit_code == 0
    with books.begin() as connection:
        connection.execute(update(postings).where(postings.c.entry_id == "je9").values(amount_minor=0))
    tampered = cli("audit", "verify", "--db", db_url)
    assert tampered.exit_code == 1, tampered.stderr
    assert tampered.stdout.startswith("TAMPERED: record 9 altered") and "je9" in tampered.stdout


def cli_with_key(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The CLI, with the fixture's signing key and log id in the environment."""
    from integration_helpers import cli

    from creditline.ledger.transparency import private_key_pem

    key_file = tmp_path / "audit.key"
    key_file.write_bytes(private_key_pem(KEY))
    key_file.chmod(0o600)
    monkeypatch.setenv("CREDITLINE_AUDIT_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("CREDITLINE_AUDIT_LOG_ID", LOG)
    return cli


@pytest.mark.parametrize("strict", [(), ("--strict",)], ids=["plain", "strict"])
def test_cli_verify_fails_on_a_deleted_pending_record_with_or_without_strict(
    books, tmp_path, monkeypatch, db_url: str, strict: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    """A record accepted but not yet sequenced, deleted in SQL: its entry stayed in the books and read as
    "not logged", as in a database that predates the log, so verify without --strict exited 0."""
    cli = cli_with_key(tmp_path, monkeypatch)
    write_day(books, range(12, 14), date(2025, 1, 3))  # accepted, not yet sequenced
    assert cli("audit", "verify", "--db", db_url, *strict).exit_code == 0
    with books.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.record_id == "je13"))
    tampered = cli("audit", "verify", "--db", db_url, "--json", *strict)
    assert tampered.exit_code == 1, tampered.stdout
    found = tampered.json()
    assert (found["ok"], found["pending"], found["unlogged"]) == (False, 1, 1)
    assert found["finding"]["problem"] == "deleted" and "journal_entry je13" in found["finding"]["detail"]
    assert cli("audit", "verify", "--db", db_url, *strict).stdout.startswith("TAMPERED: deleted: journal_entry je13")
    refused = cli("audit", "backfill", "--db", db_url)  # re-accepting it would launder the deletion
    assert refused.exit_code == 2 and "je13" in refused.stderr
    assert audit(books).unlogged == 1


def test_publishing_again_on_a_date_with_a_head_still_seals_what_was_written_since(books) -> None:
    """docs/reliability.md: running `audit publish` more often than once a day shortens the window in which
    a record has no receipt. The head of a date is signed once, but what was accepted after it (a
    mid-day publish, then the day's later commands; EOD closing that date) is sequenced and signed."""
    write_day(books, range(12, 15), date(2025, 1, 2))
    with UnitOfWork(books) as uow:
        again = publish(uow.connection, LOG, date(2025, 1, 2), KEY)
        assert pending_count(uow.connection) == 0
        uow.commit()
    assert again.head.tree_size == 12  # the date's head, as first published
    result = audit(books)
    assert result.ok, (result.report.finding, result.books_finding)
    assert (result.report.records_checked, result.pending) == (15, 0)
    with books.begin() as connection:  # a record sealed by the second publish is now protected
        leaf = connection.execute(select(audit_log.c.leaf).where(audit_log.c.seq == 13)).scalar_one()
        connection.execute(update(audit_log).where(audit_log.c.seq == 13)
                           .values(leaf=bytes(leaf).replace(b'"amount_minor":10013', b'"amount_minor":10014')))
    assert (audit(books).report.finding.problem, audit(books).report.finding.seq) == (Problem.ALTERED, 13)


def test_a_head_for_a_date_out_of_order_is_refused_and_the_log_still_verifies(books, tmp_path, monkeypatch, db_url: str) -> None:
    """Heads are per business date and a log never shrinks, so the verifier reports a head smaller than an
    earlier date's as a bad head. `audit publish --date` before the latest head (or after the business
    date, before the heads EOD will sign) would sign exactly that on an honest book: it is refused, exit 2,
    and nothing is published."""
    from integration_helpers import cli

    from creditline.ledger.transparency import private_key_pem
    from creditline.store.audit_log import load_heads

    key_file = tmp_path / "audit.key"
    key_file.write_bytes(private_key_pem(KEY))
    key_file.chmod(0o600)
    monkeypatch.setenv("CREDITLINE_AUDIT_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("CREDITLINE_AUDIT_LOG_ID", LOG)
    with UnitOfWork(books) as uow:
        uow.system.set_business_date(date(2025, 1, 3))
        uow.commit()
    write_day(books, range(12, 14), date(2025, 1, 3))
    for day in ("2024-12-31", "2025-01-04"):
        refused = cli("audit", "publish", "--db", db_url, "--date", day)
        assert refused.exit_code == 2, (day, refused.stdout, refused.stderr)
        assert refused.stderr.startswith("error: --date: "), refused.stderr
    with UnitOfWork(books, read_only=True) as uow:
        assert [h.head.business_date for h in load_heads(uow.connection)] == [date(2025, 1, 1), date(2025, 1, 2)]
        assert pending_count(uow.connection) == 2
    with UnitOfWork(books) as uow:  # what EOD does when it closes the business date
        publish(uow.connection, LOG, date(2025, 1, 3), KEY)
        uow.commit()
    result = audit(books)
    assert result.ok, (result.report.finding, result.books_finding)
    assert (result.report.records_checked, result.report.heads_checked) == (14, 3)


def test_a_bundle_that_cannot_be_written_is_one_line_exit_2(books, tmp_path, db_url: str) -> None:
    """`--out` in a folder that does not exist, or naming a folder: one line naming the option, not a traceback."""
    from integration_helpers import cli

    folder = tmp_path / "proofs"
    folder.mkdir()
    for out in (folder / "missing" / "proof.json", folder):
        for argv in (("prove-loan", "loan1"), ("prove-consistency", "--from", "2025-01-01", "--to", "2025-01-02")):
            result = cli("audit", *argv, "--db", db_url, "--out", str(out))
            assert result.exit_code == 2, (argv, result)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: --out: cannot write "), result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "values",
    [{"signature": None}, {"root_hash": None}, {"root_hash": b"\x01" * 31}, {"leaf_hash": b"\x02" * 33}],
    ids=["signature cleared", "root cleared", "root cut short", "leaf hash too long"],
)
def test_a_receipt_column_cleared_or_cut_is_named_not_a_crash(books, values) -> None:
    """A receipt whose signature or root was cleared (NULL), or whose hash was given the wrong length, is a
    receipt that does not verify: the record is named, not a TypeError or an InvalidProof escaping."""
    with books.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq == 6).values(values))
    finding = audit(books).report.finding
    assert finding is not None and (finding.problem, finding.seq) == (Problem.ALTERED, 6)


def test_a_pending_record_given_a_position_in_sql_is_named_not_a_crash(books) -> None:
    write_day(books, range(12, 13), date(2025, 1, 3))  # accepted, not yet sequenced: no root, no signature
    with books.begin() as connection:
        connection.execute(update(audit_log).where(audit_log.c.seq.is_(None)).values(seq=12))
    finding = audit(books).report.finding
    assert finding is not None and (finding.problem, finding.seq) == (Problem.ALTERED, 12)


@pytest.mark.parametrize(
    "values", [{"root_hash": b"\x03" * 31}, {"tree_size": -1}, {"log_id": ""}],
    ids=["root cut short", "negative size", "no log id"],
)
def test_a_head_edited_into_something_no_head_can_be_is_a_bad_head_not_a_usage_error(books, values) -> None:
    from creditline.store.tables_audit import audit_heads

    with books.begin() as connection:
        connection.execute(update(audit_heads).where(audit_heads.c.business_date == date(2025, 1, 1)).values(values))
    finding = audit(books).report.finding
    assert finding is not None and finding.problem is Problem.BAD_HEAD
    assert "2025-01-01" in finding.detail


def test_prove_consistency_from_a_later_head_names_the_from_option(books, db_url: str) -> None:
    from integration_helpers import cli

    result = cli("audit", "prove-consistency", "--from", "2025-01-02", "--to", "2025-01-01", "--db", db_url)
    assert result.exit_code == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --from: "), result.stderr


def test_a_second_log_id_for_the_same_database_is_refused_by_name(books) -> None:  # type: ignore[no-untyped-def]
    """The database holds one log. CREDITLINE_AUDIT_LOG_ID changed on a running deployment started a
    second frontier at size 0, whose first record took a position the first log's records hold: an
    IntegrityError ended the day's EOD. It is now refused, naming the setting, and nothing changes."""
    from creditline.ledger.transparency.errors import TransparencyError

    write_day(books, range(12, 14), date(2025, 1, 3))
    with UnitOfWork(books) as uow, pytest.raises(TransparencyError) as caught:
        publish(uow.connection, "another-log", date(2025, 1, 3), KEY)
    assert caught.value.field == "CREDITLINE_AUDIT_LOG_ID"
    assert LOG in str(caught.value)
    with UnitOfWork(books) as uow:  # the right log still publishes the day
        head = publish(uow.connection, LOG, date(2025, 1, 3), KEY)
        uow.commit()
    assert head.head.tree_size == 14


@pytest.mark.parametrize("logged", [True, False], ids=["books logged", "books before the log"])
def test_the_migration_marks_only_books_logged_in_full(db_url: str, logged: bool) -> None:
    """Migration 0023: a database whose every entry has its record is marked (a record missing later is a
    deletion); one with books the log never had is left to `audit backfill` and `verify --strict`."""
    from creditline.store import make_engine, upgrade
    from creditline.store.audit_log import books_logged

    engine = make_engine(db_url)
    upgrade(engine, "0020_decisions_date_index")
    write_day(engine, range(3), date(2025, 1, 1))
    if not logged:
        with engine.begin() as connection:
            connection.execute(delete(audit_log).where(audit_log.c.record_id == "je1"))
    upgrade(engine)
    with UnitOfWork(engine) as uow:
        assert books_logged(uow.connection).marked is logged
        assert append_unlogged_from_books(uow.connection) == (0 if logged else 1)
        assert books_logged(uow.connection).in_full
        uow.commit()
    engine.dispose()


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        ("UPDATE journal_entries SET business_date = 'garbage' WHERE entry_id = 'je6'", "record 6 altered: journal_entry je6"),
        ("UPDATE journal_entries SET business_date = '2025-13-01' WHERE entry_id = 'je6'", "record 6 altered: journal_entry je6"),
        ("UPDATE postings SET amount_minor = 'abc' WHERE entry_id = 'je6' AND amount_minor > 0",
         "record 6 altered: journal_entry je6 in the books differs from its log record: no record can hold it "
         "(amount_minor: an amount is an integer count of minor units)"),
        ("UPDATE audit_log SET leaf = 'text' WHERE seq = 6", "record 6 altered"),
        ("UPDATE audit_log SET signature = 100000000000000 WHERE seq = 6", "record 6 altered"),
        ("UPDATE audit_heads SET business_date = 'garbage' WHERE business_date = '2025-01-02'", "bad_head"),
    ],
    ids=["entry-date-text", "entry-date-impossible", "amount-text", "leaf-text", "signature-number", "head-date-text"],
)
def test_a_value_of_another_type_written_in_sqlite_is_named_not_a_crash(
    books, tmp_path, monkeypatch, db_url: str, edit: str, named: str
) -> None:
    """SQLite keeps any value in any column: text in a DATE or an amount, a number in a BLOB. Verify read
    such a row with a traceback (SQLAlchemy's date parsing, `'abc' > 0`, `bytes(str)`) instead of naming
    it; a number in a signature became that many zero bytes."""
    if books.dialect.name != "sqlite":
        pytest.skip("PostgreSQL refuses a value of another type in a column")
    cli = cli_with_key(tmp_path, monkeypatch)
    with books.begin() as connection:
        connection.exec_driver_sql(edit)
    tampered = cli("audit", "verify", "--db", db_url)
    assert tampered.exit_code == 1, tampered.stderr
    assert tampered.stdout.startswith(f"TAMPERED: {named}"), tampered.stdout
    assert not audit(books).ok


@pytest.mark.parametrize("minor", ["abc", b"\x01", None, 1.5, True])
def test_a_posting_amount_that_is_no_integer_is_an_invalid_record_naming_it(minor: object) -> None:
    from creditline.ledger.transparency import InvalidRecord
    from creditline.store.audit_log import journal_record, loan_event_record

    with pytest.raises(InvalidRecord) as caught:
        journal_record("je1", "brw1", date(2025, 1, 1), "loan-event:ev1", [("loans_principal", 0, "loan1", "CNY", minor)])
    assert caught.value.field == "amount_minor"
    with pytest.raises(InvalidRecord) as caught:
        loan_event_record("ev1", "loan1", "brw1", 1, "repayment", date(2025, 1, 1), 1_050, "CNY", None, b"{}")
    assert caught.value.field == "data_json"
    record = journal_record("je1", "brw1", date(2025, 1, 1), "loan-event:ev1",
                            [("loans_principal", 0, "loan1", "CNY", 10_050), ("settlement_cash", 0, None, "CNY", -10_050)])
    assert [(p.side, p.amount_minor) for p in record.postings] == [("debit", 10_050), ("credit", 10_050)]


def test_an_error_the_builders_do_not_expect_is_raised_not_reported_as_tampering(books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`_encoded` caught every TypeError and AttributeError: a bug in a builder read as rows that no record
    can hold. Only InvalidRecord (a column the records refuse) is a finding now."""
    import creditline.store.audit_log as audit_log_module

    def broken(*columns: object) -> None:
        raise TypeError("a bug")

    monkeypatch.setattr(audit_log_module, "journal_record", broken)
    with pytest.raises(TypeError, match="a bug"):
        audit(books)


def forge_entry(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    """A journal entry in the books with no log record (written, then its pending record deleted in SQL)."""
    write_day(engine, range(n, n + 1), date(2025, 1, 3))
    with engine.begin() as connection:
        connection.execute(delete(audit_log).where(audit_log.c.record_id == f"je{n}"))


def test_deleting_the_logged_in_full_mark_and_forging_an_entry_fails_verify_by_name(
    books, tmp_path, monkeypatch, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """`audit_books_logged` was covered by no signature: deleting its row made a forged entry "1 not
    logged" (exit 0) unless --strict. The heads now sign that the books are logged in full."""
    from creditline.store.audit_log import BooksLogged, books_logged
    from creditline.store.tables_audit import audit_books_logged, audit_heads

    cli = cli_with_key(tmp_path, monkeypatch)
    with books.connect() as connection:
        assert connection.execute(select(audit_heads.c.books_logged)).scalars().all() == [True, True]
    assert cli("audit", "verify", "--db", db_url).exit_code == 0, "untouched books verify"
    with books.begin() as connection:
        connection.execute(delete(audit_books_logged))
        assert books_logged(connection) == BooksLogged(marked=False, signed_on=date(2025, 1, 1))  # still in full
    gone = cli("audit", "verify", "--db", db_url)  # the mark alone deleted: the signed heads remember it
    assert gone.exit_code == 1 and gone.stdout.startswith("TAMPERED: deleted: the head of 2025-01-01 is signed"), gone.stdout
    forge_entry(books, 40)
    for strict in ((), ("--strict",)):
        tampered = cli("audit", "verify", "--db", db_url, "--json", *strict)
        assert tampered.exit_code == 1, tampered.stdout
        assert tampered.json()["finding"]["problem"] == "deleted"
        assert tampered.json()["finding"]["detail"].startswith("journal_entry je40 is in the books but its log record is gone")
    refused = cli("audit", "backfill", "--db", db_url)  # back-filling it would launder the forgery
    assert refused.exit_code == 2 and "je40" in refused.stderr
    with books.begin() as connection:  # nor can the statement be taken off a head: its signature covers it
        connection.execute(update(audit_heads).values(books_logged=False))
    unsigned = cli("audit", "verify", "--db", db_url)
    assert unsigned.exit_code == 1 and "signature" in unsigned.stdout, unsigned.stdout


def test_heads_signed_before_the_statement_still_verify(engine) -> None:  # type: ignore[no-untyped-def]
    """A database that predates the log publishes heads without the statement (v1 signatures): they
    verify, and unlogged books there are "not logged", not tampering, until the backfill."""
    from creditline.ledger.transparency.heads import HEAD_PREFIX, TreeHead
    from creditline.store.audit_log import load_heads

    head = TreeHead(LOG, 3, b"\x01" * 32, date(2025, 1, 1))
    assert head.signing_input().startswith(HEAD_PREFIX), "a head without the statement signs the v1 layout"
    with UnitOfWork(engine) as uow:
        for n in range(3):
            uow.journal.add(entry(n, date(2025, 1, 1)))
        uow.commit()
    forget_the_log(engine)
    with UnitOfWork(engine) as uow:
        old = publish(uow.connection, LOG, date(2025, 1, 1), KEY)
        uow.commit()
    assert old.head.books_logged is False and "books_logged" not in old.to_json()
    result = audit(engine)
    assert result.ok and result.unlogged == 3 and result.report.heads_checked == 1
    with UnitOfWork(engine) as uow:
        append_unlogged_from_books(uow.connection)
        new = publish(uow.connection, LOG, date(2025, 1, 2), KEY)
        uow.commit()
    assert new.head.books_logged is True and new.to_json()["books_logged"] is True
    with UnitOfWork(engine, read_only=True) as uow:
        assert [h.head.books_logged for h in load_heads(uow.connection)] == [False, True]
    result = audit(engine)
    assert result.ok and result.unlogged == 0 and result.report.heads_checked == 2
