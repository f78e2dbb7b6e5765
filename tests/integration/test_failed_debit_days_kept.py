"""Failed auto-debit days kept between days (`app.failed_debit_days`, the simulator's engine) count as the
database does, on SQLite and PostgreSQL: an attempt still open (`unknown`, `pending`) when the days were
read is read again once it settles, a day a later round collected on stops counting, and a new day's
attempts are read after the auto-debit stage wrote them."""

from __future__ import annotations

from datetime import date

from eod_support import read_with_memory
from lending_fixtures import open_line, setup_books

from creditline.app import Draw, draw
from creditline.store import UnitOfWork

FEB = [date(2025, 2, day) for day in range(1, 5)]


def _attempt(loan: str, borrower: str, day: date, round_no: int, outcome: str) -> dict:
    return {
        "attempt_key": f"ad:{loan}:{day}:{round_no}", "loan_id": loan, "borrower_id": borrower, "business_date": day,
        "round": round_no, "currency": "CNY", "requested_minor": 42_000, "days_past_due": 3, "policy": "p",
        "outcome": outcome, "debited_minor": 42_000 if outcome == "succeeded" else 0, "applied": 1, "source_rank": 1,
    }  # fmt: skip


def _counts(engine, lines: list[str], on: date, *, kept: bool) -> tuple[dict, list]:  # type: ignore[no-untyped-def]
    """(failed days per line in the review's 90 days, early warning's failed-debit alerts) as of `on`."""
    from creditline.app.alerts_stage import _failed_debits
    from creditline.app.limit_review_facts import _failed_debit_days
    from creditline.servicing.early_warning import builtin_thresholds

    def read() -> tuple[dict, list]:
        with UnitOfWork(engine, read_only=True) as uow:
            alerts = _failed_debits(uow, on, builtin_thresholds())
            return _failed_debit_days(uow, lines, on), [(a.loan_id, a.borrower_id, a.details) for a in alerts]

    return read_with_memory(engine, kept, read)


def test_kept_failed_days_follow_open_attempts_and_new_days_as_the_database_counts_them(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from creditline.app.failed_debit_days import KEPT_NAME, attempts_written
    from creditline.store import batch_memory
    from creditline.store.tables_servicing import debit_attempts

    setup_books(engine)
    lines = [open_line(engine, "ONE"), open_line(engine, "TWO")]
    one, two = (draw(engine, Draw(line, "1200", 3, f"d{i}"))["loan_id"] for i, line in enumerate(lines))
    a = debit_attempts.c

    def write(*rows: dict) -> None:
        with engine.begin() as connection:
            connection.execute(debit_attempts.insert(), list(rows))
        attempts_written(engine)  # what the auto-debit stage says when it starts

    def settle(loan: str, day: date, round_no: int, outcome: str) -> None:
        with engine.begin() as connection:
            connection.execute(update(debit_attempts).where(a.attempt_key == f"ad:{loan}:{day}:{round_no}")
                               .values(outcome=outcome, debited_minor=42_000 if outcome == "succeeded" else 0))  # fmt: skip
        attempts_written(engine)

    batch_memory.keep_between_days(engine)
    write(_attempt(one, "ONE", FEB[0], 1, "insufficient_funds"), _attempt(one, "ONE", FEB[0], 2, "unknown"),
          _attempt(two, "TWO", FEB[0], 1, "declined"), _attempt(one, "ONE", FEB[1], 1, "insufficient_funds"),
          _attempt(two, "TWO", FEB[1], 1, "insufficient_funds"), _attempt(two, "TWO", FEB[1], 2, "succeeded"))  # fmt: skip
    first = _counts(engine, lines, FEB[1], kept=True)
    assert first == _counts(engine, lines, FEB[1], kept=False)
    assert first[0] == {lines[0]: 2, lines[1]: 1}  # ONE's 1 February still open: nothing collected yet
    assert KEPT_NAME in batch_memory._KEPT[engine][KEPT_NAME]

    settle(one, FEB[0], 2, "succeeded")  # the lost answer found: ONE's 1 February collected after all
    write(_attempt(two, "TWO", FEB[2], 1, "insufficient_funds"), _attempt(one, "ONE", FEB[2], 1, "pending"))
    second = _counts(engine, lines, FEB[2], kept=True)
    assert second == _counts(engine, lines, FEB[2], kept=False)
    assert second[0] == {lines[0]: 1, lines[1]: 2}

    settle(one, FEB[2], 1, "declined")
    third = _counts(engine, lines, FEB[3], kept=True)
    assert third == _counts(engine, lines, FEB[3], kept=False)
    assert third[0] == {lines[0]: 2, lines[1]: 2}
    assert sorted(loan for loan, *_ in third[1]) == sorted([one, two])  # two failed days each: both alerted
