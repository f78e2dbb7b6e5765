"""The periodic limit review through the store and the CLI on SQLite and PostgreSQL: a steady payer is
raised, a first payment default frozen, a sudden drawdown lowered — each change with its reasons in the
line's history, the review and score stored, the borrower told, and a dry run changing nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from collections_fixtures import approved_with_income, installment_due
from integration_helpers import cli, dump, ok
from lending_fixtures import open_line, setup_books

from creditline.app import Draw, Repay, draw, repay, run_eod, show_line
from creditline.app.collections_eod import early_warning
from creditline.app.limit_review import ReviewSetup, run_review
from creditline.servicing.limit_review import builtin_limit_review_policy
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository, ReviewRepository

REVIEW_DAY = date(2025, 3, 5)


def _quick_policy() -> ReviewSetup:
    """The shipped policy with the waiting times shortened, so two months of history decide."""
    policy = builtin_limit_review_policy()
    raise_rules = policy.raise_rules.model_copy(update={"tenure_months_min": 2, "installments_due_min": 2})
    return ReviewSetup.of(policy.model_copy(update={"first_review_after_days": 0, "raise_rules": raise_rules}))


@pytest.fixture
def book(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    setup_books(engine)
    lines = {name: open_line(engine, name, limit="10000") for name in ("STEADY", "LATE", "SPIKY")}
    for name, line in lines.items():
        approved_with_income(engine, name, line, 2_000_000)
    loans = {name: draw(engine, Draw(lines[name], amount, 12, f"d-{name}"))["loan_id"]
             for name, amount in (("STEADY", "6000"), ("LATE", "6000"), ("SPIKY", "1000"))}  # fmt: skip
    today = date(2025, 1, 1)
    while today < REVIEW_DAY:
        closed, today = today, today + timedelta(days=1)
        run_eod(engine, today)
        for name in ("STEADY", "SPIKY"):
            if (owed := installment_due(engine, loans[name], today)) is not None:
                repay(engine, Repay(loans[name], owed, f"r-{name}-{today}"))
        if today == date(2025, 3, 2):
            draw(engine, Draw(lines["SPIKY"], "8500", 12, "spike"))
        early_warning(engine, closed, SimpleNamespace(run_date=today))
    return lines


def test_raised_frozen_and_lowered_each_with_its_reasons(engine, db_url: str, book: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    _cli_review(engine, db_url)
    before = dump(engine)
    preview = run_review(engine, REVIEW_DAY, dry_run=True, setup=_quick_policy())
    assert dump(engine) == before
    summary = run_review(engine, REVIEW_DAY, setup=_quick_policy())
    assert summary["actions"] == preview["actions"] == {"keep": 0, "raise": 1, "lower": 1, "freeze": 1}
    by_line = {c["line_id"]: c for c in summary["changes"]}
    steady, late, spiky = (by_line[book[n]] for n in ("STEADY", "LATE", "SPIKY"))
    assert (steady["action"], steady["new_limit"], steady["binding"]) == ("raise", "12000.00", "step")
    assert [r["code"] for r in late["reasons"]] == ["signal_first_payment_default", "days_past_due"]
    assert (spiky["action"], spiky["new_limit"], [r["code"] for r in spiky["reasons"]]) == (
        "lower", "7500.00", ["signal_utilisation_spike"])  # fmt: skip
    assert (show_line(engine, book["STEADY"])["limit"], show_line(engine, book["LATE"])["status"]) == ("12000.00", "frozen")
    change = show_line(engine, book["SPIKY"])["changes"][-1]
    assert (change["what"], change["old_value"], change["new_value"]) == ("limit", "10000.00", "7500.00")
    assert change["reason"].startswith("limit review limit_review_cn@2025.07.3: lower (score ")
    assert "early warning: utilisation spike" in change["reason"]
    with UnitOfWork(engine, read_only=True) as uow:
        notices = [m for m in CollectionsRepository(uow.connection).outbox(limit=100) if m["purpose"] == "service"]
        scores = ReviewRepository(uow.connection).scores(book)
    assert sorted(m["template_id"] for m in notices) == ["limit_lowered", "limit_raised", "line_frozen"]
    assert "12000.00 CNY" in next(m["text"] for m in notices if m["template_id"] == "limit_raised")
    assert scores["STEADY"] == 700 and scores["LATE"] < 550
    again = run_review(engine, REVIEW_DAY, setup=_quick_policy())
    assert (again["lines_due"], again["lines_reviewed"]) == (0, 0)
    history = ok("limits", "history", book["STEADY"], "--db", db_url)["reviews"]
    assert [(r["action"], r["score"], r["new_limit_minor"]) for r in history] == [("raise", 700, 1_200_000)]
    assert json.dumps(history[0]["reasons"]).count("steady_payer") == 1


def _cli_review(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    wrong = cli("limits", "review", "--date", "2025-03-04", "--db", db_url)
    assert (wrong.exit_code, wrong.stderr) == (2, "error: --date: a review runs on the business date 2025-03-05, not 2025-03-04\n")
    before = dump(engine)
    shown = ok("limits", "review", "--date", "2025-03-05", "--dry-run", "--db", db_url)
    assert (shown["dry_run"], shown["policy"]) == (True, "limit_review_cn@2025.07.3")
    # The shipped policy waits 90 days for a first review, but not with a live alert no review has seen:
    # LATE's first payment default and SPIKY's utilisation spike (this book ran early warning without reviews).
    assert shown["lines_due"] == 2
    assert dump(engine) == before


def test_a_book_that_keeps_closed_loans_between_days_reviews_them_as_a_fresh_process_does(engine, book: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine keeps a closed loan's replay (`batch_memory`) once its last event is behind
    it: the lines' facts weeks later are those a fresh process reads, and a loan that moves again (its
    version raised) is replayed again."""
    from decimal import Decimal

    from sqlalchemy import text

    from creditline.app.limit_review import _lines
    from creditline.app.limit_review_facts import CLOSED_LOANS_KEPT, lines_facts
    from creditline.app.quotes import payoff_quote
    from creditline.store import batch_memory

    setup = _quick_policy()
    with UnitOfWork(engine, read_only=True) as uow:
        spiky = uow.connection.execute(text("SELECT loan_id FROM loans WHERE line_id = :l ORDER BY disbursed_on"),
                                       {"l": book["SPIKY"]}).scalars().first()  # fmt: skip
    quote = payoff_quote(engine, spiky)
    assert Decimal(quote["total"]) > 0
    repay(engine, Repay(spiky, quote["total"], "payoff-spiky"))
    run_eod(engine, REVIEW_DAY + timedelta(days=1))

    def facts(on: date, *, kept: bool) -> list:
        memory = batch_memory._KEPT.pop(engine)
        if kept:
            batch_memory._KEPT[engine] = memory
        try:
            with UnitOfWork(engine, read_only=True) as uow:
                records = list(_lines(uow, sorted(book.values()), for_update=False).values())
                return [found for found, _ in lines_facts(uow, records, on, setup.card)]
        finally:
            batch_memory._KEPT[engine] = memory

    batch_memory.keep_between_days(engine)
    facts(REVIEW_DAY + timedelta(days=2), kept=True)
    assert spiky in batch_memory._KEPT[engine][CLOSED_LOANS_KEPT]  # paid off, its last event behind it
    later = REVIEW_DAY + timedelta(days=60)
    assert facts(later, kept=True) == facts(later, kept=False)


@pytest.mark.parametrize("kept", [False, True], ids=["fresh", "kept-between-days"])
def test_an_alert_raised_after_the_days_review_is_acted_on_at_the_next_one(engine, kept: bool) -> None:  # type: ignore[no-untyped-def]
    """A borrower an alert was raised about is reviewed whatever the cadence ('a freeze should not wait a
    month'). An alert raised during the day (`alerts signal` then `alerts check`), after that day's review,
    was urgent on no day: not that day (reviewed already), not the next (not raised that day). The same
    on the simulator's engine, which keeps each line's last review between days (`batch_memory`)."""
    from creditline.app.alerts import FraudSignal, check_alerts_today, record_fraud_signal
    from creditline.app.limit_review import LATEST_REVIEWS_KEPT
    from creditline.store import batch_memory

    if kept:
        batch_memory.keep_between_days(engine)
    setup_books(engine)
    line = open_line(engine, "WATCHED", limit="10000")
    draw(engine, Draw(line, "1000", 3, "d1"))
    first = run_review(engine, date(2025, 1, 1), setup=_quick_policy())
    assert (first["lines_reviewed"], first["actions"]["keep"]) == (1, 1)
    record_fraud_signal(engine, FraudSignal("WATCHED", "account_takeover", "SIM swap reported", "fraud-review"))
    assert check_alerts_today(engine)["raised_fraud_signal"] == 1
    run_eod(engine, date(2025, 1, 2))
    early_warning(engine, date(2025, 1, 1), SimpleNamespace(run_date=date(2025, 1, 2)))  # nothing new to raise
    second = run_review(engine, date(2025, 1, 2), setup=_quick_policy())
    assert (second["lines_reviewed"], second["actions"]["freeze"]) == (1, 1)
    assert show_line(engine, line)["status"] == "frozen"
    third = run_review(engine, date(2025, 1, 2), setup=_quick_policy())  # a rerun the same day: nothing twice
    assert third["lines_due"] == 0
    run_eod(engine, date(2025, 1, 3))
    assert run_review(engine, date(2025, 1, 3), setup=_quick_policy())["lines_due"] == 0  # seen: not urgent again
    if kept:
        reviewed_on, reasons = batch_memory._KEPT[engine][LATEST_REVIEWS_KEPT][line]
        assert (reviewed_on, "signal_fraud_signal" in reasons) == (date(2025, 1, 2), True)


def test_a_line_in_another_currency_is_not_due_and_takes_no_place_in_the_run(engine) -> None:  # type: ignore[no-untyped-def]
    """The review's policy is for one currency (its limit policy's); a line in another is reviewed under its
    own jurisdiction's policy. It used to be counted due every day (never reviewed here, so never not due),
    and, never reviewed, it ranked first: with a bounded run, it took the places of the lines due."""
    from lending_fixtures import usd_line

    setup_books(engine)
    foreign = usd_line(engine, "DOLLAR", limit="5000", line_id="A-USD")
    home = open_line(engine, "YUAN", limit="10000", line_id="B-CNY")
    policy = _quick_policy().policy
    one_a_run = ReviewSetup.of(policy.model_copy(update={"lines_per_run_max": 1}))
    first = run_review(engine, date(2025, 1, 1), setup=one_a_run)
    assert (first["lines_due"], first["lines_reviewed"], first["actions"]["keep"]) == (1, 1, 1)
    with UnitOfWork(engine, read_only=True) as uow:
        reviewed = [r["line_id"] for r in ReviewRepository(uow.connection).reviews(line_id=home, limit=5)]
        assert ReviewRepository(uow.connection).reviews(line_id=foreign, limit=5) == []
    assert reviewed == [home]
    again = run_review(engine, date(2025, 1, 1), setup=_quick_policy())
    assert (again["lines_due"], again["lines_reviewed"]) == (0, 0)


def test_a_lowered_limit_is_not_left_above_by_a_temporary_limit(engine) -> None:  # type: ignore[no-untyped-def]
    """A line with a temporary limit lends up to it whatever its permanent limit. A review that lowered the
    limit of such a line (10,000.00 -> 7,500.00 on a low score) left its temporary 15,000.00 in force: the
    borrower could still draw 14,000.00 more, so the cut at a warning sign cut nothing until the expiry.
    The cut now withdraws a temporary limit above the new one, both changes recorded with the review's reason."""
    from creditline.app.lines import SetTempLimit, set_temp_limit

    setup_books(engine)
    line = open_line(engine, "TEMP", limit="10000")
    set_temp_limit(engine, SetTempLimit(line, "15000", date(2025, 3, 31), "spring campaign"))
    draw(engine, Draw(line, "1000", 3, "d1"))
    policy = _quick_policy().policy
    low_bar = policy.lower.model_copy(update={"score_below": 1000})  # every score is low: the review lowers
    summary = run_review(engine, date(2025, 1, 1), setup=ReviewSetup.of(policy.model_copy(update={"lower": low_bar})))
    assert summary["actions"] == {"keep": 0, "raise": 0, "lower": 1, "freeze": 0}
    view = show_line(engine, line)
    assert (view["limit"], view["effective_limit"], view["available"]) == ("7500.00", "7500.00", "6500.00")
    assert (view["temp_limit"], view["temp_limit_until"]) == (None, None)
    changes = [(c["what"], c["old_value"], c["new_value"]) for c in view["changes"]][-2:]
    assert changes == [("limit", "10000.00", "7500.00"), ("temp_limit", "15000.00 until 2025-03-31", None)]
    assert all(c["reason"].startswith("limit review limit_review_cn@2025.07.3: lower") for c in view["changes"][-2:])


def test_a_line_whose_loan_was_written_off_unpaid_is_frozen_not_scored_as_a_steady_payer(engine) -> None:  # type: ignore[no-untyped-def]
    """The payment record took the written-off amount off each installment's requirement, so the loan written
    off at 38 days past due, nothing ever paid, counted 2 of 2 installments paid on time: score 685, and the
    line was kept active although no drawdown on it is allowed any more
    (`borrower_in_arrears`). Unpaid, it scores 315, and the write-off freezes the line."""
    from creditline.app.limit_review import line_reviews
    from creditline.app.loans import WriteOff, write_off
    from creditline.store.tables_collections import behaviour_scores

    setup_books(engine)
    line = open_line(engine, "WO", limit="10000")
    loan = draw(engine, Draw(line, "1000", 3, "d1"))["loan_id"]
    today = date(2025, 1, 1)
    while today < date(2025, 3, 10):
        today += timedelta(days=1)
        run_eod(engine, today)
    write_off(engine, WriteOff(loan, "wo-1"))
    run_eod(engine, date(2025, 3, 11))
    policy = _quick_policy().policy.model_copy(update={"review_every_days": 1})
    assert run_review(engine, date(2025, 3, 11), setup=ReviewSetup.of(policy))["actions"]["freeze"] == 1
    (review,) = line_reviews(engine, line)["reviews"]
    assert (review["action"], review["score"], review["old_limit_minor"], review["new_limit_minor"]) == ("freeze", 315, 1_000_000, 1_000_000)
    assert [r["code"] for r in review["reasons"]] == ["written_off"]
    assert show_line(engine, line)["status"] == "frozen"
    with engine.connect() as connection:
        inputs = json.loads(connection.execute(behaviour_scores.select()).one()._mapping["inputs_json"])
    assert (inputs["on_time_pct"], inputs["days_past_due_max_12m"], inputs["days_past_due_now"]) == (0, 38, 0)


def test_a_borrower_past_due_on_another_line_is_not_raised(engine) -> None:  # type: ignore[no-untyped-def]
    """A raise needs 'nothing past due'; only the reviewed line's loans were looked at. A steady payer on their
    revolving line whose loan on a second product's line was 4 days past due (an installment unpaid beyond
    grace) had the revolving line raised from 10,000.00 to 12,000.00."""
    from lending_fixtures import product_copy

    from creditline.app import OpenLine
    from creditline.app import open_line as open_any_line

    setup_books(engine)
    product_copy(engine, "cash-plus", {})
    line = open_line(engine, "TWO", limit="10000")
    other = open_any_line(engine, OpenLine("TWO", "cash-plus", "10000", "0.05", "approved"))["line_id"]
    approved_with_income(engine, "TWO", line, 2_000_000)
    steady = draw(engine, Draw(line, "6000", 12, "d-steady"))["loan_id"]
    behind = draw(engine, Draw(other, "1000", 3, "d-behind"))["loan_id"]
    today = date(2025, 1, 1)
    while today < REVIEW_DAY:
        today += timedelta(days=1)
        run_eod(engine, today)
        if (owed := installment_due(engine, steady, today)) is not None:
            repay(engine, Repay(steady, owed, f"r-{today}"))
        if today == date(2025, 2, 1):
            repay(engine, Repay(behind, installment_due(engine, behind, today), "r-behind"))  # the first, then nothing
    summary = run_review(engine, REVIEW_DAY, setup=_quick_policy())
    by_line = {c["line_id"]: c for c in summary["changes"]}
    assert line not in by_line and show_line(engine, line)["limit"] == "10000.00"
    from creditline.app.limit_review import line_reviews

    (review,) = line_reviews(engine, line)["reviews"]
    assert review["action"] == "keep"
    assert {"code": "not_late_elsewhere", "text": "a loan on another of the borrower's lines is 4 days past due"} in review["reasons"]


def test_a_cut_below_the_drawn_balance_leaves_nothing_available_and_asks_for_no_repayment(engine) -> None:  # type: ignore[no-untyped-def]
    """docs/limit-management.md: a cut below what is drawn leaves 0.00 available, never a negative amount,
    and the loans keep their schedules (nothing falls due early)."""
    from creditline.app import show_loan

    setup_books(engine)
    line = open_line(engine, "DRAWN", limit="10000")
    loan = draw(engine, Draw(line, "9000", 3, "d1"))["loan_id"]
    schedule = show_loan(engine, loan)["installments"]
    policy = _quick_policy().policy
    low_bar = policy.lower.model_copy(update={"score_below": 1000})
    run_review(engine, date(2025, 1, 1), setup=ReviewSetup.of(policy.model_copy(update={"lower": low_bar})))
    view = show_line(engine, line)
    assert (view["limit"], view["outstanding_principal"], view["available"]) == ("7500.00", "9000.00", "0.00")
    after = show_loan(engine, loan)
    assert (after["installments"], after["status"], after["days_past_due"]) == (schedule, "active", 0)


def test_a_frozen_line_is_not_cut_again_without_a_new_alert(engine) -> None:  # type: ignore[no-untyped-def]
    """A frozen line cannot be drawn, yet with a low score it was cut by a quarter at every review: 10,000.00,
    7,500.00, 5,600.00, ... toward nothing, on no new information. It is cut again only after a new alert."""
    from creditline.app import ChangeLineStatus, change_line_status

    setup_books(engine)
    line = open_line(engine, "ICE", limit="10000")
    draw(engine, Draw(line, "1000", 3, "d1"))
    change_line_status(engine, ChangeLineStatus(line, "freeze", "operator: under investigation"))
    policy = _quick_policy().policy.model_copy(update={"review_every_days": 1})
    setup = ReviewSetup.of(policy.model_copy(update={"lower": policy.lower.model_copy(update={"score_below": 1000})}))
    limits = []
    for day in (date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)):
        if day > date(2025, 1, 1):
            run_eod(engine, day)
        if day == date(2025, 1, 3):
            with UnitOfWork(engine) as uow:
                ReviewRepository(uow.connection).add_alert({
                    "kind": "failed_debits", "scope": "loan", "subject": "L-x", "borrower_id": "ICE", "loan_id": None,
                    "severity": "medium", "status": "open", "raised_on": day, "message": "2 failed auto-debits",
                    "details_json": "{}", "thresholds": "early_warning_cn@2025.07.1"})  # fmt: skip
                uow.commit()
        run_review(engine, day, setup=setup)
        limits.append(show_line(engine, line)["limit"])
    assert limits == ["7500.00", "7500.00", "5600.00"]
    from creditline.app.limit_review import line_reviews

    kept = line_reviews(engine, line)["reviews"][1]
    assert (kept["business_date"], kept["action"]) == ("2025-01-02", "keep")
    assert [r["code"] for r in kept["reasons"]] == ["score_low", "frozen_no_news"]


def test_a_cut_below_the_drawn_balance_does_not_lower_the_score_into_a_second_cut(engine) -> None:  # type: ignore[no-untyped-def]
    """A cut to 7,500.00 under 9,000.00 drawn made the line 120% used: the score lost 20 points (90-99% -> 100%+)
    and fell below the bar, so the next review cut again with nothing new from the borrower — a spiral
    driven by the platform's own cut. Utilisation is now measured against the limit before it."""
    from sqlalchemy import update

    from creditline.app.limit_review import line_reviews
    from creditline.store.tables_collections import ew_alerts

    setup_books(engine)
    line = open_line(engine, "CUT", limit="10000")
    draw(engine, Draw(line, "9000", 3, "d1"))
    run_eod(engine, date(2025, 1, 2))  # a review runs as the day opens, before that day's drawdowns
    policy = _quick_policy().policy.model_copy(update={"review_every_days": 1})
    setup = ReviewSetup.of(policy.model_copy(update={"lower": policy.lower.model_copy(update={"score_below": 575})}))
    with UnitOfWork(engine) as uow:
        ReviewRepository(uow.connection).add_alert({
            "kind": "failed_debits", "scope": "loan", "subject": "L-x", "borrower_id": "CUT", "loan_id": None,
            "severity": "medium", "status": "open", "raised_on": date(2025, 1, 2), "message": "2 failed auto-debits",
            "details_json": "{}", "thresholds": "early_warning_cn@2025.07.1"})  # fmt: skip
        uow.commit()
    run_review(engine, date(2025, 1, 2), setup=setup)
    with engine.begin() as connection:  # the operator worked the alert: nothing adverse is left
        connection.execute(update(ew_alerts).values(status="resolved"))
    run_eod(engine, date(2025, 1, 3))
    run_review(engine, date(2025, 1, 3), setup=setup)
    reviews = line_reviews(engine, line)["reviews"][::-1]
    assert [(r["business_date"], r["action"], r["new_limit_minor"], r["score"]) for r in reviews] == [
        ("2025-01-02", "lower", 750_000, 585), ("2025-01-03", "keep", 750_000, 585)]  # fmt: skip
    assert show_line(engine, line)["limit"] == "7500.00"
