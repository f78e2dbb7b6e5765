"""RFC 9162 Merkle tree hashing: leaf and node hashes, tree roots, inclusion and consistency paths.

The shapes follow RFC 9162 section 2.1 exactly (the same as RFC 6962): a leaf hash is
SHA-256(0x00 || data), an interior node SHA-256(0x01 || left || right), and a tree of n leaves
splits at k, the largest power of two smaller than n. The domain prefixes are what stop a leaf
being passed off as an interior node (a second-preimage attack on unprefixed trees).

`MerkleTree` keeps every complete subtree hash (about 2n hashes) so that a root or a proof for any
earlier size costs O(log n) hashes; `Frontier` keeps only the O(log n) hashes needed to append and
compute the current root, which is all a sequencer must remember between runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from creditline.ledger.transparency.errors import InvalidProof

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """k: the largest power of two strictly smaller than `size` (size >= 2)."""
    assert size >= 2, size
    return 1 << ((size - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) straight from the definition; the reference the faster paths are tested against."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class MerkleTree:
    """An append-only tree of leaf hashes that answers roots and proofs for any size it has held."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        # _levels[h][i] is the hash of the complete subtree of 2**h leaves starting at leaf i * 2**h.
        self._levels: list[list[bytes]] = [[]]
        for digest in leaf_hashes:
            self.append_hash(digest)

    @classmethod
    def of_data(cls, leaves: Iterable[bytes]) -> MerkleTree:
        return cls(leaf_hash(data) for data in leaves)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        """Append one leaf's data; returns its index."""
        return self.append_hash(leaf_hash(data))

    def append_hash(self, digest: bytes) -> int:
        assert len(digest) == HASH_SIZE, len(digest)
        index = self.size
        self._levels[0].append(digest)
        height = 0
        # A new complete subtree closes at every level where the count just became even.
        while len(self._levels[height]) % 2 == 0:
            below = self._levels[height]
            if height + 1 == len(self._levels):
                self._levels.append([])
            self._levels[height + 1].append(node_hash(below[-2], below[-1]))
            height += 1
        return index

    def leaf_hash_at(self, index: int) -> bytes:
        return self._levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        size = self._checked_size(size)
        return self._range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_path(self, index: int, size: int | None = None) -> tuple[bytes, ...]:
        """PATH(m, D[n]) of RFC 9162 2.1.3.1, nearest sibling first."""
        size = self._checked_size(size)
        if not 0 <= index < size:
            raise InvalidProof(f"leaf {index} is not in a tree of {size} leaves", field="leaf_index")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = split_point(end - start)
            if index < start + k:
                path.append(self._range_hash(start + k, end))
                end = start + k
            else:
                path.append(self._range_hash(start, start + k))
                start += k
        return tuple(reversed(path))

    def consistency_path(self, old_size: int, new_size: int | None = None) -> tuple[bytes, ...]:
        """PROOF(m, D[n]) of RFC 9162 2.1.4.1; empty when either tree is empty or the sizes are equal."""
        new_size = self._checked_size(new_size)
        if not 0 <= old_size <= new_size:
            raise InvalidProof(f"cannot prove {old_size} leaves consistent with {new_size}", field="old_size")
        if old_size in (0, new_size):
            return ()
        path: list[bytes] = []
        start, end, whole = 0, new_size, True
        while old_size != end - start:
            k = split_point(end - start)
            if old_size <= k:
                path.append(self._range_hash(start + k, end))
                end = start + k
            else:
                path.append(self._range_hash(start, start + k))
                old_size -= k
                start += k
                whole = False
        if not whole:
            path.append(self._range_hash(start, end))
        return tuple(reversed(path))

    def _checked_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise InvalidProof(f"the tree holds {self.size} leaves, not {size}", field="tree_size")
        return size

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves [start, end) for the ranges RFC 9162's recursion produces."""
        width = end - start
        height = width.bit_length() - 1
        if width == 1 << height and start % width == 0:
            return self._levels[height][start >> height]
        k = split_point(width)
        return node_hash(self._range_hash(start, start + k), self._range_hash(start + k, end))


@dataclass(frozen=True, slots=True)
class Frontier:
    """The complete subtrees covering [0, size), left to right: enough to append and to compute the root."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != self.size.bit_count():
            raise InvalidProof(
                f"a frontier of {self.size} leaves holds {max(self.size, 0).bit_count()} hashes, not {len(self.hashes)}",
                field="frontier",
            )

    def append(self, digest: bytes) -> Frontier:
        assert len(digest) == HASH_SIZE, len(digest)
        hashes = [*self.hashes, digest]
        size = self.size + 1
        # Each trailing 1 bit of the old size is a subtree of the same height as the carry: merge it.
        carries = (size ^ (size - 1)).bit_length() - 1
        for _ in range(carries):
            right = hashes.pop()
            left = hashes.pop()
            hashes.append(node_hash(left, right))
        return Frontier(size, tuple(hashes))

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            acc = node_hash(left, acc)
        return acc
