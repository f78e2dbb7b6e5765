"""Tamper-evident log throughput: tree appends, signed sequencing, proofs, verification, and the store path.

`main(smoke)` returns one row per measurement: operations, seconds, operations per second.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path


def _records(n: int) -> list[bytes]:
    from creditline.ledger.transparency import JournalEntryRecord, PostingLine, encode_record

    return [
        encode_record(JournalEntryRecord(
            f"je{i}", f"brw{i % 997}", date(2025, 1, 1), f"loan-event:ev{i}",
            (PostingLine("loans_principal", "debit", 10_000 + i, "CNY", i % 64, f"loan{i % 5003}"),
             PostingLine("settlement_cash", "credit", 10_000 + i, "CNY", i % 64)),
        ))
        for i in range(n)
    ]


def _row(name: str, operations: int, seconds: float, **extra: object) -> dict:
    return {"name": name, "operations": operations, "seconds": round(seconds, 4),
            "per_second": round(operations / seconds) if seconds else None, **extra}


def _pure(n_tree: int, n_signed: int, n_proofs: int) -> list[dict]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import (
        Frontier,
        MerkleTree,
        StoredRecord,
        leaf_hash,
        publish_head,
        sequence,
        verify_consistency,
        verify_inclusion,
        verify_log,
    )

    leaves = _records(n_tree)
    rows = []
    start = time.perf_counter()
    tree = MerkleTree.of_data(leaves)
    rows.append(_row("merkle append (hash leaf + nodes)", n_tree, time.perf_counter() - start))

    start = time.perf_counter()
    for i in range(n_proofs):
        index = (i * 7919) % n_tree
        verify_inclusion(index, n_tree, leaf_hash(leaves[index]), tree.inclusion_path(index), tree.root())
    rows.append(_row("inclusion proof build + verify", n_proofs, time.perf_counter() - start, tree_size=n_tree))

    start = time.perf_counter()
    for i in range(n_proofs):
        old = 1 + (i * 7919) % (n_tree - 1)
        verify_consistency(old, n_tree, tree.root(old), tree.root(), tree.consistency_path(old))
    rows.append(_row("consistency proof build + verify", n_proofs, time.perf_counter() - start, tree_size=n_tree))

    key = Ed25519PrivateKey.generate()
    start = time.perf_counter()
    sequenced, frontier = sequence("bench", Frontier(), leaves[:n_signed], key)
    rows.append(_row("sequence with signed receipts", n_signed, time.perf_counter() - start))
    head = publish_head("bench", frontier, date(2025, 1, 1), key)
    stored = [StoredRecord(s.seq, s.leaf, s.receipt) for s in sequenced]
    start = time.perf_counter()
    report = verify_log("bench", stored, [head], key.public_key())
    assert report.ok
    rows.append(_row("verify log (receipts + heads)", n_signed, time.perf_counter() - start))
    return rows


def _store(n: int) -> list[dict]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import decode_record
    from creditline.store import UnitOfWork, make_engine, upgrade
    from creditline.store.audit_log import append_records, publish, verify_database

    key = Ed25519PrivateKey.generate()
    records = [decode_record(leaf) for leaf in _records(n)]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade(engine)
        start = time.perf_counter()
        for record in records:  # one transaction per record, as a command would
            with UnitOfWork(engine) as uow:
                append_records(uow, [record])
                uow.commit()
        rows.append(_row("sqlite append, one transaction per record", n, time.perf_counter() - start))
        start = time.perf_counter()
        with UnitOfWork(engine) as uow:
            publish(uow.connection, "bench", date(2025, 1, 1), key)
            uow.commit()
        rows.append(_row("sqlite sequence + sign + publish head", n, time.perf_counter() - start))
        start = time.perf_counter()
        with UnitOfWork(engine, read_only=True) as uow:
            audit = verify_database(uow.connection, "bench", key.public_key())
        assert audit.report.ok and audit.report.records_checked == n
        rows.append(_row("sqlite audit verify", n, time.perf_counter() - start))
        engine.dispose()
    return rows


def main(smoke: bool) -> list[dict]:
    if smoke:
        return _pure(2_000, 500, 200) + _store(200)
    return _pure(1_000_000, 50_000, 20_000) + _store(20_000)


if __name__ == "__main__":
    import json
    import sys

    for result in main(smoke="--smoke" in sys.argv):
        print(json.dumps(result))
