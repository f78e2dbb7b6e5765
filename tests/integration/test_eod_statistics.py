"""EOD keeps the planner's statistics of the tables it pages through current on PostgreSQL
(`store.eod_io.refresh_statistics`): a table never analysed is analysed, then left alone until a
tenth of it changes; on SQLite nothing happens."""

from __future__ import annotations

from eod_support import books_with_loans, scalar

from creditline.store.eod_io import refresh_statistics


def test_stale_statistics_are_refreshed_once(engine) -> None:  # type: ignore[no-untyped-def]
    books_with_loans(engine, 2)
    with engine.begin() as connection:
        first = refresh_statistics(connection, ("loans", "loan_facts", "no_such_table"))
    with engine.begin() as connection:
        second = refresh_statistics(connection, ("loans",))
    if engine.dialect.name != "postgresql":
        assert first == second == []
        return
    assert first == ["loan_facts", "loans"]  # never analysed (a table that does not exist is not asked about)
    assert second == []  # analysed, and nothing changed since
    assert scalar(engine, "SELECT count(*) FROM pg_stats WHERE tablename = 'loans' AND schemaname = current_schema()") > 0
