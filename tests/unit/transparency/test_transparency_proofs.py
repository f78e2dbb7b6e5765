"""Signed heads and proof bundles, checked by an outsider holding only the bundle and the public key."""

from __future__ import annotations

import json
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from creditline.ledger.transparency import (
    Frontier,
    InvalidKey,
    InvalidProof,
    InvalidSignature,
    LoanEventRecord,
    MerkleTree,
    NamedAmount,
    SignedTreeHead,
    bundle_from_json,
    check_consistency_bundle,
    check_inclusion_bundle,
    encode_record,
    load_private_key,
    load_public_key,
    private_key_pem,
    prove_consistency,
    prove_inclusion,
    public_key_pem,
    publish_head,
    sequence,
)

LOG = "creditline-test"


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def events(n: int, start: int = 0) -> list[bytes]:
    return [
        encode_record(LoanEventRecord(f"ev{i}", f"loan{i % 3}", "brw_1", i // 3, date(2025, 1, 1 + i % 28),
                                      "repayment", (NamedAmount("principal", 1000 + i, "CNY"),)))
        for i in range(start, start + n)
    ]


def test_a_head_survives_json_and_verifies_with_the_public_key_alone(key: Ed25519PrivateKey) -> None:
    frontier = Frontier()
    for leaf in events(5):
        frontier = frontier.append(MerkleTree.of_data([leaf]).leaf_hash_at(0))
    head = publish_head(LOG, frontier, date(2025, 1, 31), key)
    public_only = load_public_key(public_key_pem(key.public_key()))
    again = SignedTreeHead.from_json(json.loads(json.dumps(head.to_json())))
    assert again == head
    again.verify(public_only)
    assert again.head.tree_size == 5


def test_a_head_edited_after_signing_or_signed_by_another_key_fails(key: Ed25519PrivateKey) -> None:
    head = publish_head(LOG, Frontier(), date(2025, 1, 31), key).to_json()
    head["tree_size"] = 1
    with pytest.raises(InvalidSignature):
        SignedTreeHead.from_json(head).verify(key.public_key())
    other = Ed25519PrivateKey.generate()
    with pytest.raises(InvalidSignature):
        publish_head(LOG, Frontier(), date(2025, 1, 31), other).verify(key.public_key())


def test_inclusion_bundle_for_one_loans_records(key: Ed25519PrivateKey) -> None:
    leaves = events(40)
    records, frontier = sequence(LOG, Frontier(), leaves, key)
    tree = MerkleTree.of_data(leaves)
    head = publish_head(LOG, frontier, date(2025, 2, 1), key)
    mine = [(r.seq, r.leaf) for r in records if b'"loan_id":"loan1"' in r.leaf]
    bundle = prove_inclusion(tree, head, mine)
    wire = json.loads(json.dumps(bundle.to_json()))
    proved = check_inclusion_bundle(bundle_from_json(wire), key.public_key())
    assert [r.loan_id for r in proved] == ["loan1"] * len(mine) and len(mine) == 13

    forged = json.loads(json.dumps(wire))
    forged["records"][0]["leaf"] = wire["records"][1]["leaf"]  # someone else's record in its place
    with pytest.raises(InvalidProof):
        check_inclusion_bundle(bundle_from_json(forged), key.public_key())

    # A bundle emptied of its records, or with one record twice, was "ok: 0 records" or counted it twice.
    emptied = json.loads(json.dumps(wire)) | {"records": []}
    doubled = json.loads(json.dumps(wire))
    doubled["records"].append(wire["records"][0])
    for bad in (emptied, doubled):
        with pytest.raises(InvalidProof) as caught:
            check_inclusion_bundle(bundle_from_json(bad), key.public_key())
        assert caught.value.field == "records"


def test_consistency_bundle_between_two_eod_heads(key: Ed25519PrivateKey) -> None:
    day1, day2 = events(13), events(21, start=13)
    _, frontier1 = sequence(LOG, Frontier(), day1, key)
    head1 = publish_head(LOG, frontier1, date(2025, 2, 1), key)
    _, frontier2 = sequence(LOG, frontier1, day2, key)
    head2 = publish_head(LOG, frontier2, date(2025, 2, 2), key)
    tree = MerkleTree.of_data(day1 + day2)
    bundle = bundle_from_json(json.loads(json.dumps(prove_consistency(tree, head1, head2).to_json())))
    check_consistency_bundle(bundle, key.public_key())

    # A fork: the same first day rewritten, signed with the same key, cannot be proved consistent.
    rewritten = [*day1[:5], events(1, start=99)[0], *day1[6:]]
    _, forked = sequence(LOG, Frontier(), rewritten, key)
    fork_head = publish_head(LOG, forked, date(2025, 2, 1), key)
    with pytest.raises(InvalidProof):
        check_consistency_bundle(type(bundle)(fork_head, head2, bundle.path), key.public_key())


def test_receipts_promise_position_leaf_and_root(key: Ed25519PrivateKey) -> None:
    leaves = events(9)
    records, frontier = sequence(LOG, Frontier(), leaves, key)
    tree = MerkleTree.of_data(leaves)
    for r in records:
        r.receipt.verify(key.public_key())
        assert r.receipt.root_hash == tree.root(r.seq + 1)
    assert frontier.root() == tree.root()


@pytest.mark.parametrize(
    "raw",
    [{}, {"format": "creditline-proof/v1", "type": "other"}, {"format": "creditline-proof/v1", "type": "inclusion"},
     {"format": "creditline-proof/v1", "type": "consistency", "old_head": {}, "new_head": {}, "path": []}, []],
)
def test_malformed_bundles_are_typed_errors(raw) -> None:
    with pytest.raises(InvalidProof):
        bundle_from_json(raw)


def test_keys_round_trip_and_garbage_is_refused(key: Ed25519PrivateKey) -> None:
    assert load_private_key(private_key_pem(key)).public_key() == key.public_key()
    with pytest.raises(InvalidKey):
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
