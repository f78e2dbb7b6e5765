"""Verify inclusion and consistency proofs with nothing but the hashes: RFC 9162 2.1.3.2 and 2.1.4.2.

These functions are what a borrower or a partner bank runs; they never need the log itself.
Each raises `InvalidProof` naming what failed instead of returning False, so a caller cannot
forget to look at the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from creditline.ledger.transparency.errors import InvalidProof
from creditline.ledger.transparency.merkle import HASH_SIZE, node_hash

PATH_LENGTH_MAX = 64  # a tree of 2**64 leaves needs no longer path; anything longer is garbage


def _check_hashes(values: Sequence[bytes], field: str) -> None:
    if len(values) > PATH_LENGTH_MAX:
        raise InvalidProof(f"a path of {len(values)} hashes is longer than any tree needs", field=field)
    for value in values:
        if len(value) != HASH_SIZE:
            raise InvalidProof(f"every hash is {HASH_SIZE} bytes, one is {len(value)}", field=field)


def _shift_until_odd_or_zero(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn >>= 1
        sn >>= 1
    return fn, sn


def root_from_inclusion_path(
    leaf_index: int, tree_size: int, leaf_digest: bytes, path: Sequence[bytes]
) -> bytes:
    """The root the path leads to from the leaf (RFC 9162 2.1.3.2 steps 1-4)."""
    if not 0 <= leaf_index < tree_size:
        raise InvalidProof(f"leaf {leaf_index} is not in a tree of {tree_size} leaves", field="leaf_index")
    _check_hashes([leaf_digest], "leaf_hash")
    _check_hashes(path, "path")
    fn, sn = leaf_index, tree_size - 1
    r = leaf_digest
    for p in path:
        if sn == 0:
            raise InvalidProof("the path is longer than the tree is deep", field="path")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if fn & 1 == 0:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the path is shorter than the tree is deep", field="path")
    return r


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_digest: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Raise unless `path` proves the leaf hash sits at `leaf_index` in the tree with `root`."""
    if root_from_inclusion_path(leaf_index, tree_size, leaf_digest, path) != root:
        raise InvalidProof(
            f"leaf {leaf_index} is not in the tree of {tree_size} leaves with that root", field="path"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """Raise unless `path` proves the tree of `old_size` leaves is a prefix of the one of `new_size`."""
    _check_hashes([old_root, new_root], "root_hash")
    _check_hashes(path, "path")
    if not 0 <= old_size <= new_size:
        raise InvalidProof(
            f"a log never shrinks: {old_size} leaves cannot precede {new_size}", field="old_size"
        )
    if old_size == new_size:
        if path or old_root != new_root:
            raise InvalidProof("two heads of one size must have one root and an empty proof", field="path")
        return
    if old_size == 0:
        if path:  # every tree extends the empty one; a non-empty proof is a malformed one
            raise InvalidProof("a proof from the empty tree is empty", field="path")
        return
    if not path:
        raise InvalidProof("a non-trivial consistency proof cannot be empty", field="path")
    _walk_consistency(old_size, new_size, old_root, new_root, path)


def _walk_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    # RFC 9162 2.1.4.2 steps 2-7.
    hashes = list(path)
    if old_size & (old_size - 1) == 0:
        hashes.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            raise InvalidProof("the proof is longer than the tree is deep", field="path")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if fn & 1 == 0:
                fn, sn = _shift_until_odd_or_zero(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof("the proof is shorter than the tree is deep", field="path")
    if fr != old_root:
        raise InvalidProof(
            f"the proof does not lead to the root of the {old_size}-leaf tree", field="old_root"
        )
    if sr != new_root:
        raise InvalidProof(
            f"the proof does not lead to the root of the {new_size}-leaf tree", field="new_root"
        )
