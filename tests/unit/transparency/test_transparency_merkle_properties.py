"""Properties of the tree for every size: fast paths equal the definition, every proof verifies, none lies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.ledger.transparency import (
    Frontier,
    InvalidProof,
    MerkleTree,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

leaves = st.lists(st.binary(max_size=12), min_size=1, max_size=80)


def test_frontier_and_tree_agree_with_the_definition_for_sizes_0_to_130() -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(130)]
    tree, frontier = MerkleTree(), Frontier()
    for size in range(131):
        assert tree.root() == frontier.root() == root_of(hashes[:size]), size
        assert len(frontier.hashes) == size.bit_count()
        if size < 130:
            tree.append_hash(hashes[size])
            frontier = frontier.append(hashes[size])
    for size in range(131):
        assert tree.root(size) == root_of(hashes[:size])


@given(leaves, st.data())
def test_every_inclusion_proof_verifies_and_a_changed_leaf_does_not(data: list[bytes], draw: st.DataObject) -> None:
    tree = MerkleTree.of_data(data)
    size = draw.draw(st.integers(1, len(data)))
    index = draw.draw(st.integers(0, size - 1))
    path = tree.inclusion_path(index, size)
    verify_inclusion(index, size, leaf_hash(data[index]), path, tree.root(size))
    with pytest.raises(InvalidProof):
        verify_inclusion(index, size, leaf_hash(data[index] + b"x"), path, tree.root(size))


@given(leaves, st.data())
def test_every_consistency_proof_verifies_and_a_rewritten_history_does_not(
    data: list[bytes], draw: st.DataObject
) -> None:
    tree = MerkleTree.of_data(data)
    new = draw.draw(st.integers(1, len(data)))
    old = draw.draw(st.integers(1, new))
    path = tree.consistency_path(old, new)
    verify_consistency(old, new, tree.root(old), tree.root(new), path)
    if old < new:
        changed = draw.draw(st.integers(0, old - 1))
        forged = MerkleTree.of_data([*data[:changed], data[changed] + b"!", *data[changed + 1 :]])
        with pytest.raises(InvalidProof):
            verify_consistency(old, new, forged.root(old), tree.root(new), path)


def test_sizes_beyond_the_tree_are_refused() -> None:
    tree = MerkleTree.of_data([b"a", b"b"])
    for call in (lambda: tree.root(3), lambda: tree.inclusion_path(2), lambda: tree.consistency_path(3, 2)):
        with pytest.raises(InvalidProof):
            call()


def test_a_frontier_with_the_wrong_number_of_hashes_is_refused() -> None:
    with pytest.raises(InvalidProof):
        Frontier(3, (leaf_hash(b"a"),))
