"""Personal data at rest: a stolen SQLite file reads as nothing, lookups work by blind index, every read
is purpose-checked and logged, rotation keeps everything readable, erasure leaves the books and log whole."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from creditline.ledger import Account, JournalEntry, credit, debit
from creditline.money import Money
from creditline.privacy.access import AccessPurpose
from creditline.privacy.consent import ConsentRecord, ConsentScope, Purpose
from creditline.privacy.keyring import new_keyring, write_keyring_file
from creditline.privacy.protection_errors import PurposeNotAllowed
from creditline.store import UnitOfWork, make_engine, upgrade
from creditline.store.audit_log import publish, verify_database
from creditline.store.personal_data import PersonalDataStore, SqlAccessLog
from creditline.store.tables_audit import personal_data

KEYRING = new_keyring("k1")
AT = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PEOPLE = {
    "brw_1": {"name": "张伟", "id_number": "11010519491231002X", "phone": "13812345678"},
    "brw_2": {"name": "李娜", "id_number": "44030419900101123X", "phone": "13912345678"},
    "brw_3": {"name": "Wang Fang", "id_number": "310101198512120019", "phone": "13812345678"},
}
FRAUD_CONSENT = [ConsentRecord(ConsentScope.DEVICE_DATA, "v2", Purpose.FRAUD_PREVENTION, datetime(2025, 1, 1, tzinfo=UTC))]


def store_people(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        vault = PersonalDataStore(uow.connection, KEYRING)
        for borrower_id, values in PEOPLE.items():
            vault.put(borrower_id, values, date(2025, 3, 1))
        uow.commit()


def test_a_stolen_sqlite_file_holds_no_readable_id_number_name_or_phone(tmp_path: Path) -> None:
    path = tmp_path / "stolen.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store_people(engine)
    engine.dispose()  # the thief copies the file and its WAL, as they are on disk
    stolen = b"".join(p.read_bytes() for p in tmp_path.glob("stolen.sqlite*"))
    assert b"personal_data" in stolen and b"enc1:k1:" in stolen and b"brw_3" in stolen  # the rows are there...
    for values in PEOPLE.values():
        for value in values.values():
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                assert value.encode(encoding) not in stolen, value  # ...the people are not
        assert values["phone"][3:].encode() not in stolen  # nor a telling part of a number


def test_lookups_by_blind_index_and_purpose_checked_logged_reads(engine) -> None:  # type: ignore[no-untyped-def]
    store_people(engine)
    with UnitOfWork(engine) as uow:
        vault = PersonalDataStore(uow.connection, KEYRING)
        assert vault.borrowers_with("phone", "+86 138 1234 5678") == ["brw_1", "brw_3"]  # velocity check
        assert vault.borrowers_with("id_number", "44030419900101123x") == ["brw_2"]
        got = vault.read(actor="fraud-engine", borrower_id="brw_2", purpose=AccessPurpose.FRAUD_PREVENTION,
                         fields=["id_number", "phone"], consents=FRAUD_CONSENT, at=AT)
        assert got == {"id_number": "44030419900101123X", "phone": "13912345678"}
        with pytest.raises(PurposeNotAllowed):
            vault.read(actor="fraud-engine", borrower_id="brw_2", purpose=AccessPurpose.FRAUD_PREVENTION,
                       fields=["name"], consents=FRAUD_CONSENT, at=AT)
        log = SqlAccessLog(uow.connection).entries("brw_2")
        uow.commit()
    assert [(e["actor"], e["purpose"], e["fields"], e["granted"]) for e in log] == [
        ("fraud-engine", "fraud_prevention", "id_number,phone", True),
        ("fraud-engine", "fraud_prevention", "name", False),
    ]
    assert log[0]["basis"] == "consent device_data@v2"


def test_rotation_through_the_cli_keeps_every_field_decryptable(engine, db_url: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import cli

    from creditline.app.account_names import sealed, shown
    from creditline.store.tables_identity import identity_accounts

    store_people(engine)
    with UnitOfWork(engine) as uow:  # a borrower's name typed at sign-up, sealed under k1
        uow.connection.execute(identity_accounts.insert().values(
            account_id="AC1", role="borrower", display_name=sealed("AC1", "borrower", "王小明", KEYRING),
            user_handle="h1", status="active", privilege_epoch=0, created_at=0))  # fmt: skip
        uow.commit()
    keyring_file = tmp_path / "keyring.json"
    write_keyring_file(keyring_file, KEYRING)
    monkeypatch.setenv("CREDITLINE_KEYRING_FILE", str(keyring_file))
    assert cli("keys", "add", "--keyring-file", str(keyring_file), "--key-id", "k2").exit_code == 0
    refused = cli("keys", "retire", "--keyring-file", str(keyring_file), "--db", db_url)
    assert refused.exit_code == 2 and "keys rotate first" in refused.stderr
    rotated = cli("keys", "rotate", "--db", db_url, "--batch", "4", "--json")
    assert rotated.exit_code == 0
    assert rotated.json() == {"rotated": 10, "remaining": 0, "current_key": "k2", "account_names": 1}
    assert cli("keys", "retire", "--keyring-file", str(keyring_file), "--db", db_url).exit_code == 0
    from creditline.privacy.keyring import read_keyring_file

    retired = read_keyring_file(keyring_file)
    assert list(retired.data_keys) == ["k2"]
    with UnitOfWork(engine) as uow:
        assert set(uow.connection.execute(select(personal_data.c.key_id)).scalars()) == {"k2"}
        name = uow.connection.execute(select(identity_accounts.c.display_name)).scalar_one()
        assert name.startswith("enc1:k2:") and shown("AC1", name, retired) == "王小明"
        vault = PersonalDataStore(uow.connection, retired)
        for borrower_id, values in PEOPLE.items():
            got = vault.read(actor="aml-officer", borrower_id=borrower_id, purpose=AccessPurpose.LEGAL_OBLIGATION,
                             fields=list(values), consents=[], at=AT)
            assert got == values
        uow.commit()


def test_erasure_keeps_the_books_balanced_and_the_log_verifiable(engine) -> None:  # type: ignore[no-untyped-def]
    key = Ed25519PrivateKey.generate()
    store_people(engine)
    amount = Money.of_minor(300_000, "CNY")
    with UnitOfWork(engine) as uow:
        je = JournalEntry("je1", "k-1", date(2025, 3, 1), "loan-event:ev1",
                          (debit(Account.LOANS_PRINCIPAL, amount, 1, "loan1"), credit(Account.SETTLEMENT_CASH, amount, 1)),
                          borrower_id="brw_1")
        uow.journal.add(je)  # with its log record
        publish(uow.connection, "log", date(2025, 3, 1), key)
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert PersonalDataStore(uow.connection, KEYRING).erase("brw_1") == 3
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        vault = PersonalDataStore(uow.connection, KEYRING)
        assert vault.borrowers_with("phone", "13812345678") == ["brw_3"]
        audit = verify_database(uow.connection, "log", key.public_key())
        from creditline.ledger import trial_balance

        balances = trial_balance(uow.journal.balance_rows())
    assert audit.ok and audit.report.records_checked == 1
    assert balances.balanced and balances.balance(Account.LOANS_PRINCIPAL, "CNY") == 300_000
    assert audit.report.finding is None and audit.books_finding is None


def test_erasure_takes_the_blind_indexes_of_repayment_sources_too(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A repayment source keeps its number in the vault and its blind index beside the source: an erasure
    that left the index let the erased person's account still be found, and still count as shared."""
    from eod_support import books_with_loans
    from test_smart_autodebit import KEYS

    from creditline.app.repayment_accounts import blind_index
    from creditline.app.repayment_sources import AddSource, add_source
    from creditline.privacy.keyring import load_keyring
    from creditline.store.tables_collections import ew_fraud_signals

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    keys = load_keyring(KEYS)
    books_with_loans(engine, 2)
    add_source(engine, AddSource("B000", "test", "WALLET00009999", "wallet", user_verified=True))
    index = blind_index("WALLET00009999", keys)
    with UnitOfWork(engine) as uow:
        assert PersonalDataStore(uow.connection, keys).erase("B000") == 1
        uow.commit()
    with engine.connect() as connection:
        for table in ("personal_data", "repayment_sources"):
            assert index not in str(connection.exec_driver_sql(f"SELECT * FROM {table}").all()), table
    add_source(engine, AddSource("B001", "test", "WALLET00009999", "wallet", user_verified=True))
    with engine.connect() as connection:
        shared = connection.execute(select(ew_fraud_signals.c.detail).where(
            ew_fraud_signals.c.borrower_id == "B001", ew_fraud_signals.c.kind == "shared_repayment_account")).all()
    assert shared == [], "an erased borrower's account is nobody's"


def test_erasure_takes_the_name_the_account_was_made_with(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The name typed at sign-up is the one piece of personal data kept outside the vault (sealed in
    identity_accounts.display_name, docs/privacy.md): an erasure that left it kept the person's name."""
    from test_smart_autodebit import KEYS

    from creditline.app import account_names
    from creditline.app.access import AccessConfig, account_of
    from creditline.app.dev_access import dev_session
    from creditline.app.setup import initialise
    from creditline.identity.passkeys import RelyingParty
    from creditline.privacy.keyring import load_keyring
    from creditline.store.tables_identity import identity_accounts

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    keys = load_keyring(KEYS)
    initialise(engine, date(2025, 3, 1))
    config = AccessConfig(RelyingParty("localhost", "creditline", ("http://localhost",)))
    erased, _ = dev_session(engine, config, "borrower", "欧阳娜娜", borrower_id="brw_erased")
    kept, _ = dev_session(engine, config, "borrower", "李娜", borrower_id="brw_kept")
    assert account_of(engine, erased["account_id"])["display_name"] == "欧阳娜娜"
    with UnitOfWork(engine) as uow:
        PersonalDataStore(uow.connection, keys).erase("brw_erased")
        uow.commit()
    with engine.connect() as connection:
        stored = dict(connection.execute(select(identity_accounts.c.account_id, identity_accounts.c.display_name)).all())
    assert stored[erased["account_id"]] is None
    assert account_names.shown(erased["account_id"], stored[erased["account_id"]]) == erased["account_id"]
    assert account_of(engine, kept["account_id"])["display_name"] == "李娜"


def test_keys_add_and_retire_use_the_keyring_file_from_the_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docs/privacy.md: with CREDITLINE_KEYRING_FILE set, `creditline keys add --key-id k2` makes a new
    current key. It stopped with `Missing option '--keyring-file'` instead."""
    from integration_helpers import cli

    from creditline.privacy.keyring import read_keyring_file

    keyring_file = tmp_path / "keyring.json"
    write_keyring_file(keyring_file, KEYRING)
    monkeypatch.setenv("CREDITLINE_KEYRING_FILE", str(keyring_file))
    added = cli("keys", "add", "--key-id", "k2")
    assert added.exit_code == 0, added.stderr
    assert read_keyring_file(keyring_file).current == "k2"
    db_url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    upgrade(make_engine(db_url))
    retired = cli("keys", "retire", "--db", db_url)
    assert retired.exit_code == 0, retired.stderr
    assert list(read_keyring_file(keyring_file).data_keys) == ["k2"]


def test_erasure_takes_the_fraud_signal_hashes_too(origination_books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The fraud screen keeps keyed hashes of an applicant's ID number, phone, device, card and contacts,
    flags on the ID number's hash, hashed inputs in the decision record, and the monitoring profile's
    device and account hashes. No retention rule keeps them (docs/privacy.md): an erasure that left
    them let the erased person still be linked to a new application or a list of numbers."""
    import json

    from test_origination_forms import BUSINESS_DATE, application

    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.apply_features import signal_key
    from creditline.app.apply_setup import OriginationConfig, pii_salt
    from creditline.app.decision import replay_decision, show_decision
    from creditline.app.monitoring import Screening, screen
    from creditline.risk.fraud import SignalKind
    from creditline.store.tables_borrower_servicing import monitoring_profiles
    from creditline.store.tables_origination import (
        OriginationRepository,
        origination_decisions,
        origination_signals,
    )

    config = OriginationConfig(challenger=None)
    erased_form, kept_form = application(1), application(2)
    erased = apply(origination_books, ApplyForCredit("e-1", erased_form, config))
    kept = apply(origination_books, ApplyForCredit("k-1", kept_form, config))
    assert erased["outcome"] == "approve" and kept["borrower_id"] != erased["borrower_id"], (erased, kept)
    borrower = erased["borrower_id"]
    id_key = signal_key(SignalKind.ID_NUMBER, f"CN:{erased_form['applicant']['id_number']}", salt=pii_salt())
    screen(origination_books, Screening(borrower, "account-change", 1_751_250_000, "phone-of-erased", "card-9"))
    with UnitOfWork(origination_books) as uow:
        for flag in ("blacklist", "bad_outcome"):
            OriginationRepository(uow.connection).flag(id_key, flag, "confirmed identity theft", BUSINESS_DATE)
        uow.commit()
    with origination_books.connect() as connection:
        text = connection.execute(select(origination_decisions.c.record_json).where(
            origination_decisions.c.decision_id == erased["decision_id"])).scalar_one()
        hashes = list(json.loads(text)["inputs_hashed"].values())
        keys = set(connection.execute(select(origination_signals.c.signal_key)).scalars())
    assert id_key in keys and len(hashes) > 5

    with UnitOfWork(origination_books) as uow:
        PersonalDataStore(uow.connection, KEYRING).erase(borrower)
        uow.commit()

    with UnitOfWork(origination_books, read_only=True) as uow:
        repository = OriginationRepository(uow.connection)
        assert not repository.is_flagged(id_key, "blacklist") and not repository.is_flagged(id_key, "bad_outcome")
        left = {r.decision_id: r.signal_key for r in uow.connection.execute(select(origination_signals))}
        profiles = list(uow.connection.execute(select(monitoring_profiles.c.borrower_id)).scalars())
    assert set(left) == {kept["decision_id"]} and id_key not in left.values()
    assert borrower not in profiles
    with origination_books.connect() as connection:
        everything = str([connection.exec_driver_sql(f"SELECT * FROM {t}").all()
                          for t in ("origination_decisions", "origination_signals", "origination_flags")])
    assert not [h for h in hashes if h in everything], "an erased applicant's hashed inputs are gone"
    shown = show_decision(origination_books, erased["decision_id"])
    assert shown["record_intact"] and shown["record"]["inputs_erased"] is True
    assert replay_decision(origination_books, erased["decision_id"])["matches"]
    assert "inputs_hashed" in show_decision(origination_books, kept["decision_id"])["record"]


def test_a_running_process_fraud_index_drops_an_erased_borrowers_signals(origination_books, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The fraud index a process screens applications with is built from `origination_signals` and then
    only grows: after an erasure it still counted the erased applicant's ID number, phone and device until
    the server restarted. The erasure now moves a counter in its transaction, and the process's index
    reloads when it sees the counter moved (read at most every `ERASURES_CHECK_S`)."""
    from test_origination_forms import application

    from creditline.app import apply_setup
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.apply_features import signal_key
    from creditline.app.apply_setup import OriginationConfig, deciders_for, pii_salt
    from creditline.app.catalogue import product_of
    from creditline.app.common import business_date
    from creditline.risk.fraud import SignalKind
    from creditline.store.tables_origination import OriginationRepository

    config = OriginationConfig(challenger=None)
    erased_form, kept_form = application(11), application(12)
    erased = apply(origination_books, ApplyForCredit("ix-e", erased_form, config))
    apply(origination_books, ApplyForCredit("ix-k", kept_form, config))
    salt = pii_salt()
    erased_keys = {SignalKind.ID_NUMBER: signal_key(SignalKind.ID_NUMBER, f"CN:{erased_form['applicant']['id_number']}", salt=salt),
                   SignalKind.DEVICE: signal_key(SignalKind.DEVICE, erased_form["device"]["device_id"], salt=salt)}  # fmt: skip
    kept_id = signal_key(SignalKind.ID_NUMBER, f"CN:{kept_form['applicant']['id_number']}", salt=salt)

    def indexed(kind: SignalKind, key: int) -> int:
        """How many applications this process's fraud index counts for the key (ever)."""
        with UnitOfWork(origination_books, read_only=True) as uow:
            product = product_of(uow, config.product_id, None)
            screen = deciders_for(origination_books, uow, product, business_date(uow), config).screen
        return screen.velocity.count(kind, key, 0, 2**62)

    monkeypatch.setattr(apply_setup, "ERASURES_CHECK_S", 3600.0)  # the process has read the counter: no reload yet
    assert [indexed(k, v) for k, v in erased_keys.items()] == [1, 1] and indexed(SignalKind.ID_NUMBER, kept_id) == 1
    with UnitOfWork(origination_books) as uow:
        PersonalDataStore(uow.connection, KEYRING).erase(erased["borrower_id"])
        assert OriginationRepository(uow.connection).erasures() == 1
        uow.commit()
    assert indexed(SignalKind.ID_NUMBER, erased_keys[SignalKind.ID_NUMBER]) == 1, "not read again within the interval"
    monkeypatch.setattr(apply_setup, "ERASURES_CHECK_S", 0.0)  # the interval has passed
    assert [indexed(k, v) for k, v in erased_keys.items()] == [0, 0], "the erased applicant's signals no longer count"
    assert indexed(SignalKind.ID_NUMBER, kept_id) == 1, "the others' still do"
    again = apply(origination_books, ApplyForCredit("ix-again", application(11), config))
    assert again["borrower_id"] == erased["borrower_id"]
    assert indexed(SignalKind.ID_NUMBER, erased_keys[SignalKind.ID_NUMBER]) == 1, "a new application counts once"
