"""`creditline simulate` end to end: applications through the real origination path, drawdowns,
repayments through the simulated bank, EOD every day — and books that reconcile at the end."""

from __future__ import annotations

from eod_support import assert_debits_match_repayments, rows, scalar
from integration_helpers import cli, dump, ok
from lending_fixtures import assert_books_clean


def test_a_small_simulation_builds_a_book_that_reconciles_and_reports(engine, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = ok("simulate", "--borrowers", "40", "--months", "2", "--seed", "3", "--db", db_url, "--core-eod")
    assert report["applications"] == 40 and sum(report["decisions"].values()) == 40
    assert report["lines"] == report["decisions"]["approve"] > 0 and report["loans"] > 0
    assert report["business_date"] == "2025-03-01" and report["eod_days"] == 59
    population = rows(engine, "SELECT persona, outcome, latent_pd, model_pd FROM sim_population")
    assert len(population) == 40 and all(0 < latent < 1 for _, _, latent, _ in population)
    assert scalar(engine, "SELECT COUNT(*) FROM eod_runs") == 59
    assert scalar(engine, "SELECT COUNT(*) FROM debit_attempts") > 0  # first installments came due in February
    assert_debits_match_repayments(engine)
    assert_books_clean(engine)
    out = tmp_path / "report"
    summary = ok("report", "portfolio", "--as-of", "2025-03-01", "--out", str(out), "--db", db_url)
    assert summary["loans_on_book"] == scalar(engine, "SELECT COUNT(*) FROM loans WHERE status IN ('active', 'overdue')")


def test_simulate_refuses_a_used_database_and_bad_sizes_changing_nothing(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from creditline.app.setup import initialise

    initialise(engine, date(2025, 1, 1))
    before = dump(engine)
    used = cli("simulate", "--borrowers", "5", "--months", "1", "--db", db_url)
    assert used.exit_code == 2 and used.stderr.startswith("error: --db: simulate builds a database from nothing")
    for option, value in (("--borrowers", "0"), ("--months", "61")):
        bad = cli("simulate", "--borrowers", "5", "--months", "1", option, value, "--db", db_url)
        assert bad.exit_code == 2 and bad.stderr.startswith(f"error: {option}: must be 1 to ")
    assert dump(engine) == before


def test_simulate_refuses_a_start_outside_its_range_before_writing_anything(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    """9999-12-01 ended in a traceback (year 10000); 1920-01-01 initialised the database and then failed
    on the first applicant born before 1900, leaving a database simulate then refused as used."""
    before = dump(engine)
    for start in ("9999-12-01", "9591-01-01", "1920-01-01", "1960-12-31", "0001-01-01"):
        bad = cli("simulate", "--borrowers", "5", "--months", "1", "--start", start, "--db", db_url)
        assert bad.exit_code == 2, bad.stderr
        assert bad.stderr == "error: --start: must be from 1961-01-01 to 9590-12-31\n", bad.stderr
    assert dump(engine) == before
