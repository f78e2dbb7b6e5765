"""Retention decisions, erasure requests, the subject export, and erasure that leaves the books intact."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from creditline.errors import DomainError
from creditline.ledger import Account, JournalEntry, credit, debit, trial_balance
from creditline.ledger.transparency import (
    Frontier,
    StoredRecord,
    encode_record,
    journal_entry_record,
    publish_head,
    sequence,
    verify_log,
)
from creditline.money import Money
from creditline.privacy.access import AccessPurpose, InMemoryAccessLog, PersonalDataAccess, StoredField
from creditline.privacy.field_crypto import FieldAddress, FieldCipher
from creditline.privacy.keyring import new_keyring
from creditline.privacy.retention import (
    DEFAULT_POLICY,
    PERSONAL_FIELDS,
    RetentionAction,
    RetentionPolicy,
    SubjectStatus,
    add_years,
    decide,
    erased_values,
    request_erasure,
)
from creditline.privacy.subject_export import build_export, export_json

CUSTOMER = SubjectStatus("brw_1", became_customer=True, open_obligations=False, relationship_ended_on=date(2025, 6, 30))


def test_a_closed_customer_is_kept_ten_years_then_erased() -> None:
    assert decide(CUSTOMER, date(2035, 6, 29)).action is RetentionAction.KEEP
    decision = decide(CUSTOMER, date(2035, 6, 30))
    assert (decision.action, decision.erase_on) == (RetentionAction.ERASE, date(2035, 6, 30))
    assert decision.fields == PERSONAL_FIELDS


def test_an_erasure_request_during_the_legal_period_restricts_instead() -> None:
    decision = request_erasure(CUSTOMER, date(2026, 1, 5), date(2026, 1, 5))
    assert (decision.action, decision.erase_on) == (RetentionAction.RESTRICT, date(2035, 6, 30))
    open_loan = SubjectStatus("brw_2", True, True, None)
    decision = request_erasure(open_loan, date(2026, 1, 5), date(2026, 1, 5))
    assert (decision.action, decision.erase_on) == (RetentionAction.RESTRICT, None)
    assert "obligations are still open" in decision.reason


def test_a_backdated_request_is_decided_on_the_day_it_is_decided_and_keeps_its_date() -> None:
    # a letter dated before the period ended, decided after it ended: the period has passed, so erase
    decision = request_erasure(CUSTOMER, date(2035, 6, 1), date(2035, 7, 2))
    assert (decision.action, decision.erase_on) == (RetentionAction.ERASE, date(2035, 6, 30))
    assert decision.reason == "the retention period of policy 2025-01 ended on 2035-06-30"
    kept = request_erasure(CUSTOMER, date(2026, 1, 5), date(2026, 3, 1))  # still within it: the letter's date stays
    assert (kept.action, kept.erase_on) == (RetentionAction.RESTRICT, date(2035, 6, 30))
    assert kept.reason == "erasure requested on 2026-01-05; the law needs the data until 2035-06-30"


def test_a_declined_applicant_is_erased_after_three_years_and_on_request_after_that() -> None:
    applicant = SubjectStatus("brw_3", became_customer=False, open_obligations=False, relationship_ended_on=None,
                              applied_on=date(2024, 2, 29))
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
    assert decide(applicant, date(2027, 2, 27)).action is RetentionAction.KEEP
    assert request_erasure(applicant, date(2027, 2, 28), date(2027, 2, 28)).action is RetentionAction.ERASE
    assert decide(SubjectStatus("brw_3", False, False, None, already_erased=True), date(2030, 1, 1)).fields == ()


def test_a_policy_cannot_keep_applicants_longer_than_customers() -> None:
    with pytest.raises(DomainError) as err:
        RetentionPolicy("bad", customer_years_after_end=2, applicant_years_after_rejection=5)
    assert err.value.field == "retention"
    assert DEFAULT_POLICY.customer_years_after_end == 10


def test_the_export_is_json_with_exact_money_and_the_borrowers_own_script() -> None:
    doc = build_export(
        "brw_1", datetime(2026, 1, 5, 9, 30, tzinfo=UTC), {"phone": "13812345678", "name": "张三"},
        {"loans": [{"loan_id": "loan1", "principal": Money.of_minor(1_234_567, "CNY"), "rate_daily": Decimal("0.0003"),
                    "opened_on": date(2025, 1, 2), "purpose": AccessPurpose.LOAN_SERVICING}],
         "consents": []},
    )
    data = export_json(doc)
    parsed = json.loads(data)
    assert "张三".encode() in data
    assert parsed["records"]["loans"][0]["principal"] == {"amount": "12345.67", "currency": "CNY", "minor": 1_234_567}
    assert parsed["records"]["loans"][0]["rate_daily"] == "0.0003"
    assert parsed["personal_data"] == {"name": "张三", "phone": "13812345678"}
    assert parsed["format"] == "creditline-subject-export/v1" and parsed["generated_at"] == "2026-01-05T09:30:00+00:00"
    with pytest.raises(TypeError):
        build_export("brw_1", datetime(2026, 1, 5, tzinfo=UTC), {}, {"loans": [{"amount": 1.5}]})


def test_erasure_keeps_the_journal_balanced_and_the_log_verifiable() -> None:
    """Erase a borrower's personal fields: the books and every published head are untouched."""
    key = Ed25519PrivateKey.generate()
    cipher = FieldCipher(new_keyring())
    borrower = {name: cipher.encrypt(value, FieldAddress("borrowers", name, "brw_1"))
                for name, value in (("name", "张三"), ("id_number", "11010519491231002X"), ("phone", "13812345678"))}
    cny = Money.of_minor
    entries = [
        JournalEntry("je1", "k1", date(2025, 1, 2), "loan-event:ev1",
                     (debit(Account.LOANS_PRINCIPAL, cny(500_000, "CNY"), 7, "loan1"),
                      credit(Account.SETTLEMENT_CASH, cny(500_000, "CNY"), 7)), borrower_id="brw_1"),
        JournalEntry("je2", "k2", date(2025, 6, 30), "loan-event:ev2",
                     (debit(Account.SETTLEMENT_CASH, cny(512_340, "CNY"), 7),
                      credit(Account.LOANS_PRINCIPAL, cny(500_000, "CNY"), 7, "loan1"),
                      credit(Account.INTEREST_INCOME, cny(12_340, "CNY"), 7)), borrower_id="brw_1"),
    ]
    leaves = [encode_record(journal_entry_record(e)) for e in entries]
    sequenced, frontier = sequence("log", Frontier(), leaves, key)
    head = publish_head("log", frontier, date(2025, 6, 30), key)

    decision = request_erasure(CUSTOMER, date(2035, 7, 1), date(2035, 7, 1))
    assert decision.action is RetentionAction.ERASE
    borrower.update(erased_values(tuple(borrower)))  # what the store writes for the borrower row

    assert all(v is None for v in borrower.values())
    access = PersonalDataAccess(cipher, InMemoryAccessLog())
    exported = access.read(actor="brw_1", borrower_id="brw_1", purpose=AccessPurpose.SUBJECT_REQUEST,
                           fields={k: StoredField(FieldAddress("borrowers", k, "brw_1"), v) for k, v in borrower.items()},
                           consents=[], at=datetime(2035, 7, 2, tzinfo=UTC))
    assert exported == {"name": None, "id_number": None, "phone": None}
    rows = [(p.account, p.amount.currency.code, p.debit_minor, p.credit_minor) for e in entries for p in e.postings]
    balances = trial_balance(rows)
    assert balances.balanced and balances.totals() == {"CNY": (12_340, 12_340)}
    report = verify_log("log", [StoredRecord(s.seq, s.leaf, s.receipt) for s in sequenced], [head], key.public_key())
    assert report.ok and report.root_hash == head.head.root_hash


def test_anonymisation_keeps_only_the_birth_decade_and_the_province() -> None:
    from creditline.privacy.retention import anonymised_profile

    assert anonymised_profile("11010519491231002X", None) == {"province_code": "11", "birth_decade": "1940s"}
    assert anonymised_profile(None, date(1987, 5, 4)) == {"birth_decade": "1980s"}
    assert anonymised_profile("not an id", None) == {}
