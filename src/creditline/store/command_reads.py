"""What a money-moving command reads once it holds its row locks, in one statement.

The business date, the client key's earlier result (if any) and, for a command on a loan, the
loan's fold checkpoint when it is current (it folded in the loan's newest event). The statement is
queued after the locks (`driver_sql.pipelined`), so it runs once they are granted and sees what any
command that held them committed; the EOD lock, taken before, keeps the date from moving under it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, func, select

from creditline.lending.loan.fast_path import Checkpoint
from creditline.store import tables as t
from creditline.store.driver_sql import Rows, execute
from creditline.store.loan_repository import checkpoint_of_blob
from creditline.store.tables_checkpoints import loan_checkpoints

_cal, _keys, _cps = t.business_calendar.c, t.idempotency_keys.c, loan_checkpoints.c
_with_key = t.business_calendar.outerjoin(
    t.idempotency_keys, and_(_keys.scope == bindparam("k_scope"), _keys.client_key == bindparam("k_key"))
)
_newest_event = (
    select(func.max(t.loan_events.c.sequence)).where(t.loan_events.c.loan_id == bindparam("k_loan_id")).scalar_subquery()
)
_SELECT_FOR_LINE = (
    select(_cal.business_date, _keys.request_hash, _keys.result_json).select_from(_with_key).where(_cal.calendar_id == 1)
)
_SELECT_FOR_LOAN = (
    select(_cal.business_date, _keys.request_hash, _keys.result_json, _cps.last_sequence, _cps.checkpoint)
    .select_from(
        _with_key.outerjoin(
            loan_checkpoints, and_(_cps.loan_id == bindparam("k_loan_id"), _cps.last_sequence == _newest_event)
        )
    )
    .where(_cal.calendar_id == 1)
)


@dataclass(frozen=True, slots=True)
class CommandReads:
    business_date: date | None  # None: the database was never given one
    prior: tuple[str, dict[str, Any]] | None  # (request hash, result) stored under the client key
    checkpoint: Checkpoint | None


class PendingReads:
    __slots__ = ("loan_id", "rows")

    def __init__(self, rows: Rows, loan_id: str | None) -> None:
        self.rows, self.loan_id = rows, loan_id

    def reads(self) -> CommandReads:
        row = self.rows.first()
        if row is None:
            return CommandReads(None, None, None)
        prior = None if row[1] is None else (row[1], json.loads(row[2]))
        checkpoint = None
        if self.loan_id is not None and row[3] is not None:
            checkpoint = checkpoint_of_blob(self.loan_id, row[3], row[4])
        return CommandReads(row[0], prior, checkpoint)


def queue_reads(connection: Any, scope: str, key: str, loan_id: str | None = None) -> PendingReads:
    """Queue the read; `reads()` once it has run. With `loan_id`, the loan's current checkpoint too."""
    params = {"k_scope": scope, "k_key": key}
    if loan_id is None:
        return PendingReads(execute(connection, _SELECT_FOR_LINE, params), None)
    return PendingReads(execute(connection, _SELECT_FOR_LOAN, params | {"k_loan_id": loan_id}), loan_id)
