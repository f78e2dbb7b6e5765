"""The classify stage's inputs on an engine that keeps the book between days (the simulator).

Without memory, classify reads every loan a snapshot of the month shows, joined with its facts and
its line (`tables_servicing_snapshots.snapshot_inputs`): the whole book, every day, though the
accrual of the same transaction has just read and written every on-book loan. On an engine that
keeps values between days (`batch_memory.keep_between_days`: the only writer), classify instead
takes:

- the on-book loans as the accrual wrote them, handed over in the transaction (`app.eod.AccruedPage`);
- each loan's facts (`loan_facts`) from columns kept between days. Only classify writes facts, so the
  columns are read once and then again only for the loans it recorded or changed that day;
- the few loans off book a snapshot still shows (closed this month, or not yet marked closed), read
  by id; and each line's limit and balances, read as they are (any command moves them).

The result is the `SNAPSHOT_INPUT_COLUMNS` of `snapshot_inputs` (and DAY_INPUTS as days since the
epoch, `<name>_days`), in the same loan id order (Python's
`str` order: SQLite's BINARY collation), with the same values: the day gives the same rows.
PostgreSQL keeps to `snapshot_inputs`, whose order is the database collation's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection

from creditline.store.batch_memory import kept
from creditline.store.tables_servicing import chunks, driver_rows

ACCRUED_KEY = "accrued"  # EodContext.shared: the accrual's pages, for classify (same transaction)
FACTS_KEPT = "loan-facts"  # batch_memory: {"facts": KeptFacts}

# loan_facts columns kept, and the SNAPSHOT_INPUT_COLUMNS each one is
FACT_COLUMNS = ("product_key", "origination_date", "disbursed_minor", "maturity_date", "eir_annual",
                "pd_origination", "shard", "status", "tier", "stage", "defaulted_on", "cash_in_at_default_minor",
                "closed_on", "tier_since")  # fmt: skip
FACT_INPUTS = ("product_id", "origination_date", "disbursed_minor", "maturity_date", "eir_annual", "pd_origination",
               "shard", "last_status", "last_tier", "last_stage", "defaulted_on", "cash_in_at_default_minor",
               "closed_on", "tier_since")  # fmt: skip
# a loan's own columns, as AccruedPage holds them (and the loans read by id)
LOAN_INPUTS = ("loan_id", "borrower_id", "currency", "line_id", "loan_status", "days_past_due", "principal_minor",
               "interest_minor", "penalty_receivable_minor", "fee_receivable_minor", "row_count", "rows_blob")  # fmt: skip
_LOAN_SQL = ("SELECT loan_id, borrower_id, currency, line_id, status, days_past_due, principal_outstanding_minor, "
             "interest_receivable_minor, penalty_receivable_minor, fee_receivable_minor, row_count, rows_blob "
             "FROM loans WHERE loan_id IN ({marks})")  # fmt: skip
LINE_INPUTS = ("limit_minor", "line_outstanding_minor", "line_pending_minor", "line_status")
_LINE_SQL = "SELECT line_id, limit_minor, outstanding_principal_minor, pending_drawdowns_minor, status FROM credit_lines"


def hands_over(connection: Connection) -> bool:
    """Whether the accrual hands its loans to classify: an engine that keeps values between days, on SQLite."""
    return connection.dialect.name == "sqlite" and kept(connection, FACTS_KEPT) is not None


# the dates the snapshot frame takes as dates, kept also as days since 1970-01-01 (parsed once, not daily)
DAY_INPUTS = ("origination_date", "maturity_date")
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class KeptFacts:
    """FACT_COLUMNS of every loan classify has seen, as object columns (values as the driver gave them),
    and DAY_INPUTS as int64 days."""

    def __init__(self) -> None:
        self.classified: date | None = None  # the last day classified with these facts
        self.position: dict[str, int] = {}
        self.columns = [np.empty(1024, dtype=object) for _ in FACT_COLUMNS]
        self.days = [np.zeros(1024, dtype=np.int64) for _ in DAY_INPUTS]

    def put(self, rows: Sequence[tuple]) -> None:
        """Rows of (loan_id, *FACT_COLUMNS), new or changed."""
        if not rows:
            return
        for loan_id, *_ in rows:
            self.position.setdefault(loan_id, len(self.position))
        size = len(self.position)
        if size > len(self.columns[0]):
            capacity = max(size, 2 * len(self.columns[0]))
            self.columns = [
                np.concatenate((c, np.empty(capacity - len(c), dtype=object))) for c in self.columns
            ]
            self.days = [np.concatenate((d, np.zeros(capacity - len(d), dtype=np.int64))) for d in self.days]
        at = np.fromiter((self.position[row[0]] for row in rows), dtype=np.int64, count=len(rows))
        for k, values in enumerate(list(zip(*rows, strict=True))[1:]):
            column = np.empty(len(rows), dtype=object)
            column[:] = values
            self.columns[k][at] = column
        for days, name in zip(self.days, DAY_INPUTS, strict=True):
            column = self.columns[FACT_INPUTS.index(name)][at]
            days[at] = [date.fromisoformat(value).toordinal() - _EPOCH_ORDINAL for value in column]

    def refresh(self, connection: Connection, loan_ids: Sequence[str]) -> None:
        """Read these loans' facts again (they were just recorded or changed)."""
        for part in chunks(sorted(set(loan_ids))):
            marks = ", ".join("?" for _ in part)
            self.put(driver_rows(connection, f"SELECT loan_id, {', '.join(FACT_COLUMNS)} FROM loan_facts "
                                             f"WHERE loan_id IN ({marks})", part))  # fmt: skip

    def shown_off_book(self, month_start: Any, on_book: set[str]) -> list[str]:
        """Loans not on book that a snapshot of the month still shows: not marked closed, or closed this month."""
        closed_on = self.columns[FACT_COLUMNS.index("closed_on")]
        return [loan_id for loan_id, at in self.position.items()
                if loan_id not in on_book and (closed_on[at] is None or closed_on[at] >= month_start)]  # fmt: skip


def kept_facts(connection: Connection, as_of: date) -> KeptFacts:
    """The facts kept, for classifying `as_of` (called once a day, before the day's facts are written).
    Facts that already saw `as_of` (or a later day) come from a closing transaction that rolled back:
    they are dropped and read again from the table."""
    memory = kept(connection, FACTS_KEPT)
    assert memory is not None, "only on an engine that keeps values between days (hands_over)"
    facts = memory.get("facts")
    if facts is None or (facts.classified is not None and facts.classified >= as_of):
        facts = memory["facts"] = KeptFacts()
        facts.put(driver_rows(connection, f"SELECT loan_id, {', '.join(FACT_COLUMNS)} FROM loan_facts"))
    facts.classified = as_of
    return facts


def kept_inputs(
    connection: Connection, facts: KeptFacts, accrued: Sequence[Any], month_start: date
) -> dict[str, Any]:
    """`snapshot_inputs` as columns (SNAPSHOT_INPUT_COLUMNS), from the accrual's pages and the kept facts."""
    own: dict[str, list] = {name: [_page_column(page, name) for page in accrued] for name in LOAN_INPUTS}
    on_book = {loan_id for part in own["loan_id"] for loan_id in part}
    off_book = facts.shown_off_book(month_start.isoformat(), on_book)
    for part in chunks(sorted(off_book)):
        rows = driver_rows(connection, _LOAN_SQL.format(marks=", ".join("?" for _ in part)), part)
        for name, values in zip(LOAN_INPUTS, zip(*rows, strict=True), strict=True):
            own[name].append(_object_column(values))
    columns = {name: _joined(parts) for name, parts in own.items()}
    ids = columns["loan_id"].tolist()
    order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
    data = {name: column[order] for name, column in columns.items()}
    at = np.fromiter(
        (facts.position[loan_id] for loan_id in data["loan_id"]), dtype=np.int64, count=len(order)
    )
    data |= {name: column[at] for name, column in zip(FACT_INPUTS, facts.columns, strict=True)}
    data |= {f"{name}_days": days[at] for name, days in zip(DAY_INPUTS, facts.days, strict=True)}
    lines = {row[0]: row[1:] for row in driver_rows(connection, _LINE_SQL)}
    of_loan = [lines[line_id] for line_id in data["line_id"]]  # every loan has its line (a foreign key)
    for k, name in enumerate(LINE_INPUTS):
        data[name] = _object_column([row[k] for row in of_loan])
    return data


def _page_column(page: Any, name: str) -> np.ndarray:
    values = getattr(page, "status" if name == "loan_status" else name)
    return values if isinstance(values, np.ndarray) else _object_column(values)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """One column from the pages' (int64 amounts, or objects) and the loans read by id (objects)."""
    if not parts:
        return np.empty(0, dtype=object)
    if all(part.dtype == parts[0].dtype for part in parts):
        return np.concatenate(parts)
    return np.concatenate([part.astype(object) for part in parts])


def _object_column(values: Sequence[Any]) -> np.ndarray:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column
