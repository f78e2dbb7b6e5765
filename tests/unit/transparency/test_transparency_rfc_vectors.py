"""Roots and proofs against independent RFC 6962/9162 test vectors and against the pymerkle package.

The vectors are the Certificate Transparency reference ones: eight leaves and the tree heads of
sizes 1..8, with known inclusion and consistency paths, as published in Google's C++ CT log
(merkle_tree_test.cc) and kept in transparency-dev/merkle (proof/verify_test.go, Apache-2.0).
They are data, not code: a root either equals these bytes or our tree is not RFC 9162's.
"""

from __future__ import annotations

import pytest

from creditline.ledger.transparency import (
    EMPTY_ROOT,
    InvalidProof,
    MerkleTree,
    leaf_hash,
    root_from_inclusion_path,
    root_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [bytes.fromhex(h) for h in
          ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [bytes.fromhex(h) for h in [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # size 0: SHA-256("")
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]


def _h(*hexes: str) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(x) for x in hexes)


# (0-based leaf index, tree size, path): the vectors' 1-based leaf numbers minus one.
INCLUSION = [
    (0, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, _h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, _h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (0, 1, ()),
]
CONSISTENCY = [
    (1, 8, _h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
              "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, _h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
              "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, _h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
              "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
              "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (1, 1, ()),
]


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    return MerkleTree.of_data(LEAVES)


def test_the_empty_tree_hashes_the_empty_string() -> None:
    assert ROOTS[0] == EMPTY_ROOT
    assert root_of([]) == ROOTS[0]
    assert MerkleTree().root() == ROOTS[0]


def test_leaf_hash_prefixes_a_zero_byte() -> None:
    assert leaf_hash(b"") == ROOTS[1]


@pytest.mark.parametrize("size", range(9))
def test_roots_of_every_size_match_the_reference(tree: MerkleTree, size: int) -> None:
    assert tree.root(size) == ROOTS[size]
    assert root_of([leaf_hash(x) for x in LEAVES[:size]]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_paths_match_the_reference(tree: MerkleTree, index: int, size: int, path: tuple) -> None:
    assert tree.inclusion_path(index, size) == path
    verify_inclusion(index, size, leaf_hash(LEAVES[index]), path, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_paths_match_the_reference(tree: MerkleTree, old: int, new: int, path: tuple) -> None:
    assert tree.consistency_path(old, new) == path
    verify_consistency(old, new, ROOTS[old], ROOTS[new], path)


def _corrupt_inclusion(index: int, size: int, path: tuple[bytes, ...]):
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    yield index + 1, size, leaf_hash(LEAVES[index]), path, ROOTS[size]
    if index > 0:
        yield index - 1, size, leaf_hash(LEAVES[index]), path, ROOTS[size]
    yield index, size * 2, leaf_hash(LEAVES[index]), path, ROOTS[size]
    yield index, size, leaf_hash(b"wrong"), path, ROOTS[size]
    yield index, size, leaf_hash(LEAVES[index]), path, some
    yield index, size, leaf_hash(LEAVES[index]), (*path, ROOTS[size]), ROOTS[size]
    yield index, size, leaf_hash(LEAVES[index]), (ROOTS[size], *path), ROOTS[size]
    for i in range(len(path)):
        flipped = bytes([path[i][0] ^ 8]) + path[i][1:]
        yield index, size, leaf_hash(LEAVES[index]), (*path[:i], flipped, *path[i + 1 :]), ROOTS[size]
    if path:
        yield index, size, leaf_hash(LEAVES[index]), path[:-1], ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_every_corruption_of_an_inclusion_proof_is_rejected(index: int, size: int, path: tuple) -> None:
    corruptions = list(_corrupt_inclusion(index, size, path))
    for args in corruptions:
        with pytest.raises(InvalidProof):
            verify_inclusion(*args)
    assert len(corruptions) >= 6


@pytest.mark.parametrize(("old", "new", "path"), [c for c in CONSISTENCY if c[2]])
def test_every_corruption_of_a_consistency_proof_is_rejected(old: int, new: int, path: tuple) -> None:
    r1, r2 = ROOTS[old], ROOTS[new]
    cases = [
        (old - 1, new, r1, r2, path), (old + 1, new, r1, r2, path), (old ^ 2, new, r1, r2, path),
        (old, new * 2, r1, r2, path), (old, new // 2, r1, r2, path),
        (old, new, ROOTS[0], r2, path), (old, new, r1, ROOTS[0], path), (old, new, r2, r1, path),
        (old, new, r1, r2, ()), (old, new, r1, r2, (*path, r1)), (old, new, r1, r2, (r2, *path)),
        (old, new, r1, r2, (path[0], *path)), (old, new, r1, r2, path[:-1]),
    ]
    for i in range(len(path)):
        cases.append((old, new, r1, r2, (*path[:i], bytes([path[i][0] ^ 16]) + path[i][1:], *path[i + 1 :])))
    for args in cases:
        if args[0] == args[1] and args[2] == args[3] and not args[4]:
            continue  # the one probe that is honestly valid (same size, same root, empty proof)
        with pytest.raises(InvalidProof):
            verify_consistency(*args)


def test_root_from_path_refuses_indices_outside_the_tree() -> None:
    for index, size in [(0, 0), (1, 1), (2, 1)]:
        with pytest.raises(InvalidProof):
            root_from_inclusion_path(index, size, ROOTS[1], ())


def test_pymerkle_computes_the_same_roots_and_paths() -> None:
    pymerkle = pytest.importorskip("pymerkle")
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    ours = MerkleTree()
    for i in range(70):
        data = i.to_bytes(2, "big") * (i % 5)
        theirs.append_entry(data)
        ours.append(data)
    for size in range(1, 71):
        assert ours.root(size) == theirs.get_root(size), size
        for index in range(0, size, 7):
            # pymerkle's path starts with the leaf itself (1-based index); the rest is RFC's PATH.
            their_path = tuple(bytes.fromhex(h) for h in theirs.prove_inclusion(index + 1, size).serialize()["path"])
            assert ours.inclusion_path(index, size) == their_path[1:], (index, size)
        for old in range(1, size, 5):
            # pymerkle's consistency proofs use their own layout, so ours are checked against its roots.
            verify_consistency(old, size, theirs.get_root(old), theirs.get_root(size), ours.consistency_path(old, size))
