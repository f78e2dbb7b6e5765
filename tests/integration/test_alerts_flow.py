"""Early-warning alerts through the store and the CLI on SQLite and PostgreSQL: each loan-level signal
raised at its threshold and once, fraud signals and monitoring holds, failed debits, a portfolio roll
rate from month-end snapshots, and the console's list / acknowledge / resolve."""

from __future__ import annotations

import json
from datetime import date

import pytest
from collections_fixtures import close_days
from eod_support import read_with_memory
from integration_helpers import cli, ok
from lending_fixtures import open_line, setup_books

from creditline.app import Draw, draw
from creditline.app.alerts_stage import raise_alerts
from creditline.store import UnitOfWork


@pytest.fixture
def book(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    setup_books(engine)
    late = draw(engine, Draw(open_line(engine, "LATE"), "1200", 3, "d1"))["loan_id"]
    draw(engine, Draw(open_line(engine, "SPIKY", limit="2000"), "1900", 3, "d2"))
    open_line(engine, "WATCHED")
    close_days(engine, date(2025, 2, 8), stages=("early-warning",))
    return {"late_loan": late}


def _alerts(db_url: str, *extra: str) -> list[dict]:
    return ok("alerts", "list", "--status", "all", *extra, "--db", db_url)["alerts"]


def test_loan_signals_each_raise_one_alert_and_the_console_works_them(engine, db_url: str, book: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    raised = {(a["kind"], a["borrower_id"], a["raised_on"]) for a in _alerts(db_url)}
    assert raised == {("utilisation_spike", "SPIKY", "2025-01-02"), ("first_payment_default", "LATE", "2025-02-08"),
                      ("first_payment_default", "SPIKY", "2025-02-08")}  # neither paid a cent
    first = next(a for a in _alerts(db_url) if a["kind"] == "first_payment_default" and a["borrower_id"] == "LATE")
    assert (first["loan_id"], first["severity"], first["details"], first["thresholds"]) == (
        book["late_loan"], "high", {"days_past_due": 7}, "early_warning_cn@2025.07.1")  # fmt: skip
    assert ok("alerts", "check", "--db", db_url)["alerts_raised"] == 0  # nothing raised twice
    _fraud_signals_monitoring_holds_and_failed_debits(engine, db_url, book)
    _the_console_acknowledges_and_resolves(db_url)


def _fraud_signals_monitoring_holds_and_failed_debits(engine, db_url: str, book: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.tables_borrower_servicing import monitoring_outcomes
    from creditline.store.tables_servicing import debit_attempts

    ok("alerts", "signal", "--borrower", "WATCHED", "--kind", "device_change", "--detail", "new phone, new payee", "--db", db_url)
    with engine.begin() as connection:
        connection.execute(monitoring_outcomes.insert().values(
            outcome_id="MO1", borrower_id="WATCHED", kind="drawdown", at_s=1_738_972_800, business_date=date(2025, 2, 8),
            score="0.97", rules_json='["new_device", "new_payee"]', rules_version="r1", action="hold", status="held",
        ))  # fmt: skip
        for n, day in enumerate((date(2025, 2, 1), date(2025, 2, 1), date(2025, 2, 3)), 1):  # two rounds, then one: 2 days
            connection.execute(debit_attempts.insert().values(
                attempt_key=f"ad:{book['late_loan']}:{day}:{n}",
                loan_id=book["late_loan"], borrower_id="LATE", business_date=day, round=n, currency="CNY",
                requested_minor=42_000, days_past_due=0, policy="p", outcome="insufficient_funds", debited_minor=0,
                applied=1,
            ))  # fmt: skip
    checked = ok("alerts", "check", "--db", db_url)
    assert (checked["raised_fraud_signal"], checked["raised_failed_debits"]) == (2, 1)
    watched = _alerts(db_url, "--borrower", "WATCHED")
    assert sorted(a["details"]["signal_kind"] for a in watched) == ["device_change", "monitoring_hold"]
    assert any("new_device, new_payee" in a["message"] for a in watched)
    failed = _alerts(db_url, "--kind", "failed_debits")[0]
    assert failed["details"] == {"failed_debits": 2} and failed["loan_id"] == book["late_loan"]
    assert ok("alerts", "check", "--db", db_url)["alerts_raised"] == 0


def _the_console_acknowledges_and_resolves(db_url: str) -> None:
    spike = next(a for a in _alerts(db_url) if a["kind"] == "utilisation_spike")
    acked = ok("alerts", "ack", str(spike["alert_id"]), "--operator", "risk-1", "--note", "calling", "--db", db_url)
    assert (acked["status"], acked["acknowledged_by"], acked["acknowledged_on"], acked["note"]) == (
        "acknowledged", "risk-1", "2025-02-08", "calling")  # fmt: skip
    twice = cli("alerts", "ack", str(spike["alert_id"]), "--operator", "risk-1", "--db", db_url)
    assert twice.exit_code == 2 and "is acknowledged; it cannot become acknowledged" in twice.stderr
    assert ok("alerts", "resolve", str(spike["alert_id"]), "--operator", "risk-2", "--db", db_url)["status"] == "resolved"
    assert [a["alert_id"] for a in _alerts(db_url, "--status", "open")] != [spike["alert_id"]]
    missing = cli("alerts", "resolve", "999999", "--operator", "x", "--db", db_url)
    assert (missing.exit_code, missing.stderr) == (2, "error: --alert: no alert 999999\n")
    bad = cli("alerts", "list", "--status", "closed", "--db", db_url)
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --status:")
    typo = cli("alerts", "list", "--kind", "utilisation-spike", "--db", db_url)  # it printed "no alerts"
    assert typo.exit_code == 2 and typo.stderr.startswith("error: --kind: kind is one of first_payment_default, ")


def test_portfolio_signals_roll_rate_and_partner_concentration(engine) -> None:  # type: ignore[no-untyped-def]
    from colending_fixtures import partner_file

    from creditline.app.colending import add_partner
    from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

    setup_books(engine)
    add_partner(engine, partner_file("bank-a", cost="3%", share_max="40%"), "a.yaml")
    add_partner(engine, partner_file("bank-b", cost="4%", share_max="20%"), "b.yaml")
    for n in range(3):  # each drawdown: 40% to the cheaper bank, 20% to the other, 40% the platform's own
        draw(engine, Draw(open_line(engine, f"P{n}"), "10000", 6, f"p{n}"))
    rows = []
    for i in range(120):
        for as_of, days in ((date(2025, 1, 31), 0), (date(2025, 2, 28), 15 if i < 6 else 0)):  # 5% roll to M1
            rows.append(_snapshot_row(f"S{i}", as_of, days))
    with engine.begin() as connection:
        connection.execute(loan_snapshots.insert(), rows)
        connection.execute(snapshot_dates.insert(), [{"as_of": d, "rows": 120, "month_end": 1}
                                                      for d in (date(2025, 1, 31), date(2025, 2, 28))])  # fmt: skip
    with UnitOfWork(engine) as uow:
        summary = raise_alerts(uow, date(2025, 3, 1))
        assert raise_alerts(uow, date(2025, 3, 1))["alerts_raised"] == 0
        uow.commit()
    assert summary["raised_roll_rate"] == 1
    with UnitOfWork(engine, read_only=True) as uow:
        from creditline.store.collections_repository import ReviewRepository

        (partner,) = ReviewRepository(uow.connection).alerts(status="open", scope=None, kind="concentration",
                                                             borrower_id=None, limit=10)  # fmt: skip
    assert partner["subject"] == "partner:bank-a:CNY"  # 12,000.00 of the 18,000.00 partners fund: two thirds
    assert "holds 66.67% of outstanding CNY principal; at most 0.5" in partner["message"]
    with UnitOfWork(engine) as uow:  # a day later the month is no longer new: nothing is recomputed
        assert "raised_roll_rate" not in raise_alerts(uow, date(2025, 3, 3))


def test_portfolio_signals_never_add_up_money_of_two_currencies(engine) -> None:  # type: ignore[no-untyped-def]
    """Concentration and roll rates are measured within each currency's book. Summed across currencies,
    USD 20,000 hid CNY 8,500 of a CNY 10,000 book in one product (85%, above 80%) as 28.33% of '30,000',
    and 6 rolled loans of 120 CNY (5%, above 4.5%) as 6 of 240 with the USD loans (2.5%)."""
    from lending_fixtures import product_copy, usd_line

    from creditline.app import OpenLine
    from creditline.app import open_line as open_any_line
    from creditline.store.collections_repository import ReviewRepository
    from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

    setup_books(engine)
    product_copy(engine, "revolving-cny-b", {})
    other = open_any_line(engine, OpenLine("CNY-B", "revolving-cny-b", "20000", "0.05", "approved"))["line_id"]
    draw(engine, Draw(open_line(engine, "CNY-A"), "8500", 6, "a"))
    draw(engine, Draw(other, "1500", 6, "b"))
    draw(engine, Draw(usd_line(engine, "USD-A", limit="30000"), "20000", 6, "u"))
    rows = [_snapshot_row(f"{code}{i}", as_of, 15 if code == "CNY" and i < 6 and as_of.month == 2 else 0, code)
            for code in ("CNY", "USD") for i in range(120) for as_of in (date(2025, 1, 31), date(2025, 2, 28))]
    with engine.begin() as connection:
        connection.execute(loan_snapshots.insert(), rows)
        connection.execute(snapshot_dates.insert(), [{"as_of": d, "rows": 240, "month_end": 1}
                                                      for d in (date(2025, 1, 31), date(2025, 2, 28))])  # fmt: skip
    with UnitOfWork(engine) as uow:
        raise_alerts(uow, date(2025, 3, 1))
        found = ReviewRepository(uow.connection).alerts(status="open", scope="portfolio", kind=None, borrower_id=None,
                                                        limit=10)  # fmt: skip
        uow.commit()
    by_kind = {a["kind"]: a for a in found}
    assert sorted(by_kind) == ["concentration", "roll_rate"] and len(found) == 2
    concentration, roll = by_kind["concentration"], by_kind["roll_rate"]
    assert concentration["subject"] == "product:revolving-consumer:CNY"
    details = json.loads(concentration["details_json"])
    assert (details["principal_minor"], details["total_minor"], details["currency"]) == (850_000, 1_000_000, "CNY")
    assert "holds 85.00% of outstanding CNY principal" in concentration["message"]
    assert roll["subject"] == "M0:2025-02-28:CNY" and "rolled 5.00% of its CNY balance" in roll["message"]
    assert json.loads(roll["details_json"])["principal_minor"] == 120 * 100_000


def _snapshot_row(loan_id: str, as_of: date, days_past_due: int, currency: str = "CNY") -> dict:
    return {
        "as_of": as_of, "loan_id": loan_id, "borrower_id": f"B{loan_id}", "product_id": "revolving-consumer@1",
        "origination_date": date(2025, 1, 1), "vintage_month": date(2025, 1, 1), "currency": currency,
        "disbursed_minor": 100_000, "principal_minor": 100_000, "interest_minor": 0, "penalty_minor": 0,
        "limit_minor": 200_000, "undrawn_minor": 0, "scheduled_30d_minor": 0, "recovered_minor": 0,
        "days_past_due": days_past_due, "status": "overdue" if days_past_due else "active", "stage": 1, "tier": 0,
        "pd_12m": 0.02, "pd_12m_origination": 0.02, "remaining_term_months": 10, "lgd": None, "eir_annual": 0.18,
    }  # fmt: skip




def test_a_day_a_later_round_or_source_collected_on_is_not_a_failed_debit_day(engine) -> None:  # type: ignore[no-untyped-def]
    """'Auto-debits collected nothing on 2 or more days': a day whose first round (or first source) was short
    but whose second round (or wallet) collected is not such a day. Two of those raised failed_debits (and
    cost the behaviour score its failed-debit points), which lowers the line's limit by a quarter."""
    from creditline.app.limit_review_facts import _failed_debit_days
    from creditline.store.tables_servicing import debit_attempts

    setup_books(engine)
    line = open_line(engine, "PAYER")
    loan = draw(engine, Draw(line, "1200", 3, "d1"))["loan_id"]
    attempts = [  # (day, round, source rank, outcome, debited)
        (date(2025, 2, 1), 1, 1, "insufficient_funds", 0), (date(2025, 2, 1), 2, 1, "succeeded", 42_000),
        (date(2025, 2, 8), 1, 1, "declined", 0), (date(2025, 2, 8), 1, 2, "succeeded", 42_000),
        (date(2025, 2, 15), 1, 1, "insufficient_funds", 0), (date(2025, 2, 15), 2, 1, "partial", 1_000),
        (date(2025, 2, 20), 1, 1, "insufficient_funds", 0), (date(2025, 2, 20), 2, 1, "insufficient_funds", 0),
    ]
    with engine.begin() as connection:
        for day, round_no, rank, outcome, debited in attempts:
            connection.execute(debit_attempts.insert().values(
                attempt_key=f"ad:{loan}:{day}:{round_no}:{rank}", loan_id=loan, borrower_id="PAYER", business_date=day,
                round=round_no, currency="CNY", requested_minor=42_000, days_past_due=0, policy="p", outcome=outcome,
                debited_minor=debited, applied=1, source_rank=rank,
            ))  # fmt: skip
    with UnitOfWork(engine) as uow:
        summary = raise_alerts(uow, date(2025, 2, 25))
        days = _failed_debit_days(uow, [line], date(2025, 2, 25))
    assert summary.get("raised_failed_debits", 0) == 0  # one day (20 February) collected nothing
    assert days == {line: 1}


def test_a_fraud_signal_about_an_unknown_borrower_is_refused_and_nothing_is_recorded(engine, db_url: str, book) -> None:  # type: ignore[no-untyped-def]
    """It was recorded ("signal 1 recorded for nobody") and counted by the next early-warning check."""
    from sqlalchemy import func, select

    from creditline.store.tables_collections import ew_fraud_signals

    refused = cli("alerts", "signal", "--borrower", "NOBODY", "--kind", "device_change", "--detail", "x", "--db", db_url)
    assert (refused.exit_code, refused.stderr) == (2, "error: --borrower: no borrower NOBODY\n")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ew_fraud_signals)).scalar_one() == 0
    ok("alerts", "signal", "--borrower", "WATCHED", "--kind", "device_change", "--detail", "x", "--db", db_url)


def test_a_first_payment_default_skipped_on_its_day_is_raised_at_the_next_run_and_once(engine) -> None:  # type: ignore[no-untyped-def]
    """It was looked for only at exactly 7 days past due: a day whose early-warning run was skipped (or a loan
    that jumped past 7) lost the alert for good, and the limit review never froze the line for it."""
    setup_books(engine)
    loan = draw(engine, Draw(open_line(engine, "LATE"), "1200", 3, "d1"))["loan_id"]
    close_days(engine, date(2025, 2, 10), stages=())  # no early-warning run on 8 February (7 days past due)
    with UnitOfWork(engine) as uow:
        first = raise_alerts(uow, date(2025, 2, 10))
        again = raise_alerts(uow, date(2025, 2, 11))
        uow.commit()
    assert (first["raised_first_payment_default"], again["alerts_raised"]) == (1, 0)
    with engine.connect() as connection:
        from sqlalchemy import select

        from creditline.store.tables_collections import ew_alerts

        rows = connection.execute(select(ew_alerts.c.loan_id, ew_alerts.c.raised_on, ew_alerts.c.details_json)).all()
    assert [(r.loan_id, r.raised_on, json.loads(r.details_json)) for r in rows] == [
        (loan, date(2025, 2, 10), {"days_past_due": 9})]  # fmt: skip


def test_a_book_that_keeps_first_due_days_between_days_raises_the_first_payment_default_as_a_fresh_process(engine) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine keeps each loan's first due day (its terms never change): the day it is read
    and the next it is kept, the alert is the one a process that keeps nothing raises."""
    from creditline.app.alerts_stage import FIRST_DUE_KEPT, _first_payment_defaults
    from creditline.servicing.early_warning import builtin_thresholds
    from creditline.store import batch_memory

    setup_books(engine)
    loan = draw(engine, Draw(open_line(engine, "LATE"), "1200", 3, "d1"))["loan_id"]
    close_days(engine, date(2025, 2, 10), stages=())

    def found(on: date) -> list:
        with UnitOfWork(engine, read_only=True) as uow:
            return [(a.loan_id, a.details) for a in _first_payment_defaults(uow, on, builtin_thresholds())]

    fresh = found(date(2025, 2, 10))
    batch_memory.keep_between_days(engine)
    assert found(date(2025, 2, 10)) == fresh == [(loan, {"days_past_due": 9})]
    assert batch_memory._KEPT[engine][FIRST_DUE_KEPT] == {loan: date(2025, 2, 1).toordinal()}
    assert found(date(2025, 2, 10)) == fresh  # from the kept day


def test_a_book_that_keeps_month_ends_between_days_measures_the_month_as_a_fresh_process(engine) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine keeps each month end's snapshot rows once read (they never change) and reads
    only a new month end: the frame the roll rates and vintages are measured on is the fresh one."""
    from creditline.app.alerts_snapshots import MONTH_ENDS_KEPT, month_end_snapshots
    from creditline.store import batch_memory
    from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

    ends = (date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31))

    def month(end: date) -> None:
        with engine.begin() as connection:
            connection.execute(loan_snapshots.insert(), [_snapshot_row(f"S{i}", end, 15 if i < end.month else 0)
                                                         for i in range(40)])  # fmt: skip
            connection.execute(snapshot_dates.insert(), [{"as_of": end, "rows": 40, "month_end": 1}])

    def frame(on: date, *, kept: bool) -> tuple:
        def read() -> tuple:
            with UnitOfWork(engine, read_only=True) as uow:
                found, latest = month_end_snapshots(uow, on)
            return found.sort("as_of", "loan_id").rows(), latest

        return read_with_memory(engine, kept, read)

    batch_memory.keep_between_days(engine)
    month(ends[0])
    month(ends[1])
    assert frame(date(2025, 3, 1), kept=True) == frame(date(2025, 3, 1), kept=False)
    assert sorted(batch_memory._KEPT[engine][MONTH_ENDS_KEPT]) == list(ends[:2])
    month(ends[2])
    found, latest = frame(date(2025, 4, 1), kept=True)
    assert (found, latest) == frame(date(2025, 4, 1), kept=False)
    assert (len(found), latest, sum(row[-1] > 0 for row in found)) == (120, ends[2], 1 + 2 + 3)
