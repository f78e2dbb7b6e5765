"""Blind indexes for lookups, and purpose-checked, logged reads of personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from creditline.privacy.access import (
    ALLOWED_FIELDS,
    AccessPurpose,
    InMemoryAccessLog,
    PersonalDataAccess,
    StoredField,
)
from creditline.privacy.blind_index import BlindIndexer, IndexedKind, InvalidIndexedValue
from creditline.privacy.consent import ConsentRecord, ConsentScope, Purpose
from creditline.privacy.errors import ConsentMissing
from creditline.privacy.field_crypto import FieldAddress, FieldCipher
from creditline.privacy.keyring import new_keyring
from creditline.privacy.protection_errors import ProcessingRestricted, PurposeNotAllowed

KEYRING = new_keyring()
INDEX = BlindIndexer(KEYRING.blind_index_key)
AT = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def test_spellings_of_one_phone_share_an_index_and_other_phones_do_not() -> None:
    same = {INDEX.index(IndexedKind.PHONE, v) for v in ("13812345678", "138 1234 5678", "+86 138-1234-5678",
                                                          "0086 13812345678")}
    assert len(same) == 1
    assert INDEX.index(IndexedKind.PHONE, "13812345679") not in same
    assert INDEX.index(IndexedKind.ID_NUMBER, "11010519491231002x") == INDEX.index(
        IndexedKind.ID_NUMBER, "11010519491231002X")


def test_an_index_depends_on_the_key_and_the_kind_and_reveals_no_digits() -> None:
    value = "13812345678"
    other = BlindIndexer(new_keyring().blind_index_key)
    assert INDEX.index(IndexedKind.PHONE, value) != other.index(IndexedKind.PHONE, value)
    assert INDEX.index(IndexedKind.PHONE, value) != INDEX.index(IndexedKind.DEVICE_ID, value)
    assert value not in INDEX.index(IndexedKind.PHONE, value)
    assert len(INDEX.index(IndexedKind.PHONE, value)) == 32
    with pytest.raises(InvalidIndexedValue):
        INDEX.index(IndexedKind.PHONE, " - ")


def consent(scope: ConsentScope, purpose: Purpose) -> ConsentRecord:
    return ConsentRecord(scope, "v3", purpose, datetime(2025, 1, 1, tzinfo=UTC))


ASSESSMENT_CONSENTS = [consent(s, Purpose.CREDIT_ASSESSMENT) for s in
                       (ConsentScope.CREDIT_BUREAU_QUERY, ConsentScope.TRANSACTION_DATA, ConsentScope.DEVICE_DATA)]


@pytest.fixture
def setup():
    cipher = FieldCipher(KEYRING)
    log = InMemoryAccessLog()
    values = {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}
    fields = {}
    for name, value in values.items():
        at = FieldAddress("borrowers", name, "brw_1")
        fields[name] = StoredField(at, cipher.encrypt(value, at))
    return PersonalDataAccess(cipher, log), log, fields


def test_a_justified_read_decrypts_and_is_logged_with_its_basis(setup) -> None:
    access, log, fields = setup
    got = access.read(actor="underwriter:7", borrower_id="brw_1", purpose=AccessPurpose.CREDIT_ASSESSMENT,
                      fields={k: fields[k] for k in ("name", "id_number")}, consents=ASSESSMENT_CONSENTS, at=AT)
    assert got == {"name": "张三", "id_number": "11010519491231002X"}
    [entry] = log.entries
    assert (entry.actor, entry.borrower_id, entry.purpose, entry.fields, entry.at, entry.granted) == (
        "underwriter:7", "brw_1", AccessPurpose.CREDIT_ASSESSMENT, ("id_number", "name"), AT, True)
    assert entry.basis == "consent credit_bureau_query@v3, device_data@v3, transaction_data@v3"


def test_a_field_the_purpose_does_not_need_is_refused_and_the_refusal_logged(setup) -> None:
    access, log, fields = setup
    with pytest.raises(PurposeNotAllowed) as err:
        access.read(actor="marketing-job", borrower_id="brw_1", purpose=AccessPurpose.MARKETING,
                    fields={"id_number": fields["id_number"]}, consents=[], at=AT)
    assert err.value.field == "id_number"
    assert [(e.granted, e.fields) for e in log.entries] == [(False, ("id_number",))]


def test_without_consent_nothing_is_decrypted(setup) -> None:
    access, log, fields = setup
    withdrawn = [ConsentRecord(ConsentScope.MARKETING, "v1", Purpose.MARKETING, datetime(2025, 1, 1, tzinfo=UTC),
                               withdrawn_at=datetime(2025, 2, 1, tzinfo=UTC))]
    with pytest.raises(ConsentMissing):
        access.read(actor="crm", borrower_id="brw_1", purpose=AccessPurpose.MARKETING,
                    fields={"phone": fields["phone"]}, consents=withdrawn, at=AT)
    assert log.entries[-1].granted is False and "marketing" in log.entries[-1].basis


def test_servicing_rests_on_the_contract_and_a_restriction_leaves_only_legal_duties_and_own_requests(setup) -> None:
    access, log, fields = setup
    got = access.read(actor="collector:3", borrower_id="brw_1", purpose=AccessPurpose.COLLECTIONS,
                      fields={"phone": fields["phone"]}, consents=[], at=AT)
    assert got == {"phone": "13812345678"} and log.entries[-1].basis == "contract"
    with pytest.raises(ProcessingRestricted):
        access.read(actor="collector:3", borrower_id="brw_1", purpose=AccessPurpose.COLLECTIONS,
                    fields={"phone": fields["phone"]}, consents=[], at=AT, restricted=True)
    got = access.read(actor="aml-officer", borrower_id="brw_1", purpose=AccessPurpose.LEGAL_OBLIGATION,
                      fields=fields, consents=[], at=AT, restricted=True)
    assert got["id_number"] == "11010519491231002X"
    # the borrower's own request (their export) stays open: a restriction stops processing, not their access
    own = access.read(actor="brw_1", borrower_id="brw_1", purpose=AccessPurpose.SUBJECT_REQUEST,
                      fields={"phone": fields["phone"]}, consents=[], at=AT, restricted=True)
    assert own == {"phone": "13812345678"}
    with pytest.raises(ProcessingRestricted):
        access.read(actor="crm", borrower_id="brw_1", purpose=AccessPurpose.MARKETING,
                    fields={"phone": fields["phone"]}, consents=[], at=AT, restricted=True)
    assert [e.granted for e in log.entries] == [True, False, True, True, False]


def test_every_purpose_names_its_fields() -> None:
    assert set(ALLOWED_FIELDS) == set(AccessPurpose)
    assert "id_number" not in ALLOWED_FIELDS[AccessPurpose.MARKETING]
