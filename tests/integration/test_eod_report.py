"""`creditline report portfolio` reads the snapshots EOD wrote, by default from the database."""

from __future__ import annotations

from datetime import timedelta

from eod_support import START, books_with_loans, fast_forward, hostile_bank, run_days, scalar
from integration_helpers import cli


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
