"""The collections stage of end of day and an operator contacting the same borrower at once, with real
threads on PostgreSQL: the contact caps hold (the borrower's contact history is locked while it is counted
and written, by the stage as by the operator)."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from collections_fixtures import close_days
from lending_fixtures import open_line

from creditline.app import Draw, draw, run_eod
from creditline.app.collections_eod import collections as collections_stage
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository

pytestmark = pytest.mark.postgres
DAY = date(2025, 2, 2)  # the loan's first day past due: the stage sends its one SMS of the day, at 10:00
SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture
def loan(pg_engine) -> str:  # type: ignore[no-untyped-def]
    loan_id = draw(pg_engine, Draw(open_line(pg_engine, "B1"), "1200", 3, "d1"))["loan_id"]
    close_days(pg_engine, DAY - timedelta(days=1))
    run_eod(pg_engine, DAY)  # the day is open; its collections stage has not run
    return loan_id


def _sms_on_the_day(engine, loan_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine, read_only=True) as uow:
        contacts = CollectionsRepository(uow.connection).contacts(loan_id=loan_id, limit=100)
    return [c for c in contacts if c["channel"] == "sms" and c["outcome"] != "suppressed"
            and c["local_time"].startswith(DAY.isoformat())]  # fmt: skip


def test_an_operator_sms_while_the_stage_counts_keeps_the_one_sms_a_day(pg_engine, loan: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The stage read the borrower's history, an operator's SMS was recorded and committed meanwhile, and the
    stage then queued its own on what it had read: two SMS on a day the rules allow one."""
    from creditline.app import collections_io
    from creditline.app.collections import RecordContact, record_contact
    from creditline.servicing.collections_errors import ContactRefused

    counting = threading.Event()
    reading = collections_io.contacts_around

    def slow_count(*args, **kwargs):  # type: ignore[no-untyped-def]
        history = reading(*args, **kwargs)
        counting.set()
        time.sleep(1.0)  # the operator's contact comes while the stage holds what it counted
        return history

    monkeypatch.setattr(collections_io, "contacts_around", slow_count)
    outcomes: dict[str, object] = {}

    def stage() -> None:
        outcomes["stage"] = collections_stage(pg_engine, DAY - timedelta(days=1), SimpleNamespace(run_date=DAY))

    def operator() -> None:
        counting.wait(timeout=60)
        try:
            outcomes["operator"] = record_contact(pg_engine, RecordContact(
                loan, "sms", "no_answer", datetime(2025, 2, 2, 9, 0, tzinfo=SHANGHAI), "agent-7"))  # fmt: skip
        except ContactRefused as refused:
            outcomes["operator"] = refused

    threads = [threading.Thread(target=stage), threading.Thread(target=operator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    sent = _sms_on_the_day(pg_engine, loan)
    assert [(c["template_id"], c["local_time"]) for c in sent] == [("overdue_first", "2025-02-02T10:00:00+08:00")]
    refused = outcomes["operator"]
    assert isinstance(refused, ContactRefused) and refused.code == "contact_channel_day_cap", refused  # after the commit
    assert outcomes["stage"].summary["sent_sms"] == 1

