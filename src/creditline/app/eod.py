"""End of day: the pipeline's entry point for the lending core, and its accrual stage.

The business date B is the open day: commands are dated B (or earlier, backdated) and every open
loan's snapshot is as of B (interest of every day before B accrued). Closing the day runs the stages
of `app.eod_stages.PIPELINE` (docs/eod.md): auto-debit, then one transaction that accrues and ages
every loan, classifies, provisions and snapshots them, records the run and makes B + 1 the business
date, then the post-loan stages. `creditline eod` runs them all (`eod_pipeline.run_pipeline`).

`run_eod` is the lending core's day: by default the accrual stage (`close_day`) and the co-lending
partners' parts of the day (`colending_eod`). The accrual accrues day B on every loan in numpy batches (the domain's `accrue_batch`, the same integers as `replay`),
writes the snapshots back in bulk and posts one summary entry per product and currency (postings per
shard). Running D again returns the recorded run; an earlier D, or a later one without `catch_up`,
is refused; `catch_up` runs each missing day in turn, one transaction per day.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from creditline.app.common import EOD_LOCK_KEY, new_id
from creditline.ledger import SHARD_COUNT, JournalEntry, accrual_postings
from creditline.money import Money, currency
from creditline.store import UnitOfWork
from creditline.store.accrual_columns import ACCRUAL_COLUMNS
from creditline.store.accrual_memory import AT

ONE_DAY = timedelta(days=1)


# The lending core's day: the accrual, and the co-lending partners' parts of what moved that day
# (`app.colending_eod`, a CLOSE stage in the same transaction), so each day's parts are booked dated
# that day; with the accrual alone they waited for the next run with the stage, dated its day.
LENDING_DAY = frozenset({"accrue", "colending"})


def run_eod(
    engine: Engine, target: date, *, catch_up: bool = False, stages: frozenset[str] | None = LENDING_DAY
) -> list[dict[str, Any]]:
    """Close days up to `target` through the pipeline: by default the accrual and the partners' parts of
    the day (no debits, classification or snapshots — what the lending core's callers and tests expect);
    `stages=None` runs every registered stage, as `creditline eod` does."""
    from creditline.app.eod_pipeline import run_pipeline

    return run_pipeline(engine, target, catch_up=catch_up, only=stages)


def lock_out_commands(uow: UnitOfWork) -> None:
    """EOD excludes commands for its transaction (they hold the same advisory lock shared)."""
    if uow.connection.dialect.name == "postgresql":
        uow.connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": EOD_LOCK_KEY})


def close_day(uow: UnitOfWork, today: date, handoff: list[AccruedPage] | None = None) -> dict[str, Any]:
    """Accrue and age every loan EOD moves; with `handoff`, each page's loans as written are added to
    it, for the classify stage of the same transaction (`store.classify_memory`), and on an engine that
    keeps the book between days the loans come from the columns kept (`store.accrual_memory`)."""
    from creditline.lending.loan.batch import STATUS_CODES, accrue_batch
    from creditline.store.accrual_columns import batch_of_columns
    from creditline.store.eod_io import write_steps

    tomorrow = today + ONE_DAY
    interest = defaultdict(lambda: np.zeros(SHARD_COUNT, dtype=np.int64))
    penalty = defaultdict(lambda: np.zeros(SHARD_COUNT, dtype=np.int64))
    loans = overdue = 0
    book = _kept_book(uow, handoff, today)
    for locators, columns in _pages(uow, handoff, book):
        batch, other_at = batch_of_columns(columns[_ACCRUAL_AT:], len(locators), today)
        after = accrue_batch(batch)
        interest_delta = after.interest_accrued - batch.interest_accrued
        penalty_delta = after.penalty_accrued - batch.penalty_accrued
        assert (interest_delta >= 0).all() and (penalty_delta >= 0).all(), "a day's accrual is never negative"
        blobs = _changed_blobs(columns[AT["rows_blob"]], batch, after, other_at)
        statuses = [str(STATUS_CODES[code]) for code in after.status.tolist()]
        write_steps(
            uow.connection,
            list(zip(
                locators, statuses, after.days_past_due.tolist(), after.oldest_unpaid_due.tolist(),
                after.interest_accrued.tolist(), after.interest_exact.tolist(), after.penalty_accrued.tolist(),
                after.penalty_exact.tolist(), interest_delta.tolist(), penalty_delta.tolist(), blobs, strict=True,
            )),
            tomorrow,
        )  # fmt: skip
        if handoff is not None:
            handoff.append(_accrued_page(columns, statuses, after, interest_delta, penalty_delta, blobs))
        if book is not None:
            book.stepped(loans, _written(statuses, after, interest_delta, penalty_delta, blobs, columns))
        shards = np.fromiter((zlib.crc32(b.encode()) % SHARD_COUNT for b in columns[AT["borrower_id"]]), np.int64,
                             len(locators))  # fmt: skip
        for key, index in _groups(columns[AT["product_id"]], columns[AT["currency"]]).items():
            np.add.at(interest[key], shards[index], interest_delta[index])
            np.add.at(penalty[key], shards[index], penalty_delta[index])
        loans += len(locators)
        overdue += int(np.count_nonzero(after.days_past_due > 0))
    totals = _post_summaries(uow, tomorrow, interest, penalty)
    zero_in = [] if interest else uow.lines.currencies()  # a day with nothing accrued prints the book's zero
    return {
        "run_date": tomorrow.isoformat(),
        "loans_accrued": loans,
        "loans_overdue": overdue,
        "interest_minor": totals[0],
        "penalty_minor": totals[1],
        "interest": _amounts(interest, zero_in),
        "penalty": _amounts(penalty, zero_in),
    }


# A page's columns by name: `store.accrual_memory.AT` (loan, borrower, product, currency, ACCRUAL_COLUMNS,
# then, when handed over, CLASSIFY_COLUMNS), the layout `eod_io.accruing_pages` and the kept book share.
_ACCRUAL_AT = AT[ACCRUAL_COLUMNS[0]]


def _kept_book(uow: UnitOfWork, handoff: list | None, today: date) -> Any:
    """The accruals kept between days, when the loans are handed over (the simulator's engine)."""
    from creditline.store.accrual_memory import kept_accruals

    return None if handoff is None else kept_accruals(uow.connection, today)


def _pages(uow: UnitOfWork, handoff: list | None, book: Any) -> Iterator[tuple[list, Sequence[Any]]]:
    """(locators, columns) of each page of loans to accrue: from the kept book, or read."""
    from creditline.store.eod_io import CLASSIFY_COLUMNS, accruing_pages

    if book is not None:
        yield from book.pages(uow.connection)
        return
    for locators, page in accruing_pages(uow.connection, extra=() if handoff is None else CLASSIFY_COLUMNS):
        yield locators, list(zip(*page, strict=True))


def _written(statuses: list[str], after: Any, interest_delta: np.ndarray, penalty_delta: np.ndarray,
             blobs: list[bytes | None], columns: Sequence[Any]) -> dict[str, Any]:  # fmt: skip
    """The kept columns the day's write moved (`store.accrual_memory`)."""
    return {
        "status": statuses, "days_past_due": after.days_past_due, "oldest_unpaid_due": after.oldest_unpaid_due,
        "interest_accrued_minor": after.interest_accrued, "interest_exact": after.interest_exact,
        "penalty_accrued_minor": after.penalty_accrued, "penalty_exact": after.penalty_exact, "rows_blob": blobs,
        "interest_receivable_minor": np.asarray(columns[AT["interest_receivable_minor"]], dtype=np.int64) + interest_delta,
        "penalty_receivable_minor": np.asarray(columns[AT["penalty_receivable_minor"]], dtype=np.int64) + penalty_delta,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class AccruedPage:
    """A page of loans as the accrual wrote them (columns in page order; amounts after the day)."""

    loan_id: list[str]
    borrower_id: list[str]
    currency: list[str]
    line_id: list[str]
    status: list[str]
    days_past_due: np.ndarray
    principal_minor: np.ndarray
    interest_minor: np.ndarray
    penalty_receivable_minor: np.ndarray
    fee_receivable_minor: np.ndarray
    row_count: list[int]
    rows_blob: list[bytes]


def _accrued_page(columns: Sequence[Any], statuses: list[str], after: Any, interest_delta: np.ndarray,
                  penalty_delta: np.ndarray, blobs: list[bytes | None]) -> AccruedPage:  # fmt: skip
    assert len(columns) == len(AT), "pages read with CLASSIFY_COLUMNS"

    def minor(name: str) -> np.ndarray:
        return np.array(columns[AT[name]], dtype=np.int64)

    return AccruedPage(
        loan_id=list(columns[AT["loan_id"]]), borrower_id=list(columns[AT["borrower_id"]]),
        currency=list(columns[AT["currency"]]),
        line_id=list(columns[AT["line_id"]]), status=statuses, days_past_due=after.days_past_due,
        principal_minor=minor("principal_outstanding_minor"),
        interest_minor=minor("interest_receivable_minor") + interest_delta,
        penalty_receivable_minor=minor("penalty_receivable_minor") + penalty_delta,
        fee_receivable_minor=minor("fee_receivable_minor"), row_count=list(columns[AT["row_count"]]),
        rows_blob=[old if new is None else new for old, new in zip(columns[AT["rows_blob"]], blobs, strict=True)],
    )  # fmt: skip


def _groups(products: Sequence[str], currencies: Sequence[str]) -> dict[tuple[str, str], np.ndarray]:
    keys = list(zip(products, currencies, strict=True))
    found: dict[tuple[str, str], list[int]] = defaultdict(list)
    if len(set(keys)) == 1:
        return {keys[0]: np.arange(len(keys))}
    for i, key in enumerate(keys):
        found[key].append(i)
    return {key: np.array(index, dtype=np.int64) for key, index in found.items()}


def _changed_blobs(old: Sequence[bytes], batch: Any, after: Any, other_at: np.ndarray) -> list[bytes | None]:
    """New row blobs for the loans whose installment rows changed (one fell due); None elsewhere."""
    changed_rows = np.flatnonzero(after.row_other_unpaid != batch.row_other_unpaid)
    if changed_rows.size == 0:
        return [None] * len(old)
    from creditline.store.accrual_columns import ROW_DTYPE

    packed = np.frombuffer(b"".join(old), dtype=ROW_DTYPE).copy()
    packed[other_at] = after.row_other_unpaid
    loan_of_row = np.repeat(np.arange(len(old)), np.diff(batch.row_offsets))
    blobs: list[bytes | None] = [None] * len(old)
    offsets = batch.row_offsets
    for i in np.unique(loan_of_row[changed_rows]).tolist():
        blobs[i] = packed[3 * offsets[i] : 3 * offsets[i + 1]].tobytes()
    return blobs


def _post_summaries(uow: UnitOfWork, on: date, interest: dict, penalty: dict) -> tuple[int, int]:
    """One entry per product and currency; the per-loan detail is in the loans' sub-ledger columns."""
    interest_total = penalty_total = 0
    for product_id, code in sorted(set(interest) | set(penalty)):
        by_interest = {s: int(v) for s, v in enumerate(interest[(product_id, code)].tolist()) if v}
        by_penalty = {s: int(v) for s, v in enumerate(penalty[(product_id, code)].tolist()) if v}
        postings = accrual_postings(by_interest, by_penalty, currency(code))
        interest_total += sum(by_interest.values())
        penalty_total += sum(by_penalty.values())
        if postings:
            reference = f"eod:{on.isoformat()}:{product_id}:{code}"
            entry = JournalEntry(new_id("JE"), reference, on, reference, tuple(postings), memo="daily accrual")
            uow.journal.add(entry)
    return interest_total, penalty_total


def _amounts(by_key: dict, zero_in: list[str]) -> str:
    """The day's total per currency in the currency's own digits; with nothing accrued, a zero in each
    of the book's currencies (`zero_in`): "0" for a book in yen, not "0.00"."""
    codes = {code for _, code in by_key} or set(zero_in)
    return ", ".join(
        Money(int(sum(int(v.sum()) for (p, c), v in by_key.items() if c == code)), currency(code)).amount_str()
        + ("" if len(codes) == 1 else f" {code}")
        for code in sorted(codes)
    )
