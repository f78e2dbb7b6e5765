"""Random tampering with a sequenced log: every alteration, deletion and reordering is caught, and the
verifier names the first record touched. The counts printed here are the figures in docs/reliability.md.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from creditline.ledger.transparency import (
    Frontier,
    JournalEntryRecord,
    LoanEventRecord,
    NamedAmount,
    PostingLine,
    Problem,
    StoredRecord,
    decode_record,
    encode_record,
    leaf_hash,
    publish_head,
    sequence,
    verify_log,
)

LOG = "creditline-tamper"
RECORDS = 120
SINGLE_TRIALS = 360
MULTI_TRIALS = 120


def record(i: int) -> bytes:
    day = date(2025, 1, 1 + i // 10)
    if i % 2:
        return encode_record(LoanEventRecord(f"ev{i}", f"loan{i % 7}", f"brw{i % 5}", i // 14, day, "accrual",
                                             (NamedAmount("interest", 37 + i, "CNY"),)))
    amount = 10_000 + 13 * i
    return encode_record(JournalEntryRecord(f"je{i}", f"brw{i % 5}", day, f"loan-event:ev{i}", (
        PostingLine("settlement_cash", "debit", amount, "CNY", i % 64),
        PostingLine("loans_principal", "credit", amount, "CNY", i % 64, f"loan{i % 7}"),
    )))


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def log(key: Ed25519PrivateKey):
    """A log sequenced over four business days, with a head published at the end of each."""
    rows: list[StoredRecord] = []
    heads = []
    frontier = Frontier()
    for day, chunk in enumerate([range(0, 30), range(30, 61), range(61, 95), range(95, RECORDS)]):
        sequenced, frontier = sequence(LOG, frontier, [record(i) for i in chunk], key)
        rows += [StoredRecord(s.seq, s.leaf, s.receipt) for s in sequenced]
        heads.append(publish_head(LOG, frontier, date(2025, 1, 10 + day), key))
    return rows, heads


def altered_leaf(leaf: bytes) -> bytes:
    """The same record with one amount changed by a cent: the quietest fraud there is."""
    raw = decode_record(leaf)
    if isinstance(raw, JournalEntryRecord):
        postings = tuple(dataclasses.replace(p, amount_minor=p.amount_minor + 1) for p in raw.postings)
        return encode_record(dataclasses.replace(raw, postings=postings))
    amounts = tuple(dataclasses.replace(a, amount_minor=a.amount_minor + 1) for a in raw.amounts)
    return encode_record(dataclasses.replace(raw, amounts=amounts))


def alter(rows: list[StoredRecord], j: int, rng: random.Random) -> None:
    row = rows[j]
    leaf = altered_leaf(row.leaf)
    receipt = row.receipt
    if rng.random() < 0.5:  # the careful forger also updates the hash the receipt states
        receipt = dataclasses.replace(receipt, leaf_hash=leaf_hash(leaf))
    rows[j] = StoredRecord(row.seq, leaf, receipt)


def delete(rows: list[StoredRecord], j: int, rng: random.Random) -> None:
    del rows[j]
    if rng.random() < 0.5:  # close the gap so the sequence numbers look unbroken
        for k in range(j, len(rows)):
            rows[k] = dataclasses.replace(rows[k], seq=k)


def swap(rows: list[StoredRecord], j: int, rng: random.Random) -> None:
    k = rng.randrange(j + 1, len(rows))
    if rng.random() < 0.5:  # rows trade places, each keeping the seq column of its new position
        rows[j], rows[k] = (dataclasses.replace(rows[k], seq=j), dataclasses.replace(rows[j], seq=k))
    else:  # only the record contents trade places
        rows[j], rows[k] = (dataclasses.replace(rows[j], leaf=rows[k].leaf),
                            dataclasses.replace(rows[k], leaf=rows[j].leaf))


OPERATIONS = {"altered": alter, "deleted": delete, "reordered": swap}


def test_the_untouched_log_verifies(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    report = verify_log(LOG, rows, heads, key.public_key())
    assert report.ok, report.finding
    assert report.records_checked == RECORDS and report.heads_checked == 4
    assert report.root_hash == heads[-1].head.root_hash


def test_every_single_tampering_is_detected_and_the_record_named(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    rng = random.Random(9162)
    tried = {name: 0 for name in OPERATIONS}
    named = {name: 0 for name in OPERATIONS}
    for _ in range(SINGLE_TRIALS):
        name = rng.choice(list(OPERATIONS))
        j = rng.randrange(RECORDS - 1 if name == "reordered" else RECORDS)
        tampered = list(rows)
        OPERATIONS[name](tampered, j, rng)
        report = verify_log(LOG, tampered, heads, key.public_key())
        tried[name] += 1
        assert not report.ok, (name, j)
        assert report.finding.seq == j, (name, j, report.finding)
        named[name] += 1
    print(f"\nsingle tampering: tried {tried}, detected and first record named {named}")
    assert named == tried and sum(tried.values()) == SINGLE_TRIALS


def test_several_tamperings_at_once_name_the_earliest(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    rng = random.Random(6962)
    detected = 0
    for _ in range(MULTI_TRIALS):
        positions = sorted(rng.sample(range(RECORDS), rng.randint(2, 5)), reverse=True)
        tampered = list(rows)
        for j in positions:  # from the end, so earlier positions keep their meaning
            (alter if rng.random() < 0.5 else delete)(tampered, j, rng)
        report = verify_log(LOG, tampered, heads, key.public_key())
        assert report.finding is not None and report.finding.seq == positions[-1], (positions, report.finding)
        detected += 1
    print(f"\nmultiple tampering: {detected}/{MULTI_TRIALS} detected, earliest record named")
    assert detected == MULTI_TRIALS


def test_a_log_rebuilt_with_the_key_is_caught_by_the_published_heads(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    leaves = [r.leaf for r in rows]
    leaves[70] = altered_leaf(leaves[70])
    rebuilt, _ = sequence(LOG, Frontier(), leaves, key)  # every receipt re-signed, all self-consistent
    report = verify_log(LOG, [StoredRecord(s.seq, s.leaf, s.receipt) for s in rebuilt], heads, key.public_key())
    assert report.finding is not None and report.finding.problem is Problem.REWRITTEN
    # Heads fall after records 30, 61, 95 and 120: the change at 70 is pinned to records 61..94.
    assert report.finding.seq == 61
    assert "61..94" in report.finding.detail


def test_truncating_the_end_is_caught_by_the_last_head(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    report = verify_log(LOG, rows[:-3], heads, key.public_key())
    assert report.finding is not None
    assert (report.finding.problem, report.finding.seq) == (Problem.DELETED, RECORDS - 3)


def test_a_forged_head_is_reported_before_anything_else(log, key: Ed25519PrivateKey) -> None:
    rows, heads = log
    forged = publish_head(LOG, Frontier(), date(2025, 1, 9), Ed25519PrivateKey.generate())
    report = verify_log(LOG, rows, [*heads, forged], key.public_key())
    assert report.finding is not None and report.finding.problem is Problem.BAD_HEAD
