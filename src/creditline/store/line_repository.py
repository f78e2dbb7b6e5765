"""Credit lines and the record of every change made to them.

Reading and saving a line are on every drawdown and repayment: they run on the driver's cursor
(`driver_sql`), and `queue_get`/`queue_save` let a command send them in one round trip with its
other statements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from creditline.lending.credit_line import CreditLine, LineStatus
from creditline.money import Money, currency
from creditline.store import tables as t
from creditline.store.driver_sql import Rows, execute


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A credit line with what the store keeps beside the domain object: product version, opening date."""

    line: CreditLine
    product_version: int
    opened_on: date


_LINE_COLUMNS = tuple(t.credit_lines.c.keys())
_SELECT_LINE = select(*t.credit_lines.c).where(t.credit_lines.c.line_id == bindparam("k_line_id"))
_SELECT_LINE_FOR_UPDATE = _SELECT_LINE.with_for_update()
_FIND_LINE = select(*t.credit_lines.c).where(
    t.credit_lines.c.borrower_id == bindparam("k_borrower_id"), t.credit_lines.c.product_id == bindparam("k_product_id")
)
_INSERT_LINE = insert(t.credit_lines).values({name: bindparam(name) for name in _LINE_COLUMNS})
_CHANGE_COLUMNS = ("line_id", "borrower_id", "on_date", "what", "old_value", "new_value", "reason")
_INSERT_CHANGE = insert(t.line_changes).values({name: bindparam(name) for name in _CHANGE_COLUMNS})
LINE_STATE = (
    "limit_minor", "status", "outstanding_principal_minor", "pending_drawdowns_minor", "temp_limit_minor",
    "temp_limit_expires", "version",
)  # fmt: skip
_UPDATE_LINE = (
    update(t.credit_lines)
    .where(t.credit_lines.c.line_id == bindparam("k_line_id"), t.credit_lines.c.version == bindparam("k_version"))
    .values({name: bindparam(name) for name in LINE_STATE})
)


class LineRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, line_id: str, *, for_update: bool = False) -> LineRecord | None:
        return self.queue_get(line_id, for_update=for_update).record()

    def queue_get(self, line_id: str, *, for_update: bool = False) -> PendingLine:
        """`get`, whose record is read once the statement has run (after a pipeline)."""
        query = _SELECT_LINE_FOR_UPDATE if for_update else _SELECT_LINE
        return PendingLine(execute(self.connection, query, {"k_line_id": line_id}))

    def find(self, borrower_id: str, product_id: str) -> LineRecord | None:
        return self.queue_find(borrower_id, product_id)()

    def queue_find(self, borrower_id: str, product_id: str) -> Callable[[], LineRecord | None]:
        """`find` for a pipeline: call the result once the pipeline has run."""
        rows = execute(self.connection, _FIND_LINE, {"k_borrower_id": borrower_id, "k_product_id": product_id})

        def found() -> LineRecord | None:
            row = rows.first()
            return None if row is None else line_record_of(row)

        return found

    def add(self, record: LineRecord) -> None:
        execute(self.connection, _INSERT_LINE, _values(record))

    def save(self, line: CreditLine, read_version: int) -> None:
        """Write the line's new state; the version check asserts the caller locked the row it read."""
        self.queue_save(line, read_version).check()

    def queue_save(self, line: CreditLine, read_version: int) -> SavedLine:
        """`save` for a pipeline: call `check()` on the result once the pipeline has run."""
        assert line.version > read_version, "every change of a line raises its version"
        rows = execute(
            self.connection,
            _UPDATE_LINE,
            {"k_line_id": line.line_id, "k_version": read_version, "version": line.version, **line_values(line)},
        )
        return SavedLine(rows, line.line_id, read_version)

    def record_change(self, change: Any, borrower_id: str) -> None:
        values = {
            "line_id": change.line_id,
            "borrower_id": borrower_id,
            "on_date": change.on,
            "what": str(change.what),
            "old_value": None if change.old is None else str(change.old),
            "new_value": None if change.new is None else str(change.new),
            "reason": change.reason,
        }
        execute(self.connection, _INSERT_CHANGE, values)

    def currencies(self) -> list[str]:
        """The book's currencies, sorted: those of its credit lines, or of its products before any line."""
        for column in (t.credit_lines.c.currency, t.products.c.currency):
            found = list(self.connection.execute(select(column).distinct().order_by(column)).scalars())
            if found:
                return found
        return []

    def changes(self, line_id: str) -> list[dict[str, Any]]:
        query = select(t.line_changes).where(t.line_changes.c.line_id == line_id).order_by(t.line_changes.c.change_id)
        return [dict(row) for row in self.connection.execute(query).mappings()]


class PendingLine:
    __slots__ = ("rows",)

    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def record(self) -> LineRecord | None:
        row = self.rows.first()
        return None if row is None else line_record_of(row)


def line_record_of(row: tuple) -> LineRecord:
    """The record of a row of every `credit_lines` column, in table order."""
    return _record(dict(zip(_LINE_COLUMNS, row, strict=True)))


@dataclass(frozen=True, slots=True)
class SavedLine:
    rows: Rows
    line_id: str
    read_version: int

    def check(self) -> None:
        assert self.rows.rowcount == 1, f"credit line {self.line_id} changed under us (version {self.read_version})"


def _record(row: Any) -> LineRecord:
    cur = currency(row["currency"])
    temp = row["temp_limit_minor"]
    line = CreditLine(
        line_id=row["line_id"],
        borrower_id=row["borrower_id"],
        product_id=row["product_id"],
        limit=Money(row["limit_minor"], cur),
        status=LineStatus(row["status"]),
        outstanding_principal=Money(row["outstanding_principal_minor"], cur),
        pending_drawdowns=Money(row["pending_drawdowns_minor"], cur),
        temp_limit=None if temp is None else Money(temp, cur),
        temp_limit_expires=row["temp_limit_expires"],
        version=row["version"],
        rate_daily=row["rate_daily"],
    )
    return LineRecord(line, row["product_version"], row["opened_on"])


def line_values(line: CreditLine) -> dict[str, Any]:
    """The columns a change of the line's balances or terms rewrites (all but `version`)."""
    return {
        "limit_minor": line.limit.minor,
        "status": str(line.status),
        "outstanding_principal_minor": line.outstanding_principal.minor,
        "pending_drawdowns_minor": line.pending_drawdowns.minor,
        "temp_limit_minor": None if line.temp_limit is None else line.temp_limit.minor,
        "temp_limit_expires": line.temp_limit_expires,
    }


def _values(record: LineRecord) -> dict[str, Any]:
    line = record.line
    return {
        "line_id": line.line_id,
        "borrower_id": line.borrower_id,
        "product_id": line.product_id,
        "product_version": record.product_version,
        "currency": line.limit.currency.code,
        "rate_daily": line.rate_daily,
        "opened_on": record.opened_on,
        "version": line.version,
        **line_values(line),
    }
