"""Migration 0024_portfolio_alert_currency, on SQLite and PostgreSQL: a portfolio alert still live from
before the alerts named their currency (`product:x`, `M0:2025-02-28`) gets the subject the early
warning writes now, so the next end of day does not raise it a second time; one whose measure spanned
two currencies is left, and the next run raises its currency's own alert."""

from __future__ import annotations

import json
from datetime import date

from lending_fixtures import open_line, product_copy, setup_books, usd_line
from sqlalchemy import select, update
from test_alerts_flow import _snapshot_row

from creditline.app import Draw, OpenLine, draw
from creditline.app import open_line as open_any_line
from creditline.app.alerts_stage import raise_alerts
from creditline.store import UnitOfWork, upgrade
from creditline.store.migrate import alembic_config, current_revision
from creditline.store.tables_collections import ew_alerts
from creditline.store.tables_servicing import loan_snapshots, snapshot_dates

BEFORE = "0023_audit_books_logged"
MIGRATION = "0024_portfolio_alert_currency"  # stamped back to BEFORE, the later ones' tables exist already
AFTER_MONTH_END = date(2025, 3, 1)


def _book_with_month_ends(engine, currencies: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """CNY loans, 85% in one product, and 120 snapshot loans per currency of which 6 CNY ones roll to M1 (5%)."""
    setup_books(engine)
    product_copy(engine, "revolving-cny-b", {})
    other = open_any_line(engine, OpenLine("CNY-B", "revolving-cny-b", "20000", "0.05", "approved"))["line_id"]
    draw(engine, Draw(open_line(engine, "CNY-A"), "8500", 6, "a"))  # 85% of the CNY book in one product
    draw(engine, Draw(other, "1500", 6, "b"))
    if "USD" in currencies:
        draw(engine, Draw(usd_line(engine, "USD-A", limit="30000"), "20000", 6, "u"))
    rows = [_snapshot_row(f"{code}{i}", as_of, 15 if code == "CNY" and i < 6 and as_of.month == 2 else 0, code)
            for code in currencies for i in range(120) for as_of in (date(2025, 1, 31), date(2025, 2, 28))]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(loan_snapshots.insert(), rows)
        connection.execute(snapshot_dates.insert(), [{"as_of": d, "rows": len(rows) // 2, "month_end": 1}
                                                      for d in (date(2025, 1, 31), date(2025, 2, 28))])  # fmt: skip


def _raise(engine) -> dict:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        summary = raise_alerts(uow, AFTER_MONTH_END)
        uow.commit()
    return summary


def _portfolio_alerts(engine) -> dict[tuple[str, str], dict]:  # type: ignore[no-untyped-def]
    a = ew_alerts.c
    with engine.connect() as connection:
        rows = connection.execute(select(ew_alerts).where(a.scope == "portfolio")).mappings().all()
    return {(r["kind"], r["subject"]): {**r, "details": json.loads(r["details_json"])} for r in rows}


def _as_before_the_change(engine) -> None:  # type: ignore[no-untyped-def]
    """Each portfolio alert as the code before the change wrote it: no currency in its subject or details,
    in a database at the revision before the migration."""
    from alembic import command

    alerts = _portfolio_alerts(engine)
    with engine.begin() as connection:
        for (_kind, subject), alert in alerts.items():
            details = {k: v for k, v in alert["details"].items() if k != "currency"}
            old = subject.removesuffix(":" + alert["details"]["currency"])
            connection.execute(update(ew_alerts).where(ew_alerts.c.alert_id == alert["alert_id"])
                               .values(subject=old, details_json=json.dumps(details, sort_keys=True)))  # fmt: skip
    command.stamp(alembic_config(engine), BEFORE)
    assert current_revision(engine) == BEFORE


def test_old_subjects_of_a_one_currency_book_are_renamed_and_the_next_run_raises_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    _book_with_month_ends(engine, ("CNY",))
    assert _raise(engine)["alerts_raised"] == 2
    _as_before_the_change(engine)
    assert set(_portfolio_alerts(engine)) == {("concentration", "product:revolving-consumer"), ("roll_rate", "M0:2025-02-28")}
    upgrade(engine, MIGRATION)
    migrated = _portfolio_alerts(engine)
    assert set(migrated) == {("concentration", "product:revolving-consumer:CNY"), ("roll_rate", "M0:2025-02-28:CNY")}
    assert {alert["details"]["currency"] for alert in migrated.values()} == {"CNY"}
    assert migrated["roll_rate", "M0:2025-02-28:CNY"]["details"]["principal_minor"] == 120 * 100_000, "details kept"
    summary = _raise(engine)
    assert summary["alerts_raised"] == 0 and summary["signals_found"] == 2, summary
    assert len(_portfolio_alerts(engine)) == 2


def test_in_a_two_currency_book_a_product_takes_its_currency_and_a_roll_rate_is_left(engine) -> None:  # type: ignore[no-untyped-def]
    """The old roll rate was measured over CNY and USD added up: no one currency's condition, so it keeps
    its subject and the next run raises the CNY book's own; the product is CNY's, and is not raised again."""
    _book_with_month_ends(engine, ("CNY", "USD"))
    assert _raise(engine)["alerts_raised"] == 2
    _as_before_the_change(engine)
    upgrade(engine, MIGRATION)
    assert set(_portfolio_alerts(engine)) == {("concentration", "product:revolving-consumer:CNY"), ("roll_rate", "M0:2025-02-28")}
    summary = _raise(engine)
    assert summary["alerts_raised"] == 1 and summary.get("raised_roll_rate") == 1, summary
    assert ("roll_rate", "M0:2025-02-28:CNY") in _portfolio_alerts(engine)


def test_the_migration_leaves_alerts_that_name_their_currency_and_resolved_ones(engine) -> None:  # type: ignore[no-untyped-def]
    _book_with_month_ends(engine, ("CNY",))
    assert _raise(engine)["alerts_raised"] >= 1
    before = _portfolio_alerts(engine)
    assert before, "the book raised portfolio alerts for the migration to leave alone"
    with engine.begin() as connection:  # a resolved old-style alert: nothing to suppress, history kept as written
        connection.execute(ew_alerts.insert().values(
            kind="concentration", scope="portfolio", subject="region:CN", severity="high", status="resolved",
            raised_on=date(2025, 1, 1), message="m", details_json="{}", thresholds="t",
        ))  # fmt: skip
    from alembic import command

    command.stamp(alembic_config(engine), BEFORE)
    upgrade(engine, MIGRATION)
    after = _portfolio_alerts(engine)
    assert ("concentration", "region:CN") in after and after["concentration", "region:CN"]["details"] == {}
    assert {key: alert["details"] for key, alert in after.items() if key in before} == {
        key: alert["details"] for key, alert in before.items()}  # fmt: skip
