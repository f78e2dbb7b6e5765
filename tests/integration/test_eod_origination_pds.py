"""Classify's origination PDs (`origination_pds`): each line's PD from the decision that opened it, by
the line's index, whoever the borrower — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from creditline.store import UnitOfWork
from creditline.store.tables_origination import origination_decisions
from creditline.store.tables_servicing_snapshots import origination_pds


def _decision(decision_id: str, borrower_id: str | None, line_id: str | None, pd: str | None) -> dict:
    return {
        "decision_id": decision_id, "client_key": f"key-{decision_id}", "request_hash": "0" * 64,
        "borrower_id": borrower_id, "jurisdiction": "CN", "product_id": "revolving-consumer",
        "applied_at": "2025-01-01T09:00:00+08:00", "business_date": date(2025, 1, 1), "outcome": "approved",
        "status": "decided", "strategy": "champion", "pd": pd, "currency": "CNY", "line_id": line_id,
        "record_json": "{}", "record_sha256": "0" * 64,
    }  # fmt: skip


def test_each_line_gets_the_pd_of_the_decision_that_opened_it(engine) -> None:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        uow.connection.execute(insert(origination_decisions), [
            _decision("D1", "B1", "L1", "0.0210"),
            _decision("D2", "B1", None, "0.5000"),  # the same borrower declined earlier: no line
            _decision("D3", "B2", "L2", None),  # a line opened without a PD: the caller's default
            _decision("D4", "B9", "L3", "0.0700"),  # not the borrower the line is listed under: still found by line
            _decision("D5", "B4", "L5", "0.3000"),  # a line not asked about
        ])  # fmt: skip
        found = origination_pds(uow.connection, ["L1", "L2", "L3", "L4"])
        uow.commit()
    assert found == {"L1": "0.0210", "L3": "0.0700"}


def test_a_book_that_keeps_pds_between_days_asks_again_for_a_line_it_found_none_for(engine) -> None:  # type: ignore[no-untyped-def]
    """The simulator's engine keeps the PDs it found (`batch_memory`); a line without one is asked again."""
    from creditline.store.batch_memory import keep_between_days

    keep_between_days(engine)
    with UnitOfWork(engine) as uow:
        uow.connection.execute(insert(origination_decisions), [_decision("D1", "B1", "L1", "0.0210")])
        assert origination_pds(uow.connection, ["L1", "L2"]) == {"L1": "0.0210"}
        uow.connection.execute(insert(origination_decisions), [_decision("D2", "B2", "L2", "0.0400")])
        assert origination_pds(uow.connection, ["L1", "L2"]) == {"L1": "0.0210", "L2": "0.0400"}
        assert origination_pds(uow.connection, ["L2"]) == {"L2": "0.0400"}
        uow.commit()
