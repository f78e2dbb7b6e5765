"""Recompute the log from its stored records and name the first record altered, deleted or moved.

Two kinds of evidence are checked. Each record's signed receipt binds its position, its leaf hash
and the root after it: without the signing key nobody can edit, drop or swap a record and keep the
receipts true, so the first receipt that fails names the record. The published heads, which
outsiders keep, catch what receipts cannot: a log rewritten by someone holding the key, and records
dropped from the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from creditline.ledger.transparency.errors import InvalidProof, InvalidSignature
from creditline.ledger.transparency.heads import RecordReceipt, SignedTreeHead
from creditline.ledger.transparency.merkle import EMPTY_ROOT, Frontier, leaf_hash


class Problem(StrEnum):
    ALTERED = "altered"
    DELETED = "deleted"
    REORDERED = "reordered"
    REWRITTEN = "rewritten"  # receipts hold but a published head does not: history redone with the key
    BAD_HEAD = "bad_head"


@dataclass(frozen=True, slots=True)
class StoredRecord:
    seq: int
    leaf: bytes
    receipt: RecordReceipt


@dataclass(frozen=True, slots=True)
class Finding:
    problem: Problem
    seq: int | None  # the first record position affected; None for a head that is itself bad
    detail: str


@dataclass(frozen=True, slots=True)
class LogReport:
    records_checked: int
    heads_checked: int
    root_hash: bytes
    finding: Finding | None

    @property
    def ok(self) -> bool:
        return self.finding is None


def verify_log(
    log_id: str,
    records: Iterable[StoredRecord],
    heads: Sequence[SignedTreeHead],
    public_key: Ed25519PublicKey,
) -> LogReport:
    """Check `records` (in stored order, which should be seq order) against receipts and `heads`."""
    rows = list(records)
    head_finding = _check_heads(log_id, heads, public_key)
    if head_finding:
        return LogReport(0, 0, EMPTY_ROOT, head_finding)
    # Receipts are verified once each, in order; the indexes below are only consulted, and their
    # candidates verified, on the way to naming a problem.
    verified: dict[int, bool] = {}

    def valid(position: int) -> bool:
        if position not in verified:
            verified[position] = _receipt_holds(log_id, rows[position].receipt, public_key)
        return verified[position]

    positions_by_claim: dict[int, list[int]] = defaultdict(list)
    positions_by_leaf: dict[bytes, list[int]] = defaultdict(list)
    for position, row in enumerate(rows):
        positions_by_claim[row.receipt.seq].append(position)
        positions_by_leaf[row.receipt.leaf_hash].append(position)
    heads_by_size: dict[int, list[SignedTreeHead]] = defaultdict(list)
    for sth in heads:
        heads_by_size[sth.head.tree_size].append(sth)

    frontier = Frontier()
    last_good_head_size = 0
    finding = _heads_at(heads_by_size, 0, frontier, last_good_head_size)
    for position, row in enumerate(rows):
        if finding:
            break
        finding = _check_row(position, row, valid, positions_by_claim, positions_by_leaf)
        if finding:
            break
        frontier = frontier.append(row.receipt.leaf_hash)
        if frontier.root() != row.receipt.root_hash:
            finding = Finding(
                Problem.ALTERED, position, "the root after this record is not the one its receipt signed"
            )
            break
        finding = _heads_at(heads_by_size, frontier.size, frontier, last_good_head_size)
        if frontier.size in heads_by_size:
            last_good_head_size = frontier.size
    if finding is None:
        finding = _heads_beyond(heads, len(rows))
    return LogReport(frontier.size, len(heads), frontier.root(), finding)


def _receipt_holds(log_id: str, receipt: RecordReceipt, public_key: Ed25519PublicKey) -> bool:
    if receipt.log_id != log_id:
        return False
    try:
        receipt.verify(public_key)
    except (InvalidSignature, InvalidProof):  # InvalidProof: a hash of the wrong length, as stored
        return False
    return True


def _check_heads(
    log_id: str, heads: Sequence[SignedTreeHead], public_key: Ed25519PublicKey
) -> Finding | None:
    for sth in heads:
        if sth.head.log_id != log_id:
            return Finding(
                Problem.BAD_HEAD, None, f"the head of {sth.head.business_date} is of log {sth.head.log_id}"
            )
        try:
            sth.verify(public_key)
        except InvalidSignature as exc:
            return Finding(Problem.BAD_HEAD, None, f"the head of {sth.head.business_date}: {exc.message}")
    # Heads are per business date; an idle day repeats the size before it, but a log never shrinks.
    dated = sorted(heads, key=lambda sth: sth.head.business_date)
    for before, after in pairwise(dated):
        if after.head.tree_size < before.head.tree_size:
            return Finding(
                Problem.BAD_HEAD,
                None,
                f"the head of {after.head.business_date} covers "
                f"{after.head.tree_size} records, fewer than {before.head.business_date}'s {before.head.tree_size}",
            )
    return None


def _check_row(
    position: int,
    row: StoredRecord,
    valid: Callable[[int], bool],
    positions_by_claim: dict[int, list[int]],
    positions_by_leaf: dict[bytes, list[int]],
) -> Finding | None:
    if not valid(position):
        return Finding(Problem.ALTERED, position, "its receipt does not verify under the log's public key")
    claimed = row.receipt.seq
    if claimed > position:
        if any(p > position and valid(p) for p in positions_by_claim.get(position, ())):
            return Finding(
                Problem.REORDERED, position, f"record {claimed} stands where record {position} belongs"
            )
        return Finding(
            Problem.DELETED, position, f"record {position} is missing; the next one is record {claimed}"
        )
    if claimed < position:
        return Finding(Problem.REORDERED, position, f"record {claimed} appears again at position {position}")
    if row.seq != position:
        return Finding(Problem.ALTERED, position, f"its sequence number was changed to {row.seq}")
    if leaf_hash(row.leaf) != row.receipt.leaf_hash:
        moved_from = [p for p in positions_by_leaf.get(leaf_hash(row.leaf), ()) if p != position and valid(p)]
        if moved_from:
            return Finding(Problem.REORDERED, position, f"its content is that of record {moved_from[0]}")
        return Finding(Problem.ALTERED, position, "its content is not what its receipt signed")
    return None


def _heads_at(
    heads_by_size: dict[int, list[SignedTreeHead]], size: int, frontier: Frontier, last_good_head_size: int
) -> Finding | None:
    for sth in heads_by_size.get(size, ()):
        if sth.head.root_hash != frontier.root():
            return Finding(
                Problem.REWRITTEN,
                last_good_head_size,
                f"records {last_good_head_size}..{size - 1} do not match the head published for "
                f"{sth.head.business_date}: the log was rebuilt with the signing key",
            )
    return None


def _heads_beyond(heads: Sequence[SignedTreeHead], size: int) -> Finding | None:
    longer = [sth for sth in heads if sth.head.tree_size > size]
    if not longer:
        return None
    sth = max(longer, key=lambda s: s.head.tree_size)
    return Finding(
        Problem.DELETED,
        size,
        f"the head published for {sth.head.business_date} covers {sth.head.tree_size} records; the log holds {size}",
    )
