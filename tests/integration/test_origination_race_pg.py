"""Two applications of one person under two client keys, the second opening the line while the first
decides, on PostgreSQL: the one that loses the line's unique key is decided again and recorded (a
decline naming the line that exists), never an empty answer with nothing recorded."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import text
from test_origination_forms import BUSINESS_DATE, application

from creditline.app.apply import ApplyForCredit, apply

pytestmark = pytest.mark.postgres


def _borrower_of(form: dict) -> str:
    from creditline.app.apply_pipeline import borrower_id_of
    from creditline.app.apply_setup import pii_salt
    from creditline.identity import IdentityFields, check_identity, profile

    applicant = form["applicant"]
    fields = IdentityFields(applicant["name"], applicant["id_number"], applicant["phone"], applicant["bank_card"])
    return borrower_id_of(check_identity(fields, profile("CN"), on=BUSINESS_DATE), pii_salt())


def _wait_for_a_lock_wait(engine, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the application never waited on the other's line")


def test_an_application_that_loses_the_line_to_a_concurrent_one_is_decided_again(pg_url: str) -> None:
    from creditline.app.apply_setup import forget_screens
    from creditline.app.setup import initialise
    from creditline.lending.credit_line import open_line
    from creditline.money import Money
    from creditline.store import UnitOfWork, make_engine
    from creditline.store.line_repository import LineRecord

    engine = make_engine(pg_url)
    forget_screens()
    try:
        initialise(engine, BUSINESS_DATE)
        apply(engine, ApplyForCredit("warm-up", application(2)))  # the deciders built before the race
        form = application(1)
        borrower_id = _borrower_of(form)
        answers: list[object] = []
        with UnitOfWork(engine) as other:  # the same person's other application, not yet committed
            line, change = open_line(
                line_id="LN-other", borrower_id=borrower_id, product_id="revolving-consumer",
                limit=Money.parse("5000.00", "CNY"), on=BUSINESS_DATE, reason="the other application", rate_daily=Decimal("0.0004"),
            )  # fmt: skip
            other.lines.add(LineRecord(line, 1, BUSINESS_DATE))
            other.lines.record_change(change, borrower_id)
            worker = threading.Thread(target=lambda: answers.append(apply(engine, ApplyForCredit("mine", form))))
            worker.start()
            _wait_for_a_lock_wait(engine)  # this application's line waits on the other's unique key
            other.commit()
        worker.join(60)
        (view,) = answers
        assert isinstance(view, dict) and view.get("outcome") == "decline", view
        assert view["reasons"] == ["line_exists"] and view["line_id"] is None
        with engine.connect() as connection:
            lines = connection.execute(text("SELECT line_id FROM credit_lines WHERE borrower_id = :b"), {"b": borrower_id})
            assert [row[0] for row in lines] == ["LN-other"]
            recorded = connection.execute(text("SELECT outcome FROM origination_decisions WHERE client_key = 'mine'"))
            assert [row[0] for row in recorded] == ["decline"]
        assert apply(engine, ApplyForCredit("mine", form)) == view  # a retry answers the recorded decision
    finally:
        forget_screens()
        engine.dispose()
