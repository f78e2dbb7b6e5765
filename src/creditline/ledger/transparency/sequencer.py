"""Give accepted records their place in the log, a signed receipt each, and publish tree heads.

Records are accepted in the same transaction as the journal entry or loan event they describe,
without a position; a single sequencer later numbers them in acceptance order. That is Certificate
Transparency's split between accepting an entry and integrating it: writers never wait on one
global "last position" row, and the tree is built in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from creditline.ledger.transparency.heads import (
    RecordReceipt,
    SignedTreeHead,
    TreeHead,
    sign_head,
    sign_receipt,
)
from creditline.ledger.transparency.merkle import Frontier, leaf_hash

BATCH_RECORDS_MAX = 1_000_000  # one sequencing run; a larger backlog is integrated in several runs


@dataclass(frozen=True, slots=True)
class SequencedRecord:
    seq: int
    leaf: bytes
    receipt: RecordReceipt


def sequence(
    log_id: str, frontier: Frontier, leaves: Iterable[bytes], private_key: Ed25519PrivateKey
) -> tuple[list[SequencedRecord], Frontier]:
    """Number `leaves` after the `frontier`, sign a receipt for each; returns them and the new frontier."""
    out: list[SequencedRecord] = []
    for leaf in leaves:
        assert len(out) < BATCH_RECORDS_MAX, "sequence in batches of at most BATCH_RECORDS_MAX"
        digest = leaf_hash(leaf)
        seq = frontier.size
        frontier = frontier.append(digest)
        out.append(
            SequencedRecord(seq, leaf, sign_receipt(log_id, seq, digest, frontier.root(), private_key))
        )
    return out, frontier


def publish_head(
    log_id: str, frontier: Frontier, business_date: date, private_key: Ed25519PrivateKey, *, books_logged: bool = False
) -> SignedTreeHead:
    """The signed head of the log as the frontier stands, dated with the business date being closed;
    `books_logged` signs, too, that every books record has its log record (none may be missing)."""
    head = TreeHead(log_id, frontier.size, frontier.root(), business_date, books_logged)
    return sign_head(head, private_key)
