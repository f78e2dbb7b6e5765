"""The accrual's loans kept as columns between days, on an engine that keeps the book (the simulator).

Without memory the accrual reads every loan it moves (`eod_io.accruing_pages`: about thirty columns
and the installment blob of each) every day. Its own write raises each loan's version by one, and so
does every other write of a loan (the ORM's save, the auto-debit's settlements), so on an engine whose
owner is the database's only writer (`batch_memory.keep_between_days`) the accrual keeps the columns it
wrote, as numpy columns, and each day reads only each loan's rowid and version: a loan whose version is
the one kept is as the accrual left it, and only the others (repaid, drawn, written off, new) are read
again. The pages it gives are the columns `accruing_pages` would give, in the same (rowid) order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection

from creditline.store.accrual_columns import ACCRUAL_COLUMNS
from creditline.store.batch_memory import kept
from creditline.store.eod_io import CLASSIFY_COLUMNS, EOD_STATUSES, PAGE_HEAD, PAGE_SIZE, loan_pages
from creditline.store.tables_servicing import chunks, driver_rows

ACCRUALS_KEPT = "accruals"  # batch_memory: {"book": KeptAccruals}
PAGE_COLUMNS = (*PAGE_HEAD, *ACCRUAL_COLUMNS, *CLASSIFY_COLUMNS)  # what `eod_io.accruing_pages` reads, with classify's
_TEXT = frozenset({*PAGE_HEAD, "status", "rows_blob", "line_id"})
AT = {name: i for i, name in enumerate(PAGE_COLUMNS)}
_STATUSES = ", ".join(f"'{s}'" for s in EOD_STATUSES)
_VERSIONS = f"SELECT rowid, version FROM loans WHERE +status IN ({_STATUSES}) ORDER BY rowid"
STALE_SHARE_MAX = 0.25  # above this share of loans moved, one scan of the book beats reading them by rowid


class KeptAccruals:
    """The PAGE_COLUMNS of every loan the accrual moved, by rowid, with each loan's version after its write."""

    def __init__(self) -> None:
        self.accrued: date | None = None  # the last day accrued into these columns
        self.rowid = np.empty(0, dtype=np.int64)
        self.version = np.empty(0, dtype=np.int64)
        self.columns = [_empty(name, 0) for name in PAGE_COLUMNS]

    def pages(
        self, connection: Connection, page_size: int = PAGE_SIZE
    ) -> Iterator[tuple[list[int], list[np.ndarray]]]:
        """(rowids, columns) of today's loans, a page at a time; call `stepped` with each page's day."""
        current = driver_rows(connection, _VERSIONS)
        rowid = np.fromiter((row[0] for row in current), dtype=np.int64, count=len(current))
        version = np.fromiter((row[1] for row in current), dtype=np.int64, count=len(current))
        at = np.minimum(np.searchsorted(self.rowid, rowid), max(len(self.rowid) - 1, 0))
        same = np.zeros(len(rowid), dtype=bool)
        if len(self.rowid):
            same = (self.rowid[at] == rowid) & (self.version[at] == version)
        fresh = _read(connection, rowid[~same].tolist(), len(rowid))
        columns = []
        for k, name in enumerate(PAGE_COLUMNS):
            column = _empty(name, len(rowid))
            column[same] = self.columns[k][at[same]]
            column[~same] = fresh[k]
            columns.append(column)
        self.rowid, self.version, self.columns = rowid, version, columns
        for start in range(0, len(rowid), page_size):
            yield rowid[start : start + page_size].tolist(), [c[start : start + page_size] for c in columns]

    def stepped(self, start: int, after: dict[str, Any]) -> None:
        """The page at `start` as the accrual wrote it: the named columns' new values, the version raised."""
        n = len(after["status"])
        for name, values in after.items():
            column = self.columns[AT[name]]
            if name == "rows_blob":
                for i, blob in enumerate(values):
                    if blob is not None:
                        column[start + i] = blob
            else:
                column[start : start + n] = values
        self.version[start : start + n] += 1


def kept_accruals(connection: Connection, today: date) -> KeptAccruals | None:
    """The engine's kept accruals for accruing `today`, or None when it keeps nothing (every caller but the
    simulator) or is not SQLite. Columns that already hold `today` (or a later day) come from a closing
    transaction that rolled back: they are dropped, and the book is read again."""
    memory = kept(connection, ACCRUALS_KEPT) if connection.dialect.name == "sqlite" else None
    if memory is None:
        return None
    book = memory.get("book")
    if book is None or (book.accrued is not None and book.accrued >= today):
        book = memory["book"] = KeptAccruals()
    book.accrued = today
    return book


def _read(connection: Connection, rowids: list[int], total: int) -> list[list[Any]]:
    """PAGE_COLUMNS of these loans (rowids ascending), as columns."""
    if len(rowids) > STALE_SHARE_MAX * total:
        wanted = set(rowids)
        rows = [row[1:] for page in loan_pages(connection, ("rowid", *PAGE_COLUMNS), EOD_STATUSES, PAGE_SIZE,
                                                key="rowid") for row in page if row[0] in wanted]  # fmt: skip
    else:
        rows = []
        for part in chunks(rowids):
            marks = ", ".join("?" for _ in part)
            rows.extend(driver_rows(connection, f"SELECT {', '.join(PAGE_COLUMNS)} FROM loans WHERE rowid IN "
                                                f"({marks}) ORDER BY rowid", part))  # fmt: skip
    assert len(rows) == len(rowids), "every loan moved since yesterday is read in the same transaction"
    if not rows:
        return [[] for _ in PAGE_COLUMNS]
    return [list(values) for values in zip(*rows, strict=True)]


def _empty(name: str, n: int) -> np.ndarray:
    return np.empty(n, dtype=object if name in _TEXT else np.int64)
