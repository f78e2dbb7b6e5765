"""The end-of-day pipeline on SQLite and PostgreSQL: auto-debit through a hostile simulated bank,
statuses, charge-off, tiers, provisions and snapshots, with the books reconciled to the cent."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from eod_support import (
    START,
    assert_allowance_booked,
    assert_debits_match_repayments,
    books_with_loans,
    fast_forward,
    hostile_bank,
    rows,
    run_days,
    scalar,
)
from integration_helpers import dump
from lending_fixtures import assert_books_clean

from creditline.app.eod_stages import CORE_STAGES, Phase, Stage, StageResult
from creditline.app.errors import EodDateInvalid
from creditline.reliability.invariants import check_books
from shared_files import race

FIRST_DUE = date(2025, 2, 1)  # of every loan drawn on START
PROBED: list[date] = []  # the business dates the probe stage below was called for


class Killed(BaseException):
    pass


def probe(engine, business_date, context):  # type: ignore[no-untyped-def]
    """An AFTER stage whose first call dies: a process killed after the closing commit."""
    PROBED.append(business_date)
    if len(PROBED) == 1:
        raise Killed
    return StageResult("probe", {})


def test_a_due_date_collected_every_way_books_each_cent_once(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.portfolio.snapshot import validate
    from creditline.store.tables_servicing_snapshots import read_snapshots

    books_with_loans(engine, 16)
    today = fast_forward(engine, START, 30)
    results = run_days(engine, today, 10, gateway=hostile_bank(engine, short_rate="0.4", partial_share="0.7"))
    outcomes = dict(rows(engine, "SELECT outcome, COUNT(*) FROM debit_attempts GROUP BY outcome"))
    assert {"succeeded", "partial", "insufficient_funds"} <= set(outcomes), outcomes
    paths = dict(rows(engine, "SELECT applied_path, COUNT(*) FROM debit_attempts GROUP BY applied_path"))
    assert paths.get("batch", 0) > 0 and paths.get("replay", 0) > 0, paths  # both ways of booking were used
    assert_debits_match_repayments(engine)
    assert check_books(engine, deep=False, quiescent=True).anomalies == ()  # a replayed debit is one effect
    assert_books_clean(engine)  # every loan = the replay of its events; GL = sub-ledger; trial balance
    assert_allowance_booked(engine)
    first = rows(engine, "SELECT business_date, round, days_past_due FROM debit_attempts "
                 "ORDER BY business_date, round")[0]  # fmt: skip
    assert (str(first[0]), first[1], first[2]) == (str(FIRST_DUE), 1, 0)  # asked on the due date itself
    last_day = today + timedelta(days=10)
    assert results[-1]["run_date"] == last_day.isoformat()
    with engine.connect() as connection:
        stored = read_snapshots(connection, [last_day])
    frame = validate(stored)
    loans = dict(rows(engine, "SELECT loan_id, principal_outstanding_minor FROM loans WHERE status <> 'paid-off'"))
    drawn = frame.filter(pl.col("disbursed_minor") > 0)
    assert dict(zip(drawn["loan_id"], drawn["principal_minor"], strict=True)) == loans
    undrawn = dict(frame.group_by("borrower_id").agg(pl.col("undrawn_minor").sum()).iter_rows())
    available = dict(rows(engine, "SELECT borrower_id, limit_minor - outstanding_principal_minor FROM credit_lines"))
    assert undrawn == available  # each line's undrawn limit counted once
    late = frame.filter(pl.col("days_past_due") > 0)
    assert late.height == scalar(engine, "SELECT COUNT(*) FROM loans WHERE status = 'overdue'")
    assert (late["status"] == "overdue").all() and (stored.filter(pl.col("days_past_due") > 0)["tier"] == 1).all()


def test_charge_off_at_the_products_threshold_stops_accrual_and_debits(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.tables_servicing_bank import SqlBankBook

    books_with_loans(engine, 2, charge_off_days=20)
    SqlBankBook(engine).deposit([("B000", "CNY", 0)])  # a funded account that stays empty: B000 never pays
    today = fast_forward(engine, START, 30)
    run_days(engine, today, 23, gateway=hostile_bank(engine, short_rate="0", timeout_rate="0"))
    loan = scalar(engine, "SELECT loan_id FROM loans WHERE borrower_id = 'B000'")
    changes = {(str(d), w, o, n) for d, w, o, n in rows(
        engine, "SELECT on_date, what, old_value, new_value FROM loan_class_changes WHERE loan_id = :l", l=loan)}
    charged = FIRST_DUE + timedelta(days=20)
    assert {
        (str(FIRST_DUE + timedelta(days=1)), "status", "active", "overdue"),
        (str(FIRST_DUE + timedelta(days=1)), "tier", "0", "1"),  # special mention from the first day late
        (str(charged), "status", "overdue", "charged_off"),
        (str(charged), "stage", "1", "3"),  # charged off: credit-impaired
        (str(charged), "tier", "1", "4"),  # and a loss loan (损失), on book until written off
    } <= changes, changes
    asked = [d for (d,) in rows(engine, "SELECT days_past_due FROM debit_attempts WHERE loan_id = :l AND round = 1 "
                                       "ORDER BY business_date", l=loan)]  # fmt: skip
    assert asked == [0, 1, 2, 3, 4, 5, 6, 7, 10, 13, 16, 19]  # the policy's days; none once charged off
    accrued = rows(engine, "SELECT interest_receivable_minor, penalty_receivable_minor, status FROM loans "
                           "WHERE loan_id = :l", l=loan)[0]  # fmt: skip
    run_days(engine, today + timedelta(days=23), 1)
    assert rows(engine, "SELECT interest_receivable_minor, penalty_receivable_minor, status FROM loans "
                        "WHERE loan_id = :l", l=loan)[0] == accrued  # no more accrual  # fmt: skip
    drawn = accrued[0] + accrued[1] + scalar(engine, "SELECT principal_outstanding_minor FROM loans WHERE loan_id = :l",
                                             l=loan)  # fmt: skip
    assert scalar(engine, "SELECT stage3_minor FROM provision_runs ORDER BY run_date DESC LIMIT 1") == round(drawn * 0.75)
    assert_books_clean(engine)
    assert_allowance_booked(engine)


def test_a_date_in_the_past_or_two_days_ahead_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.eod_pipeline import run_pipeline

    books_with_loans(engine, 2)
    run_days(engine, START, 2)
    before = dump(engine)
    for day, words in ((START, "not after the business date"), (START + timedelta(days=4), "more than one day")):
        with pytest.raises(EodDateInvalid) as caught:
            run_pipeline(engine, day, only=CORE_STAGES)
        assert caught.value.field == "date" and words in caught.value.message
    assert dump(engine) == before
    again = run_pipeline(engine, START + timedelta(days=2), only=CORE_STAGES)  # the last day again: its record
    assert again[0]["replayed"] and dump(engine) == before


def test_a_crash_after_the_bank_executed_and_a_restart_book_each_debit_once(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.eod_pipeline import run_pipeline

    books_with_loans(engine, 8)
    fast_forward(engine, START, 31)
    bank = hostile_bank(engine, short_rate="0", timeout_rate="0.3")

    class Crash(BaseException):
        pass

    class CrashingGateway:
        name = "crashing"

        def debit(self, requests):  # type: ignore[no-untyped-def]
            bank.debit(requests)  # the bank executes (and commits), then the process dies
            raise Crash

        def lookup(self, keys):  # type: ignore[no-untyped-def]
            return bank.lookup(keys)

    due_day = FIRST_DUE + timedelta(days=1)
    with pytest.raises(Crash):
        run_pipeline(engine, due_day, gateway=CrashingGateway(), only=CORE_STAGES)
    assert scalar(engine, "SELECT COUNT(*) FROM debit_attempts WHERE outcome = 'pending'") == 8
    executed = [k for (k,) in rows(engine, "SELECT debit_key FROM sim_bank_debits WHERE executed = 1")]
    assert executed
    run_pipeline(engine, due_day, gateway=bank, only=CORE_STAGES)
    calls = dict(rows(engine, "SELECT debit_key, calls FROM sim_bank_debits"))
    assert all(calls[k] == 1 for k in executed)  # the restart looked them up instead of sending them again
    assert_debits_match_repayments(engine)
    assert_books_clean(engine)


def test_a_run_killed_after_a_day_closed_finishes_its_after_stages_before_the_next(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import eod_stages
    from creditline.app.eod_pipeline import run_pipeline

    books_with_loans(engine, 2)
    monkeypatch.setattr(eod_stages, "PIPELINE", [*eod_stages.PIPELINE, Stage("probe", f"{__name__}:probe", Phase.AFTER)])
    only = CORE_STAGES | {"probe"}
    PROBED.clear()
    with pytest.raises(Killed):
        run_pipeline(engine, START + timedelta(days=1), only=only)
    assert str(scalar(engine, "SELECT MAX(run_date) FROM eod_runs")) == str(START + timedelta(days=1))
    run_pipeline(engine, START + timedelta(days=3), catch_up=True, only=only)  # the restart, days ahead
    called = [START, START, START + timedelta(days=1), START + timedelta(days=2)]  # the killed day's again first
    assert called == PROBED
    done = rows(engine, "SELECT run_date FROM eod_stage_runs WHERE stage = 'probe' ORDER BY run_date")
    assert [str(d) for (d,) in done] == [str(START + timedelta(days=n)) for n in (1, 2, 3)]


def test_two_runs_at_once_on_one_database_close_the_day_once_and_neither_fails(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.eod_pipeline import run_pipeline

    books_with_loans(engine, 8)
    fast_forward(engine, START, 31)  # to the first due date: the run closing it debits every loan
    bank = hostile_bank(engine, timeout_rate="0")
    before = scalar(engine, "SELECT COUNT(*) FROM journal_entries")
    results = race(*(lambda: run_pipeline(engine, FIRST_DUE + timedelta(days=1), gateway=bank, only=CORE_STAGES),) * 3)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(bool(r[0].get("replayed")) for r in results) == [False, True, True]  # the others waited
    assert str(scalar(engine, "SELECT business_date FROM business_calendar")) == str(FIRST_DUE + timedelta(days=1))
    assert scalar(engine, "SELECT COUNT(*) FROM journal_entries") > before
    assert_debits_match_repayments(engine)
    assert_books_clean(engine)


def test_a_catch_up_beyond_its_limit_is_refused_before_any_day_is_closed(engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import eod_pipeline

    books_with_loans(engine, 1)
    monkeypatch.setattr(eod_pipeline, "CATCH_UP_DAYS_MAX", 3)
    before = dump(engine)
    with pytest.raises(EodDateInvalid) as caught:
        eod_pipeline.run_pipeline(engine, START + timedelta(days=5), catch_up=True, only=CORE_STAGES)
    assert caught.value.field == "date" and "limited to 3 days" in caught.value.message
    assert dump(engine) == before  # before: four days closed, then the refusal
    assert eod_pipeline.run_pipeline(engine, START + timedelta(days=3), catch_up=True, only=CORE_STAGES)[-1][
        "run_date"] == str(START + timedelta(days=3))  # the limit itself is allowed


def test_an_old_date_without_its_post_loan_stages_returns_its_record_and_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.eod_pipeline import run_pipeline

    books_with_loans(engine, 2)
    run_days(engine, START, 3)  # the core stages only (simulate --core-eod): no post-loan stage ran
    before = dump(engine)
    again = run_pipeline(engine, START + timedelta(days=1))  # every stage: an AssertionError before
    assert again[0]["replayed"] and again[0]["run_date"] == str(START + timedelta(days=1))
    assert dump(engine) == before  # post-loan stages act on the business date only, never on an old one
