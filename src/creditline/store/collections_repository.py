"""Reads and writes of the post-loan tables: contacts, outbox, work items, promises, profiles, behaviour
scores, limit reviews, alerts and fraud signals. Repositories take the unit of work's connection and
never commit; rows go in and come out as plain dicts (the app maps them to the domain's values).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from creditline.store.tables_collections import (
    behaviour_scores,
    collection_contact_locks,
    collection_contacts,
    collection_profiles,
    collection_promises,
    collection_work_items,
    ew_alerts,
    ew_fraud_signals,
    limit_reviews,
    notification_outbox,
)
from creditline.store.tables_servicing import chunks

OPEN_ITEM_STATUSES = ("open", "assigned")
LIVE_ALERT_STATUSES = ("open", "acknowledged")
PAGE_MAX = 1000


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


def _one(connection: Connection, query: Any) -> dict[str, Any] | None:
    row = connection.execute(query).mappings().first()
    return None if row is None else dict(row)


class CollectionsRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- profiles ---------------------------------------------------------------------------------
    def profiles(self, borrower_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = sorted(set(borrower_ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), PAGE_MAX):
            query = select(collection_profiles).where(collection_profiles.c.borrower_id.in_(ids[start : start + PAGE_MAX]))
            found |= {row["borrower_id"]: row for row in _rows(self.connection, query)}
        return found

    def set_profile(self, borrower_id: str, time_zone: str, language: str, on: date) -> None:
        self.connection.execute(delete(collection_profiles).where(collection_profiles.c.borrower_id == borrower_id))
        self.connection.execute(
            insert(collection_profiles).values(borrower_id=borrower_id, time_zone=time_zone, language=language, updated_on=on)
        )

    # -- outbox and contacts ----------------------------------------------------------------------
    def outbox_ids(self, dedupe_keys: Sequence[str]) -> dict[str, str]:
        """message_id by dedupe key, of the keys already in the outbox."""
        o = notification_outbox.c
        found: dict[str, str] = {}
        keys = sorted(set(dedupe_keys))
        for start in range(0, len(keys), PAGE_MAX):
            query = select(o.dedupe_key, o.message_id).where(o.dedupe_key.in_(keys[start : start + PAGE_MAX]))
            found |= dict(self.connection.execute(query).all())
        return found

    def add_outbox(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(notification_outbox), list(rows))

    def outbox(self, borrower_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        o = notification_outbox.c
        query = select(notification_outbox).order_by(o.send_at_s, o.message_id).limit(min(limit, PAGE_MAX))
        if borrower_id is not None:
            query = query.where(o.borrower_id == borrower_id)
        return _rows(self.connection, query)

    def recorded_keys(self, dedupe_keys: Sequence[str]) -> set[str]:
        """The keys of automated contacts already recorded."""
        c = collection_contacts.c
        found: set[str] = set()
        keys = sorted(set(dedupe_keys))
        for start in range(0, len(keys), PAGE_MAX):
            query = select(c.dedupe_key).where(c.dedupe_key.in_(keys[start : start + PAGE_MAX]))
            found |= set(self.connection.execute(query).scalars())
        return found

    def add_contact(self, row: dict[str, Any]) -> int:
        result = self.connection.execute(insert(collection_contacts).values(**row))
        return int(result.inserted_primary_key[0])

    def add_contacts(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(collection_contacts), list(rows))

    def lock_contact_histories(self, borrower_ids: Iterable[str]) -> None:
        """Hold the borrowers' contact histories until the transaction ends: what a new contact is counted
        against cannot change before it is written. Every path that counts and then writes takes it.

        PostgreSQL: each borrower's `collection_contact_locks` row, added on first use (a row another
        transaction is adding waits for it), is locked FOR UPDATE in key order, so two batches never
        deadlock. A row lock lives in the row, so a stage may hold one per borrower of the book; SQLite's
        writing transactions are serial already."""
        if self.connection.dialect.name != "postgresql":
            return
        from sqlalchemy.dialects.postgresql import insert as insert_or_skip

        k = collection_contact_locks.c
        ids = sorted(set(borrower_ids))
        for start in range(0, len(ids), PAGE_MAX):
            part = ids[start : start + PAGE_MAX]
            self.connection.execute(insert_or_skip(collection_contact_locks).on_conflict_do_nothing(),
                                    [{"borrower_id": borrower_id} for borrower_id in part])  # fmt: skip
            self.connection.execute(select(k.borrower_id).where(k.borrower_id.in_(part)).order_by(k.borrower_id)
                                    .with_for_update()).all()  # fmt: skip

    def contacts_around(self, borrower_ids: Sequence[str], start_s: int, end_s: int) -> dict[str, list[tuple[str, int]]]:
        """(channel, at_s) of every counted contact of the borrowers between two instants."""
        c = collection_contacts.c
        found: dict[str, list[tuple[str, int]]] = {}
        ids = sorted(set(borrower_ids))
        for start in range(0, len(ids), PAGE_MAX):
            query = select(c.borrower_id, c.channel, c.at_s).where(
                c.borrower_id.in_(ids[start : start + PAGE_MAX]), c.at_s >= start_s, c.at_s <= end_s,
                c.outcome != "suppressed",
            )  # fmt: skip
            for borrower_id, channel, at_s in self.connection.execute(query):
                found.setdefault(borrower_id, []).append((channel, int(at_s)))
        return found

    def contacts(self, *, loan_id: str | None = None, borrower_id: str | None = None, limit: int = 100,
                 before: tuple[int, int] | None = None) -> list[dict[str, Any]]:  # fmt: skip
        """Latest first, at most `limit` (and a page); `before`: only those after (at_s, contact_id) in that order."""
        c = collection_contacts.c
        query = select(collection_contacts).order_by(c.at_s.desc(), c.contact_id.desc()).limit(min(limit, PAGE_MAX))
        if before is not None:
            at_s, contact_id = before
            query = query.where(or_(c.at_s < at_s, and_(c.at_s == at_s, c.contact_id < contact_id)))
        if loan_id is not None:
            query = query.where(c.loan_id == loan_id)
        if borrower_id is not None:
            query = query.where(c.borrower_id == borrower_id)
        return _rows(self.connection, query)

    # -- work items -------------------------------------------------------------------------------
    def item(self, item_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(collection_work_items).where(collection_work_items.c.item_id == item_id)
        return _one(self.connection, query.with_for_update() if for_update else query)

    def add_items(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(collection_work_items), list(rows))

    def save_item(self, item_id: str, values: dict[str, Any]) -> None:
        self.save_items([{"k_item_id": item_id, **values}])

    def save_items(self, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of new values, each with the item's id under `k_item_id` (one executemany)."""
        if rows:
            names = [k for k in rows[0] if k != "k_item_id"]
            statement = (
                update(collection_work_items)
                .where(collection_work_items.c.item_id == bindparam("k_item_id"))
                .values({name: bindparam(name) for name in names})
            )
            self.connection.execute(statement, list(rows))

    def queue(self, *, queue: str | None, status: str | None, assignee: str | None, limit: int) -> list[dict[str, Any]]:
        w = collection_work_items.c
        query = select(collection_work_items).order_by(w.priority.desc(), w.overdue_minor.desc(), w.opened_on, w.item_id)
        conditions = [w.status.in_(OPEN_ITEM_STATUSES)] if status is None else [w.status == status]
        if queue is not None:
            conditions.append(w.queue == queue)
        if assignee is not None:
            conditions.append(w.assignee == assignee)
        return _rows(self.connection, query.where(and_(*conditions)).limit(min(limit, PAGE_MAX)))

    # -- promises ---------------------------------------------------------------------------------
    def add_promise(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(collection_promises).values(**row))

    def pending_promises(self, loan_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        p = collection_promises.c
        query = select(collection_promises).where(p.status == "pending").order_by(p.due_on, p.promise_id)
        if loan_ids is None:
            return _rows(self.connection, query)
        found: list[dict[str, Any]] = []
        ids = sorted(set(loan_ids))
        for start in range(0, len(ids), PAGE_MAX):
            found += _rows(self.connection, query.where(p.loan_id.in_(ids[start : start + PAGE_MAX])))
        return found

    def settle_promise(self, promise_id: str, status: str, paid_minor: int, on: date | None) -> None:
        self.connection.execute(
            update(collection_promises)
            .where(collection_promises.c.promise_id == promise_id)
            .values(status=status, paid_minor=paid_minor, settled_on=on)
        )

    def promises(self, loan_id: str) -> list[dict[str, Any]]:
        p = collection_promises.c
        return _rows(self.connection, select(collection_promises).where(p.loan_id == loan_id).order_by(p.made_on, p.promise_id))


class ReviewRepository:
    """Behaviour scores, limit reviews, early-warning alerts and the fraud signals that feed them."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- behaviour scores -------------------------------------------------------------------------
    def scores(self, borrower_ids: Iterable[str]) -> dict[str, int]:
        ids = sorted(set(borrower_ids))
        found: dict[str, int] = {}
        b = behaviour_scores.c
        for start in range(0, len(ids), PAGE_MAX):
            query = select(b.borrower_id, b.score).where(b.borrower_id.in_(ids[start : start + PAGE_MAX]))
            found |= {borrower_id: int(score) for borrower_id, score in self.connection.execute(query)}
        return found

    def set_score(self, borrower_id: str, score: int, on: date, scorecard: str, inputs: dict, reasons: Sequence[str]) -> None:
        self.set_scores([{"borrower_id": borrower_id, "score": score, "scored_on": on, "scorecard": scorecard,
                          "inputs": inputs, "reasons": reasons}])  # fmt: skip

    def set_scores(self, scores: Sequence[dict[str, Any]]) -> None:
        """Replace the borrowers' scores (one entry per borrower: borrower_id, score, scored_on, scorecard,
        inputs, reasons): one delete and one batch insert."""
        if not scores:
            return
        ids = [s["borrower_id"] for s in scores]
        assert len(set(ids)) == len(ids), "one score per borrower"
        for start in range(0, len(ids), PAGE_MAX):
            self.connection.execute(delete(behaviour_scores).where(behaviour_scores.c.borrower_id.in_(ids[start : start + PAGE_MAX])))
        rows = [{"borrower_id": s["borrower_id"], "score": s["score"], "scored_on": s["scored_on"], "scorecard": s["scorecard"],
                 "inputs_json": json.dumps(s["inputs"], sort_keys=True), "reasons_json": json.dumps(list(s["reasons"]))}
                for s in scores]  # fmt: skip
        self.connection.execute(insert(behaviour_scores), rows)

    # -- limit reviews ----------------------------------------------------------------------------
    def add_review(self, row: dict[str, Any]) -> None:
        self.add_reviews([row])

    def add_reviews(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the reviews in the order given (one batch insert; each row has every column but the id)."""
        if rows:
            self.connection.execute(insert(limit_reviews), list(rows))

    def last_raises(self, line_ids: Sequence[str]) -> dict[str, date]:
        r = limit_reviews.c
        return _newest(self.connection, r.line_id, r.business_date, line_ids, r.action == "raise")

    def cuts(self, line_ids: Sequence[str]) -> dict[str, list[tuple[date, int]]]:
        """Per line: each review that cut its limit, as (day, limit before the cut)."""
        r = limit_reviews.c
        found: dict[str, list[tuple[date, int]]] = {}
        for part in chunks(sorted(set(line_ids)), PAGE_MAX):
            query = select(r.line_id, r.business_date, r.old_limit_minor).where(r.line_id.in_(part), r.action == "lower")
            for line_id, day, old_minor in self.connection.execute(query):
                found.setdefault(line_id, []).append((day, int(old_minor)))
        return found

    def reviews(self, *, line_id: str | None = None, on: date | None = None, limit: int = 100) -> list[dict[str, Any]]:
        r = limit_reviews.c
        query = select(limit_reviews).order_by(r.review_id.desc()).limit(min(limit, PAGE_MAX))
        if line_id is not None:
            query = query.where(r.line_id == line_id)
        if on is not None:
            query = query.where(r.business_date == on)
        return _rows(self.connection, query)

    # -- alerts -----------------------------------------------------------------------------------
    def live_alert_subjects(self, kinds: Sequence[str]) -> set[tuple[str, str]]:
        a = ew_alerts.c
        query = select(a.kind, a.subject).where(a.kind.in_(list(kinds)), a.status.in_(LIVE_ALERT_STATUSES))
        return {(kind, subject) for kind, subject in self.connection.execute(query)}

    def add_alert(self, row: dict[str, Any]) -> int:
        result = self.connection.execute(insert(ew_alerts).values(**row))
        return int(result.inserted_primary_key[0])

    def alert(self, alert_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
        query = select(ew_alerts).where(ew_alerts.c.alert_id == alert_id)
        return _one(self.connection, query.with_for_update() if for_update else query)

    def update_alert(self, alert_id: int, values: dict[str, Any]) -> None:
        self.connection.execute(update(ew_alerts).where(ew_alerts.c.alert_id == alert_id).values(**values))

    def alerts(self, *, status: str | None, scope: str | None, kind: str | None, borrower_id: str | None,
               limit: int) -> list[dict[str, Any]]:  # fmt: skip
        a = ew_alerts.c
        query = select(ew_alerts).order_by(a.alert_id.desc()).limit(min(limit, PAGE_MAX))
        for column, value in ((a.status, status), (a.scope, scope), (a.kind, kind), (a.borrower_id, borrower_id)):
            if value is not None:
                query = query.where(column == value)
        return _rows(self.connection, query)

    def live_signals_by_borrower(self, borrower_ids: Sequence[str]) -> dict[str, set[str]]:
        """Kinds of each borrower's open or acknowledged alerts."""
        a = ew_alerts.c
        found: dict[str, set[str]] = {}
        ids = sorted(set(borrower_ids))
        for start in range(0, len(ids), PAGE_MAX):
            query = select(a.borrower_id, a.kind).where(
                a.borrower_id.in_(ids[start : start + PAGE_MAX]), a.status.in_(LIVE_ALERT_STATUSES)
            )
            for borrower_id, kind in self.connection.execute(query):
                found.setdefault(borrower_id, set()).add(kind)
        return found

    def newest_alerts_by_borrower(self, borrower_ids: Sequence[str]) -> dict[str, date]:
        """The day of each borrower's newest early-warning alert, whatever its status now."""
        a = ew_alerts.c
        return _newest(self.connection, a.borrower_id, a.raised_on, borrower_ids)

    # -- fraud signals ----------------------------------------------------------------------------
    def add_signal(self, row: dict[str, Any]) -> int:
        result = self.connection.execute(insert(ew_fraud_signals).values(alerted=0, **row))
        return int(result.inserted_primary_key[0])

    def unalerted_signals(self, limit: int) -> list[dict[str, Any]]:
        s = ew_fraud_signals.c
        query = select(ew_fraud_signals).where(s.alerted == 0).order_by(s.signal_id).limit(limit)
        return _rows(self.connection, query)

    def mark_alerted(self, signal_ids: Sequence[int]) -> None:
        if signal_ids:
            s = ew_fraud_signals.c
            self.connection.execute(update(ew_fraud_signals).where(s.signal_id.in_(list(signal_ids))).values(alerted=1))


def _newest(connection: Connection, key: Any, day: Any, ids: Sequence[str], *where: Any) -> dict[str, date]:
    """Per id (`key` in `ids`), the latest `day` of its rows meeting `where`, a page of ids at a time."""
    found: dict[str, date] = {}
    for part in chunks(sorted(set(ids)), PAGE_MAX):
        query = select(key, func.max(day)).where(key.in_(part), *where).group_by(key)
        found |= dict(connection.execute(query).all())
    return found
