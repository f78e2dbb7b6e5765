"""The tamper-evident log as a reader sees it: published heads, a loan's inclusion proofs, consistency.

Each answer is checkable with nothing but itself and the log's public key (`creditline audit
check-proof`), so a borrower or a partner bank need not trust the server that handed it out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine

from creditline.store import UnitOfWork

HEADS_LISTED_MAX = 1000


def published_heads(engine: Engine) -> list[dict[str, Any]]:
    from creditline.store.audit_log import load_heads

    with UnitOfWork(engine, read_only=True) as uow:
        heads = load_heads(uow.connection)
    return [head.to_json() for head in heads[-HEADS_LISTED_MAX:]]


def loan_inclusion_proof(engine: Engine, loan_id: str, on: date | None = None) -> dict[str, Any]:
    from creditline.store.audit_log import prove_loan

    with UnitOfWork(engine, read_only=True) as uow:
        return prove_loan(uow.connection, loan_id, on).to_json()


def consistency_proof(engine: Engine, old: date, new: date) -> dict[str, Any]:
    from creditline.store.audit_log import prove_between

    with UnitOfWork(engine, read_only=True) as uow:
        return prove_between(uow.connection, old, new).to_json()
