"""What a group commit of repayments reads first: its loans' and their lines' locks, and which are co-lent.

The lock order of a single command holds for a batch: every loan first (in id order), then every
line (in id order), so a batch and single commands — or two batches — never wait on each other in a
cycle. The id lists are padded to a power of two (the last id repeated) so a handful of statement
shapes serve every batch size and psycopg keeps them prepared.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select

from creditline.store import tables as t
from creditline.store.driver_sql import Rows, execute
from creditline.store.line_repository import LineRecord, line_record_of
from creditline.store.loan_repository import _SELECT_LOAN, LoanRecord
from creditline.store.loan_repository import _record as loan_record_of
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
    ordered = sorted(set(loan_ids))
    size = 1 << (len(ordered) - 1).bit_length()
    padded = ordered + [ordered[-1]] * (size - len(ordered))
    params = {f"b_loan_{i}": loan_id for i, loan_id in enumerate(padded)}
    loans, lines, co_lent = _statements(size)
    return PendingBatchLocks(
        execute(connection, loans, params), execute(connection, lines, params), execute(connection, co_lent, params)
    )
