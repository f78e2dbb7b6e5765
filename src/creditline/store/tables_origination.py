"""Origination tables (migration 0004_origination) and the repository that reads and writes them.

`origination_decisions` keeps one decision record per client key: the outcome, the figures people
query on (PD, limit, price), and the whole record as canonical JSON with its SHA-256, from which
`creditline decision replay` recomputes the outcome. Personal data never lands here: identity
fields appear only as keyed hashes, and the borrower as a pseudonymous id.

`origination_signals` holds the fraud index's source of truth (keyed hashes with their times);
the in-process velocity index and identity graph are rebuilt from it. `origination_reviews` is the
human-review queue: referrals, and borrowers' requests for review of an automated decision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from creditline.store.driver_sql import Rows, execute, execute_many
from creditline.store.tables import ID, KEY, metadata
from creditline.store.types import BigId

origination_decisions = Table(
    "origination_decisions",
    metadata,
    Column("decision_id", String(ID), primary_key=True),
    Column("client_key", String(KEY), nullable=False, unique=True),
    Column("request_hash", String(64), nullable=False),
    Column("borrower_id", String(ID), nullable=True, index=True),  # null when consent was missing
    Column("jurisdiction", String(2), nullable=False),
    Column("product_id", String(ID), nullable=False),
    Column("applied_at", String(40), nullable=False),  # ISO 8601 with its offset, as sent
    Column("business_date", Date, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # decided | referred | reviewed
    Column("strategy", String(16), nullable=False),
    Column("pd", String(20), nullable=True),
    Column("score", Integer, nullable=True),
    Column("fraud_score", String(12), nullable=True),
    Column("limit_minor", BigInteger, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("rate_daily", String(20), nullable=True),
    Column("apr", String(40), nullable=True),
    Column("line_id", String(ID), nullable=True),
    Column("record_json", Text, nullable=False),
    Column("record_sha256", String(64), nullable=False),
    # the line an approval opened (one decision a line), covering its jurisdiction: early warning's region
    # sums join on it (migration 0019)
    Index("ix_origination_decisions_line_id", "line_id", "jurisdiction"),
    # the newest decisions first: the console's model monitoring (migration 0020)
    Index("ix_origination_decisions_business_date", "business_date"),
)

origination_reviews = Table(
    "origination_reviews",
    metadata,
    Column("review_id", BigId, primary_key=True, autoincrement=True),
    Column("decision_id", String(ID), ForeignKey("origination_decisions.decision_id"), nullable=False, index=True),
    Column("borrower_id", String(ID), nullable=True),
    Column("kind", String(24), nullable=False),  # referral | borrower_request
    Column("reason", String(400), nullable=False),
    Column("status", String(16), nullable=False),  # open | approved | declined | upheld
    Column("opened_on", Date, nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("resolver", String(ID), nullable=True),
    Column("note", String(400), nullable=True),
    Index("ix_origination_reviews_status_review_id", "status", "review_id"),
)

origination_signals = Table(
    "origination_signals",
    metadata,
    Column("signal_id", BigId, primary_key=True, autoincrement=True),
    Column("decision_id", String(ID), nullable=False),
    Column("applied_at_s", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # a SignalKind, or "contact"
    Column("signal_key", BigInteger, nullable=False),
    Index("ix_origination_signals_kind_signal_key_applied_at_s", "kind", "signal_key", "applied_at_s"),
)

origination_flags = Table(
    "origination_flags",
    metadata,
    Column("applicant_key", BigInteger, primary_key=True),  # keyed hash of jurisdiction + ID number
    Column("flag", String(16), primary_key=True),  # blacklist | bad_outcome
    Column("reason", String(400), nullable=False),
    Column("flagged_on", Date, nullable=False),
)

# How many erasures have removed signals: a process's in-memory fraud index (`app.apply_setup`) is built
# from `origination_signals` and then only grows, so it reloads when this moves (one row, one counter).
origination_erasures = Table(
    "origination_erasures",
    metadata,
    Column("counter", String(16), primary_key=True),  # "signals"
    Column("erasures", BigInteger, nullable=False),
)
ERASURES_COUNTER = "signals"


# Built once and run on the driver's cursor (`driver_sql`): an application's statements cost more
# through `Connection.execute` (statement building, cache keys, result set-up) than running them.
_DECISION_COLUMNS = tuple(origination_decisions.c.keys())
_SIGNAL_COLUMNS = ("decision_id", "applied_at_s", "kind", "signal_key")
ERASED_DECISIONS_MAX = 10_000  # one borrower's applications an erasure rewrites, at most
_INSERT_DECISION = insert(origination_decisions).values({name: bindparam(name) for name in _DECISION_COLUMNS})
_INSERT_SIGNALS = insert(origination_signals).values({name: bindparam(name) for name in _SIGNAL_COLUMNS})
_INSERT_SIGNALS_UNNEST = text(
    "INSERT INTO origination_signals (decision_id, applied_at_s, kind, signal_key) "
    "SELECT :decision_id, :applied_at_s, s.kind, s.signal_key "
    "FROM unnest(CAST(:kinds AS VARCHAR[]), CAST(:keys AS BIGINT[])) AS s(kind, signal_key)"
)  # PostgreSQL: an application's signals in one statement
_BY_CLIENT_KEY = select(*origination_decisions.c).where(origination_decisions.c.client_key == bindparam("client_key"))
_FLAGGED = select(func.count()).where(
    origination_flags.c.applicant_key == bindparam("applicant_key"), origination_flags.c.flag == bindparam("flag")
)


@dataclass(frozen=True, slots=True)
class SignalHistory:
    """Every stored application's signals in time order, as arrays for the fraud index's bulk load."""

    decision_ids: list[str]
    applied_at_s: np.ndarray
    keys: dict[str, np.ndarray]  # per kind, one key per application (0: absent)
    contacts: np.ndarray  # (applications, contacts_max), 0-padded


class PendingDecision:
    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def first(self) -> dict[str, Any] | None:
        row = self.rows.first()
        return None if row is None else dict(zip(_DECISION_COLUMNS, row, strict=True))


class OriginationRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- decisions ------------------------------------------------------------------------------
    def by_client_key(self, client_key: str) -> dict[str, Any] | None:
        return self.queue_by_client_key(client_key).first()

    def queue_by_client_key(self, client_key: str) -> PendingDecision:
        """`by_client_key`, read once the statement has run (after a pipeline)."""
        return PendingDecision(execute(self.connection, _BY_CLIENT_KEY, {"client_key": client_key}))

    def get(self, decision_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        """The decision; `for_update` locks its row (PostgreSQL; SQLite's write transaction holds the file)."""
        query = select(origination_decisions).where(origination_decisions.c.decision_id == decision_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def add(self, row: dict[str, Any], signals: list[tuple[str, int]], applied_at_s: int) -> None:
        execute(self.connection, _INSERT_DECISION, row)
        if not signals:
            return
        decision_id = row["decision_id"]
        if self.connection.dialect.name == "postgresql":  # one statement for the lot, not one per signal
            kinds, keys = [kind for kind, _ in signals], [key for _, key in signals]
            params = {"decision_id": decision_id, "applied_at_s": applied_at_s, "kinds": kinds, "keys": keys}
            execute(self.connection, _INSERT_SIGNALS_UNNEST, params)
            return
        execute_many(
            self.connection,
            _INSERT_SIGNALS,
            [
                {"decision_id": decision_id, "applied_at_s": applied_at_s, "kind": kind, "signal_key": key}
                for kind, key in signals
            ],
        )

    def set_status(self, decision_id: str, status: str, line_id: str | None = None) -> None:
        values: dict[str, Any] = {"status": status}
        if line_id is not None:
            values["line_id"] = line_id
        self.connection.execute(
            update(origination_decisions).where(origination_decisions.c.decision_id == decision_id).values(**values)
        )

    # -- review queue ---------------------------------------------------------------------------
    def open_review(self, decision_id: str, borrower_id: str | None, kind: str, reason: str, on: date) -> int:
        result = self.connection.execute(
            insert(origination_reviews).values(
                decision_id=decision_id, borrower_id=borrower_id, kind=kind, reason=reason, status="open", opened_on=on
            )
        )
        return int(result.inserted_primary_key[0])

    def has_open_review(self, decision_id: str) -> bool:
        c = origination_reviews.c
        query = select(c.review_id).where(c.decision_id == decision_id, c.status == "open").limit(1)
        return self.connection.execute(query).first() is not None

    def reviews(self, *, status: str | None = "open", limit: int = 100) -> list[dict[str, Any]]:
        query = select(origination_reviews).order_by(origination_reviews.c.review_id).limit(limit)
        if status is not None:
            query = query.where(origination_reviews.c.status == status)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def review(self, review_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
        """The review; `for_update` locks its row (PostgreSQL; SQLite's write transaction holds the file)."""
        query = select(origination_reviews).where(origination_reviews.c.review_id == review_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return None if row is None else dict(row)

    def resolve_review(self, review_id: int, status: str, resolver: str, note: str, on: date) -> None:
        self.connection.execute(
            update(origination_reviews)
            .where(origination_reviews.c.review_id == review_id)
            .values(status=status, resolver=resolver, note=note, resolved_on=on)
        )

    # -- flags and signals ----------------------------------------------------------------------
    def is_flagged(self, applicant_key: int, flag: str) -> bool:
        return self.queue_is_flagged(applicant_key, flag)()

    def queue_is_flagged(self, applicant_key: int, flag: str) -> Callable[[], bool]:
        """`is_flagged` for a pipeline: call the result once the pipeline has run."""
        rows = execute(self.connection, _FLAGGED, {"applicant_key": applicant_key, "flag": flag})

        def flagged() -> bool:
            row = rows.first()
            return bool(row is not None and row[0])

        return flagged

    def flag(self, applicant_key: int, flag: str, reason: str, on: date) -> None:
        if not self.is_flagged(applicant_key, flag):
            self.connection.execute(
                insert(origination_flags).values(applicant_key=applicant_key, flag=flag, reason=reason, flagged_on=on)
            )

    def flagged(self, flag: str) -> frozenset[int]:
        query = select(origination_flags.c.applicant_key).where(origination_flags.c.flag == flag)
        return frozenset(int(k) for k in self.connection.execute(query).scalars())

    def erase_borrower(self, borrower_id: str) -> int:
        """Erasure of a borrower's fraud-signal hashes; returns how many signals went.

        The keyed hashes of their applications' ID number, phone, device, IP, card and contacts
        (`origination_signals`), the flags kept on their ID number's hash (`origination_flags`) and
        the hashed inputs of their decision records: kept, any of them would still link a new
        application, or a list holding the person's numbers, to the erased borrower. No retention
        rule keeps them (docs/privacy.md, "Retention and erasure"). The records keep what replay
        reads; their SHA-256 is taken again, as the record now stands."""
        d = origination_decisions.c
        decisions = self.connection.execute(
            select(d.decision_id, d.record_json).where(d.borrower_id == borrower_id).limit(ERASED_DECISIONS_MAX)
        ).all()
        assert len(decisions) < ERASED_DECISIONS_MAX, f"{borrower_id} has more decisions than an erasure takes"
        ids = [row.decision_id for row in decisions]
        s = origination_signals.c
        id_keys = self.connection.execute(
            select(s.signal_key).where(s.decision_id.in_(ids), s.kind == "id_number")
        ).scalars().all()
        self.connection.execute(delete(origination_flags).where(origination_flags.c.applicant_key.in_(set(id_keys))))
        for decision_id, stored in decisions:
            record = json.loads(stored)
            if record.pop("inputs_hashed", None) is None:
                continue
            record["inputs_erased"] = True
            erased = record_text(record)
            self.connection.execute(
                update(origination_decisions).where(d.decision_id == decision_id)
                .values(record_json=erased, record_sha256=hashlib.sha256(erased.encode()).hexdigest())
            )
        self._count_erasure()
        return self.connection.execute(delete(origination_signals).where(s.decision_id.in_(ids))).rowcount

    def _count_erasure(self) -> None:
        """One more erasure, in the erasing transaction: every process's fraud index sees it and reloads.
        An update of one row, so erasures count in commit order (a sequence's ids need not)."""
        e = origination_erasures.c
        counted = self.connection.execute(
            update(origination_erasures).where(e.counter == ERASURES_COUNTER).values(erasures=e.erasures + 1)
        ).rowcount
        if not counted:  # the row migration 0025 writes is gone: start it again
            self.connection.execute(insert(origination_erasures).values(counter=ERASURES_COUNTER, erasures=1))

    def erasures(self) -> int:
        """How many erasures have removed fraud signals (0 before the first)."""
        e = origination_erasures.c
        found = self.connection.execute(select(e.erasures).where(e.counter == ERASURES_COUNTER)).scalar()
        return int(found or 0)

    def signal_history(self, kinds: tuple[str, ...], contacts_max: int) -> SignalHistory:
        import pandas as pd

        s = origination_signals.c
        query = select(s.decision_id, s.applied_at_s, s.kind, s.signal_key).order_by(s.applied_at_s, s.decision_id)
        rows = self.connection.execute(query).all()
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        frame = pd.DataFrame(dict(zip(("decision", "at", "kind", "key"), columns, strict=True)))
        codes, decisions = pd.factorize(frame["decision"], sort=False)  # first appearance = time order
        count = len(decisions)
        frame["row"] = codes
        times = np.zeros(count, dtype=np.int64)
        times[codes] = frame["at"].to_numpy(dtype=np.int64)
        keys = {}
        for kind in kinds:
            chosen = frame[frame["kind"] == kind]
            column = np.zeros(count, dtype=np.int64)
            column[chosen["row"].to_numpy()] = chosen["key"].to_numpy(dtype=np.int64)
            keys[kind] = column
        listed = frame[frame["kind"] == "contact"]
        slot = listed.groupby("row").cumcount().to_numpy()
        keep = slot < contacts_max
        contacts = np.zeros((count, contacts_max), dtype=np.int64)
        contacts[listed["row"].to_numpy()[keep], slot[keep]] = listed["key"].to_numpy(dtype=np.int64)[keep]
        return SignalHistory(list(decisions), times, keys, contacts)


def record_text(record: dict[str, Any]) -> str:
    """The canonical JSON a record is stored and hashed as."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
