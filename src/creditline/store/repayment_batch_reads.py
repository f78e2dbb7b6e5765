"""What a group commit of repayments reads first: its loans' and their lines' locks, which are co-lent,
and — once the locks are granted — the business date, the commands' idempotency records and the loans'
current checkpoints (what `command_reads` reads for one command, for all of them in three statements).

The lock order of a single command holds for a batch: every loan first (in id order), then every
line (in id order), so a batch and single commands — or two batches — never wait on each other in a
cycle. The id lists are padded to a power of two (the last id repeated) so a handful of statement
shapes serve every batch size and psycopg keeps them prepared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select

from creditline.lending.loan.fast_path import Checkpoint
from creditline.store import tables as t
from creditline.store.driver_sql import Rows, execute
from creditline.store.line_repository import LineRecord, line_record_of
from creditline.store.loan_repository import _SELECT_LOAN, LoanRecord, checkpoint_of_blob
from creditline.store.loan_repository import _record as loan_record_of
from creditline.store.tables_checkpoints import loan_checkpoints
from creditline.store.tables_colending import loan_funding

BATCH_LOANS_MAX = 256  # a bound on one batch's distinct loans (the batcher's own bound is smaller)


@cache
def _statements(size: int) -> tuple[Any, Any, Any]:
    ids = [bindparam(f"b_loan_{i}") for i in range(size)]
    lo, li, fu = t.loans.c, t.credit_lines.c, loan_funding.c
    loans = select(*_SELECT_LOAN.selected_columns).where(lo.loan_id.in_(ids)).order_by(lo.loan_id).with_for_update()
    their_lines = select(lo.line_id).where(lo.loan_id.in_(ids))
    lines = select(*t.credit_lines.c).where(li.line_id.in_(their_lines)).order_by(li.line_id).with_for_update()
    co_lent = select(fu.loan_id).where(fu.loan_id.in_(ids), fu.co_lent.is_(True))
    return loans, lines, co_lent


class PendingBatchLocks:
    __slots__ = ("co_lent_rows", "line_rows", "loan_rows")

    def __init__(self, loan_rows: Rows, line_rows: Rows, co_lent_rows: Rows) -> None:
        self.loan_rows, self.line_rows, self.co_lent_rows = loan_rows, line_rows, co_lent_rows

    def loans(self) -> dict[str, LoanRecord]:
        return {row[0]: loan_record_of(row) for row in self.loan_rows.all()}

    def lines(self) -> dict[str, LineRecord]:
        return {record.line.line_id: record for record in map(line_record_of, self.line_rows.all())}

    def co_lent(self) -> set[str]:
        return {row[0] for row in self.co_lent_rows.all()}


def queue_batch_locks(connection: Any, loan_ids: Sequence[str]) -> PendingBatchLocks:
    """Lock the loans, then their lines (queued when pipelined: read the rows after the pipeline)."""
    assert 0 < len(loan_ids) <= BATCH_LOANS_MAX, len(loan_ids)
    padded = _padded(loan_ids)
    params = {f"b_loan_{i}": loan_id for i, loan_id in enumerate(padded)}
    loans, lines, co_lent = _statements(len(padded))
    return PendingBatchLocks(
        execute(connection, loans, params), execute(connection, lines, params), execute(connection, co_lent, params)
    )


@cache
def _read_statements(loans: int, keys: int) -> tuple[Any, Any]:
    ids = [bindparam(f"b_loan_{i}") for i in range(loans)]
    cps, ev, ik = loan_checkpoints.c, t.loan_events.c, t.idempotency_keys.c
    newest = select(func.max(ev.sequence)).where(ev.loan_id == cps.loan_id).scalar_subquery()
    checkpoints = select(cps.loan_id, cps.last_sequence, cps.checkpoint).where(cps.loan_id.in_(ids), cps.last_sequence == newest)
    key_list = [bindparam(f"b_key_{i}") for i in range(keys)]
    found = select(ik.client_key, ik.request_hash, ik.result_json).where(ik.scope == bindparam("b_scope"), ik.client_key.in_(key_list))
    return checkpoints, found


class PendingBatchReads:
    __slots__ = ("checkpoint_rows", "date", "key_rows")

    def __init__(self, date: Any, checkpoint_rows: Rows, key_rows: Rows) -> None:
        self.date, self.checkpoint_rows, self.key_rows = date, checkpoint_rows, key_rows

    def business_date(self) -> Any:
        return self.date.value()

    def checkpoints(self) -> dict[str, Checkpoint]:
        """The loans' current checkpoints (folded up to their newest event); a stale one is left out."""
        return {row[0]: checkpoint_of_blob(row[0], row[1], row[2]) for row in self.checkpoint_rows.all()}

    def priors(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """Client key -> (request hash, stored result) for the keys already used in this scope."""
        return {row[0]: (row[1], json.loads(row[2])) for row in self.key_rows.all()}


def queue_batch_reads(uow: Any, scope: str, loan_ids: Sequence[str], keys: Sequence[str]) -> PendingBatchReads:
    """Queue the reads after the locks (so they see what the locks' last holders committed)."""
    assert 0 < len(loan_ids) <= BATCH_LOANS_MAX and 0 < len(keys) <= BATCH_LOANS_MAX, (len(loan_ids), len(keys))
    loans, key_list = _padded(loan_ids), _padded(keys)
    params = {f"b_loan_{i}": loan_id for i, loan_id in enumerate(loans)}
    params |= {f"b_key_{i}": key for i, key in enumerate(key_list)} | {"b_scope": scope}
    checkpoints, found = _read_statements(len(loans), len(key_list))
    date = uow.system.queue_business_date()
    return PendingBatchReads(date, execute(uow.connection, checkpoints, params), execute(uow.connection, found, params))


def _padded(values: Sequence[str]) -> list[str]:
    """Sorted, without repeats, padded to a power of two with its last value (few statement shapes)."""
    ordered = sorted(set(values))
    return ordered + [ordered[-1]] * ((1 << (len(ordered) - 1).bit_length()) - len(ordered))
