"""Proof bundles a borrower or a partner bank can check with nothing but the bundle and the public key.

An inclusion bundle carries a signed head and, for each record proved, the record's canonical
bytes, its position and its audit path. A consistency bundle carries two signed heads and the
path that proves the older log is a prefix of the newer one. Both are plain JSON documents.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from creditline.ledger.transparency.errors import InvalidProof
from creditline.ledger.transparency.heads import SignedTreeHead
from creditline.ledger.transparency.merkle import MerkleTree, leaf_hash
from creditline.ledger.transparency.records import LogRecord, decode_record
from creditline.ledger.transparency.verification import verify_consistency, verify_inclusion

BUNDLE_FORMAT = "creditline-proof/v1"
RECORDS_PER_BUNDLE_MAX = 10_000


@dataclass(frozen=True, slots=True)
class ProvedRecord:
    leaf_index: int
    leaf: bytes
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class InclusionBundle:
    head: SignedTreeHead
    records: tuple[ProvedRecord, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "format": BUNDLE_FORMAT,
            "type": "inclusion",
            "head": self.head.to_json(),
            "records": [
                {
                    "leaf_index": r.leaf_index,
                    "leaf": base64.b64encode(r.leaf).decode("ascii"),
                    "path": [p.hex() for p in r.path],
                }
                for r in self.records
            ],
        }


@dataclass(frozen=True, slots=True)
class ConsistencyBundle:
    old_head: SignedTreeHead
    new_head: SignedTreeHead
    path: tuple[bytes, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "format": BUNDLE_FORMAT,
            "type": "consistency",
            "old_head": self.old_head.to_json(),
            "new_head": self.new_head.to_json(),
            "path": [p.hex() for p in self.path],
        }


def prove_inclusion(
    tree: MerkleTree, head: SignedTreeHead, leaves: Sequence[tuple[int, bytes]]
) -> InclusionBundle:
    """Bundle `(leaf_index, leaf)` pairs with their paths in the tree of `head.tree_size` leaves."""
    if len(leaves) > RECORDS_PER_BUNDLE_MAX:
        raise InvalidProof(f"at most {RECORDS_PER_BUNDLE_MAX} records per bundle", field="records")
    if tree.root(head.head.tree_size) != head.head.root_hash:
        raise InvalidProof("the tree does not match the head it is asked to prove against", field="head")
    proved = []
    for index, leaf in leaves:
        if tree.leaf_hash_at(index) != leaf_hash(leaf):
            raise InvalidProof(f"leaf {index} of the tree is not the record given", field="records")
        proved.append(ProvedRecord(index, leaf, tree.inclusion_path(index, head.head.tree_size)))
    return InclusionBundle(head, tuple(proved))


def prove_consistency(
    tree: MerkleTree, old_head: SignedTreeHead, new_head: SignedTreeHead
) -> ConsistencyBundle:
    path = tree.consistency_path(old_head.head.tree_size, new_head.head.tree_size)
    return ConsistencyBundle(old_head, new_head, path)


def check_inclusion_bundle(bundle: InclusionBundle, public_key: Ed25519PublicKey) -> list[LogRecord]:
    """Verify the head's signature and every record's path; returns the records, decoded."""
    bundle.head.verify(public_key)
    head = bundle.head.head
    # An empty bundle proves nothing, and a record listed twice would be counted twice: neither is ok.
    if not bundle.records:
        raise InvalidProof("the bundle proves no record", field="records")
    indices = [proved.leaf_index for proved in bundle.records]
    if len(set(indices)) != len(indices):
        raise InvalidProof("a record is listed more than once", field="records")
    decoded = []
    for proved in bundle.records:
        verify_inclusion(
            proved.leaf_index, head.tree_size, leaf_hash(proved.leaf), proved.path, head.root_hash
        )
        decoded.append(decode_record(proved.leaf))
    return decoded


def check_consistency_bundle(bundle: ConsistencyBundle, public_key: Ed25519PublicKey) -> None:
    old, new = bundle.old_head, bundle.new_head
    old.verify(public_key)
    new.verify(public_key)
    if old.head.log_id != new.head.log_id:
        raise InvalidProof("the two heads are of different logs", field="log_id")
    verify_consistency(
        old.head.tree_size, new.head.tree_size, old.head.root_hash, new.head.root_hash, bundle.path
    )


def bundle_from_json(raw: dict) -> InclusionBundle | ConsistencyBundle:
    """Parse either bundle; malformed input raises `InvalidProof`, never a KeyError."""
    try:
        if raw.get("format") != BUNDLE_FORMAT:
            raise InvalidProof(f"not a {BUNDLE_FORMAT} document", field="format")
        if raw["type"] == "inclusion":
            records = raw["records"]
            if len(records) > RECORDS_PER_BUNDLE_MAX:
                raise InvalidProof(f"at most {RECORDS_PER_BUNDLE_MAX} records per bundle", field="records")
            proved = tuple(
                ProvedRecord(
                    int(r["leaf_index"]),
                    base64.b64decode(r["leaf"], validate=True),
                    tuple(bytes.fromhex(p) for p in r["path"]),
                )
                for r in records
            )
            return InclusionBundle(SignedTreeHead.from_json(raw["head"]), proved)
        if raw["type"] == "consistency":
            return ConsistencyBundle(
                SignedTreeHead.from_json(raw["old_head"]),
                SignedTreeHead.from_json(raw["new_head"]),
                tuple(bytes.fromhex(p) for p in raw["path"]),
            )
    except InvalidProof:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidProof(f"malformed proof bundle: {exc}", field="bundle") from exc
    raise InvalidProof("type is inclusion or consistency", field="type")
