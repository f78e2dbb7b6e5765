"""`creditline report portfolio` reads the snapshots EOD wrote, by default from the database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from eod_support import START, books_with_loans, fast_forward, hostile_bank, rows, run_days, scalar
from integration_helpers import cli

from creditline.portfolio.ratio import shown as shown_ratio


def test_the_report_reads_the_database_and_its_allowance_is_the_booked_one(engine, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    books_with_loans(engine, 6)
    today = fast_forward(engine, START, 29)
    run_days(engine, today, 4, gateway=hostile_bank(engine, short_rate="0.5", partial_share="0"))
    as_of = (today + timedelta(days=4)).isoformat()
    out = tmp_path / "report"
    result = cli("report", "portfolio", "--as-of", as_of, "--out", str(out), "--db", db_url, "--json")
    assert result.exit_code == 0, result.stderr
    summary = result.json()
    assert summary["loans_on_book"] == 6 and summary["currency"] == "CNY"
    booked = scalar(engine, "SELECT allowance_minor FROM provision_runs WHERE run_date = :d", d=today + timedelta(days=4))
    assert summary["ecl"]["allowance_minor"] == booked  # the report's ECL is the allowance EOD booked
    assert (out / f"portfolio-{as_of}.html").is_file()
    missing = cli("report", "portfolio", "--as-of", START.isoformat(), "--out", str(tmp_path / "none"), "--db", db_url)
    assert missing.exit_code == 2 and not (tmp_path / "none").exists()
    assert missing.stderr.startswith("error: --as-of: no snapshot for 2025-01-01 (snapshots cover 2025-01-31 to ")


def _ledger_allowance(engine) -> int:  # type: ignore[no-untyped-def]
    """The loss allowance the ledger holds (CNY: the only currency of these books), credit balance."""
    return int(scalar(engine, "SELECT SUM(credit_minor - debit_minor) FROM account_balances "
                              "WHERE account = 'loss_allowance' AND currency = 'CNY'") or 0)  # fmt: skip


def _report(db_url: str, out: Any, as_of: date, *options: str) -> dict[str, Any]:
    result = cli("report", "portfolio", "--as-of", as_of.isoformat(), "--out", str(out), "--db", db_url, "--json",
                 *options)
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_a_charged_off_loan_is_on_book_in_npl_and_the_reports_allowance_is_the_ledgers(
    engine, db_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Charged off at the product's threshold, a loan stays on the balance sheet as a loss-tier NPL with its
    allowance until it is written off; the report's allowance is the ledger's to the cent, before and after."""
    from creditline.app import WriteOff, write_off
    from creditline.store.tables_servicing_bank import SqlBankBook

    books_with_loans(engine, 3, charge_off_days=20)
    SqlBankBook(engine).deposit([("B000", "CNY", 0)])  # a funded account that stays empty: B000 never pays
    today = fast_forward(engine, START, 30)
    run_days(engine, today, 23, gateway=hostile_bank(engine, short_rate="0", timeout_rate="0"))
    as_of = today + timedelta(days=23)
    loan, principal = rows(engine, "SELECT loan_id, principal_outstanding_minor FROM loans WHERE borrower_id = 'B000'")[0]
    assert scalar(engine, "SELECT status FROM loans WHERE loan_id = :l", l=loan) == "charged-off"
    summary = _report(db_url, tmp_path / "charged", as_of)
    assert summary["loans_on_book"] == 3
    assert summary["charged_off"]["loans"] == 1 and summary["charged_off"]["principal_minor"] == principal
    loss = next(r for r in summary["tiers"]["rows"] if r["name"] == "loss")
    assert (loss["loans"], loss["principal_minor"]) == (1, principal)  # 损失, though 20 days past due
    book = int(scalar(engine, "SELECT SUM(principal_outstanding_minor) FROM loans WHERE status <> 'paid-off'"))
    assert summary["npl"]["npl_principal_minor"] == principal and summary["npl"]["loans_principal_minor"] == book
    booked = _ledger_allowance(engine)
    stage3 = scalar(engine, "SELECT stage3_minor FROM provision_runs WHERE run_date = :d", d=as_of)
    assert booked > stage3 > 0  # the charged-off loan's EAD × LGD, and the others' allowance
    assert summary["ecl"]["allowance_minor"] == summary["provisions"]["allowance_minor"] == booked
    assert summary["provisions"]["booked_allowance_minor"] == booked  # shown beside it, read from the database
    assert summary["provisions"]["coverage_ratio"] == shown_ratio(Decimal(booked) / Decimal(principal))
    # Other assumptions than EOD's give another estimate; the booked figure stays beside it.
    other = _report(db_url, tmp_path / "ccf", as_of, "--ccf", "0.2")["provisions"]
    assert other["allowance_minor"] < booked == other["booked_allowance_minor"]
    html = (tmp_path / "ccf" / f"portfolio-{as_of}.html").read_text()
    assert f"<th>allowance EOD booked</th><td>{Decimal(booked) / 100:.2f}</td>" in html

    write_off(engine, WriteOff(loan, "wo-1", as_of))  # 核销: its balances leave the books
    run_days(engine, as_of, 1)
    after = _report(db_url, tmp_path / "written", as_of + timedelta(days=1))
    assert after["loans_on_book"] == 2 and after["charged_off"]["loans"] == 0
    assert after["npl"]["npl_principal_minor"] == 0
    assert after["ecl"]["allowance_minor"] == _ledger_allowance(engine) < booked  # its allowance released


def test_a_day_whose_snapshot_holds_no_loans_says_so(engine, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import initialise

    initialise(engine, START)
    run_days(engine, START, 1)  # EOD on an empty book writes the date with no rows
    as_of = (START + timedelta(days=1)).isoformat()
    assert scalar(engine, "SELECT rows FROM snapshot_dates WHERE as_of = :d", d=START + timedelta(days=1)) == 0
    empty = cli("report", "portfolio", "--as-of", as_of, "--out", str(tmp_path / "none"), "--db", db_url)
    assert empty.exit_code == 2 and not (tmp_path / "none").exists()
    assert empty.stderr == f"error: --as-of: the snapshot of {as_of} holds no loans or credit lines: nothing to report\n"
    # The console's figures: no history yet (the page says so), not an error about a date "None".
    from creditline.app.console_views import database_snapshot_report

    assert database_snapshot_report(engine) is None


def _history_with_a_pruned_mid_month(engine) -> tuple[list, Any]:  # type: ignore[no-untyped-def]
    """Month-end snapshots 2023-01-31 … 2024-02-29, a daily one on 2023-03-15, and today's, 2024-03-15;
    EOD's pruning then drops 2023-03-15 (its month's end is kept): exactly a year before today."""
    import polars as pl

    from creditline.portfolio.synthetic import synthetic_snapshots
    from creditline.store import UnitOfWork
    from creditline.store.tables_servicing_snapshots import prune_snapshots, write_snapshot

    history = synthetic_snapshots(loans=1000, months=14, seed=3).with_columns(tier=pl.lit(0, dtype=pl.Int16))
    month_ends = sorted(history.get_column("as_of").unique().to_list())
    days = {day: history.filter(pl.col("as_of") == day) for day in month_ends}
    for day, like in ((date(2023, 3, 15), date(2023, 2, 28)), (TODAY, date(2024, 2, 29))):
        days[day] = days[like].with_columns(as_of=pl.lit(day))
    with UnitOfWork(engine) as uow:
        for day in sorted(days):
            write_snapshot(uow.connection, days[day], day, month_end=day in month_ends)
        pruned = prune_snapshots(uow.connection, TODAY)
        uow.commit()
    return pruned, history


TODAY = date(2024, 3, 15)


def test_mid_month_the_console_shows_the_default_rate_report_portfolio_gives_for_the_latest_month_end(
    engine, db_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.console_views import database_snapshot_report

    pruned, _ = _history_with_a_pruned_mid_month(engine)
    assert pruned == [date(2023, 3, 15)]
    report = database_snapshot_report(engine, lgd=Decimal("0.45"))  # the synthetic book has no workout history
    assert report is not None and report["as_of"] == TODAY.isoformat()
    shown = report["default_rate"]
    assert shown["available"] is True and (shown["start"], shown["end"]) == ("2023-02-28", "2024-02-29")
    # the very figure `report portfolio --as-of 2024-02-29` prints ...
    month_end = cli("report", "portfolio", "--as-of", "2024-02-29", "--out", str(tmp_path / "feb"), "--db", db_url, "--lgd", "0.45", "--json")
    assert month_end.exit_code == 0, month_end.stderr
    assert shown == month_end.json()["default_rate_12m"] and shown["defaulted_loans"] > 0
    # ... while the report for today still says it lacks the start snapshot, and a pruned day is refused
    today = cli("report", "portfolio", "--as-of", TODAY.isoformat(), "--out", str(tmp_path / "today"), "--db", db_url, "--lgd", "0.45", "--json")
    assert today.exit_code == 0, today.stderr
    assert today.json()["default_rate_12m"] == {
        "available": False, "reason": "the 12-month default rate needs the snapshot of 2023-03-15: no snapshot for "
        "2023-03-15 (snapshots cover 2023-01-31 to 2024-03-15)"}  # fmt: skip
    assert report["summary"]["default_rate_12m"] == today.json()["default_rate_12m"]
    gone = cli("report", "portfolio", "--as-of", "2023-03-15", "--out", str(tmp_path / "gone"), "--db", db_url)
    assert gone.exit_code == 2 and gone.stderr.startswith("error: --as-of: no snapshot for 2023-03-15")
