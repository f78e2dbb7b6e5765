"""The leaf encoding: canonical, versioned, round-trips, and keeps personal data out."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.ledger.transparency import (
    InvalidRecord,
    JournalEntryRecord,
    LoanEventRecord,
    NamedAmount,
    PostingLine,
    decode_record,
    encode_record,
)


def entry(**overrides) -> JournalEntryRecord:
    values = dict(
        entry_id="je_000123", borrower_id="brw_7f3a", business_date=date(2025, 3, 1),
        reference="loan-event:ev_9", postings=(
            PostingLine("loans_principal", "debit", 100_000, "CNY", 3, "loan_42"),
            PostingLine("settlement_cash", "credit", 100_000, "CNY", 3),
        ),
    )
    values.update(overrides)
    return JournalEntryRecord(**values)


def test_a_journal_entry_encodes_to_fixed_canonical_bytes() -> None:
    assert encode_record(entry()) == (
        b'{"borrower_id":"brw_7f3a","business_date":"2025-03-01","entry_id":"je_000123",'
        b'"postings":[{"account":"loans_principal","amount_minor":100000,"currency":"CNY","loan_id":"loan_42",'
        b'"shard":3,"side":"debit"},{"account":"settlement_cash","amount_minor":100000,"currency":"CNY","shard":3,'
        b'"side":"credit"}],"reference":"loan-event:ev_9","type":"journal_entry","v":1}'
    )
    assert entry().loan_ids == ("loan_42",)


ids = st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z")
amounts = st.integers(0, 10**15)


@given(
    ids, ids, ids, st.integers(0, 10**6), st.dates(),
    st.lists(st.tuples(ids, st.integers(-(10**15), 10**15)), max_size=5),
    st.none() | ids, st.none() | st.from_regex(r"\A[0-9a-f]{64}\Z"),
)
def test_loan_events_round_trip(event_id, loan_id, borrower_id, sequence, day, named, reverses, digest) -> None:
    record = LoanEventRecord(event_id, loan_id, borrower_id, sequence, day, "repayment",
                             tuple(NamedAmount(n, a, "CNY") for n, a in named), reverses, digest)
    data = encode_record(record)
    assert decode_record(data) == record


@given(ids, ids, amounts)
def test_journal_entries_round_trip(entry_id, borrower_id, amount) -> None:
    record = entry(entry_id=entry_id, borrower_id=borrower_id,
                   postings=(PostingLine("interest_receivable", "debit", amount + 1, "USD", 0, "l1"),
                             PostingLine("interest_income", "credit", amount + 1, "USD", 0)))
    assert decode_record(encode_record(record)) == record


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("borrower_id", "11010519491231002X"),  # an ID number is never a pseudonymous id
        ("borrower_id", "13812345678"),  # nor a mobile number
        ("borrower_id", "+8613812345678"),
        ("borrower_id", "Zhang San"),  # nor a name
        ("borrower_id", "zhang@example.com"),
        ("entry_id", ""),
        ("reference", "memo: paid by Zhang San"),
    ],
)
def test_personal_or_malformed_values_never_enter_the_log(field: str, value: str) -> None:
    with pytest.raises(InvalidRecord) as err:
        entry(**{field: value})
    assert err.value.field == field


def test_amounts_are_integer_minor_units_and_never_floats() -> None:
    with pytest.raises(InvalidRecord):
        PostingLine("loans_principal", "debit", 100.0, "CNY")  # type: ignore[arg-type]
    with pytest.raises(InvalidRecord):
        PostingLine("loans_principal", "debit", -5, "CNY")
    with pytest.raises(InvalidRecord):
        PostingLine("loans_principal", "debit", 0, "CNY")
    with pytest.raises(InvalidRecord):
        decode_record(encode_record(entry()).replace(b'"amount_minor":100000,', b'"amount_minor":1000.5,', 1))


@pytest.mark.parametrize(
    "data",
    [
        b'{"v":1, "type":"journal_entry"}',
        b'{"v":2}',
        b"not json",
        b"\xff\xfe",
    ],
)
def test_non_canonical_or_unknown_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidRecord):
        decode_record(data)


def test_reordered_keys_are_not_canonical() -> None:
    canonical = encode_record(entry())
    spaced = canonical.replace(b'"v":1}', b'"v": 1}')
    with pytest.raises(InvalidRecord):
        decode_record(spaced)


def test_a_ledger_journal_entry_maps_to_its_record_without_memo_or_key() -> None:
    from creditline.ledger import Account, JournalEntry, credit, debit
    from creditline.ledger.transparency import journal_entry_record
    from creditline.money import Money

    amount = Money.of_minor(50_000, "CNY")
    je = JournalEntry("je1", "idem-Zhang-San-13812345678", date(2025, 3, 2), "loan-event:ev1",
                      (debit(Account.LOANS_PRINCIPAL, amount, 5, "loan1"), credit(Account.SETTLEMENT_CASH, amount, 5)),
                      borrower_id="brw1", memo="for Zhang San")
    record = journal_entry_record(je)
    assert record.postings == (PostingLine("loans_principal", "debit", 50_000, "CNY", 5, "loan1"),
                               PostingLine("settlement_cash", "credit", 50_000, "CNY", 5))
    data = encode_record(record)
    assert b"Zhang" not in data and b"13812345678" not in data
    assert decode_record(data) == record
