"""The collections stage's batch reads and writes on the driver's cursor.

The stage reads a few thousand keys at a time (scores, profiles, contact histories, keys already
recorded) and writes a batch of outbox messages and contacts at a time. SQLAlchemy's IN lists cost a
bound parameter object per key and its inserts a processing pass per value; here an IN list is one
`?` per key on the driver's cursor, and a batch of rows is one prepared statement (executemany) on
SQLite and COPY on PostgreSQL. Same rows as `store.collections_repository` (tested through the
stage's own tests, which read them back with the repository).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from creditline.app.eod_bulk import insert_rows as insert_rows  # the stage's batch writes (re-exported)
from creditline.app.eod_bulk import stored_date as stored_date
from creditline.store.tables_servicing import chunks, driver_rows

OUTBOX_COLUMNS = ("message_id", "dedupe_key", "borrower_id", "loan_id", "channel", "purpose", "template_id",
                  "template_version", "language", "text", "send_at_s", "status", "business_date")  # fmt: skip
CONTACT_COLUMNS = ("dedupe_key", "borrower_id", "loan_id", "channel", "party", "purpose", "template_id",
                   "template_version", "message_id", "at_s", "time_zone", "local_time", "outcome", "business_date",
                   "strategy", "note")  # fmt: skip


def _in(connection: Connection, sql: str, keys: Iterable[str], extra: Sequence[Any] = ()) -> list[tuple]:
    """`sql` with `{keys}` replaced by a `?` list, run over chunks of the sorted distinct keys."""
    found: list[tuple] = []
    for part in chunks(sorted(set(keys))):
        found += driver_rows(connection, sql.format(keys=", ".join("?" * len(part))), (*part, *extra))
    return found


def scores(connection: Connection, borrower_ids: Iterable[str]) -> dict[str, int]:
    rows = _in(connection, "SELECT borrower_id, score FROM behaviour_scores WHERE borrower_id IN ({keys})", borrower_ids)
    return {borrower_id: int(score) for borrower_id, score in rows}


def profiles(connection: Connection, borrower_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    sql = "SELECT borrower_id, time_zone, language FROM collection_profiles WHERE borrower_id IN ({keys})"
    return {b: {"time_zone": zone, "language": language} for b, zone, language in _in(connection, sql, borrower_ids)}


def contacts_around(connection: Connection, borrower_ids: Iterable[str], start_s: int,
                    end_s: int) -> dict[str, list[tuple[str, int]]]:  # fmt: skip
    """(channel, at_s) of every counted contact of the borrowers between two instants."""
    sql = ("SELECT borrower_id, channel, at_s FROM collection_contacts WHERE borrower_id IN ({keys}) "
           "AND at_s >= ? AND at_s <= ? AND outcome != 'suppressed'")  # fmt: skip
    found: dict[str, list[tuple[str, int]]] = {}
    for borrower_id, channel, at_s in _in(connection, sql, borrower_ids, (start_s, end_s)):
        found.setdefault(borrower_id, []).append((channel, int(at_s)))
    return found


def hardship_asked(connection: Connection, borrower_ids: Iterable[str], since: Any, since_s: int) -> set[str]:
    """Loans of the borrowers with a contact ending in a hardship request recorded on or after the business date
    `since` (`since_s`, an instant no later than that date began anywhere, keeps the read on the borrower index)."""
    sql = ("SELECT loan_id FROM collection_contacts WHERE borrower_id IN ({keys}) AND at_s >= ? "
           "AND outcome = 'hardship' AND business_date >= ?")  # fmt: skip
    return {loan_id for (loan_id,) in _in(connection, sql, borrower_ids, (since_s, since)) if loan_id is not None}


def recorded_keys(connection: Connection, dedupe_keys: Iterable[str]) -> set[str]:
    sql = "SELECT dedupe_key FROM collection_contacts WHERE dedupe_key IN ({keys})"
    return {key for (key,) in _in(connection, sql, dedupe_keys)}


def outbox_ids(connection: Connection, dedupe_keys: Iterable[str]) -> dict[str, str]:
    sql = "SELECT dedupe_key, message_id FROM notification_outbox WHERE dedupe_key IN ({keys})"
    return dict(_in(connection, sql, dedupe_keys))  # type: ignore[arg-type]


def open_items(connection: Connection) -> dict[str, dict[str, Any]]:
    """Every open work item by loan (typed rows, as `CollectionsRepository` reads a work item)."""
    from sqlalchemy import select

    from creditline.store.collections_repository import OPEN_ITEM_STATUSES
    from creditline.store.tables_collections import collection_work_items

    query = select(collection_work_items).where(collection_work_items.c.status.in_(OPEN_ITEM_STATUSES))
    return {row["loan_id"]: dict(row) for row in connection.execute(query).mappings()}
