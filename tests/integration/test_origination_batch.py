"""`apply_many`: a batch of applications in one unit of work decides each exactly as `apply` alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_origination_forms import BUSINESS_DATE, application

from creditline.app.apply import ApplyForCredit, apply, apply_many
from creditline.app.setup import initialise
from creditline.errors import DomainError
from creditline.store import make_engine, upgrade
from creditline.store.tables import credit_lines, line_changes
from creditline.store.tables_origination import (
    origination_decisions,
    origination_reviews,
    origination_signals,
)

COMPARED = ("outcome", "status", "reasons", "borrower_id", "limit", "daily_rate_pct", "apr_pct", "pd", "score",
            "fraud_score", "strategy")  # fmt: skip


def _commands() -> list[ApplyForCredit]:
    """Approvals, a referral, the same person twice (line_exists), a device farm the screen must catch
    within the batch, and a retry of a key already in the batch."""
    forms = [application(serial) for serial in (1, 2, 103)]
    forms.append(application(1, device__device_id="other-device"))
    forms += [application(serial, device__device_id="farm-phone-1") for serial in range(40, 48)]
    commands = [ApplyForCredit(f"k-{n}", form) for n, form in enumerate(forms)]
    return [*commands, commands[2]]


def _fresh(url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    upgrade(engine)
    initialise(engine, BUSINESS_DATE)
    return engine


def _counts(engine) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    tables = (origination_decisions, origination_signals, origination_reviews, credit_lines, line_changes)
    with engine.connect() as connection:
        return tuple(connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables)


def test_a_batch_decides_each_application_as_apply_alone(origination_books, tmp_path: Path):
    alone = _fresh(f"sqlite:///{tmp_path / 'alone.sqlite'}")
    try:
        one_by_one = [apply(alone, command) for command in _commands()]
        batched = apply_many(origination_books, _commands())
        assert [[v[k] for k in COMPARED] for v in batched] == [[v[k] for k in COMPARED] for v in one_by_one]
        assert _counts(origination_books) == _counts(alone)
    finally:
        alone.dispose()
    outcomes = [view["outcome"] for view in batched]
    assert (outcomes[0], outcomes[2]) == ("approve", "refer")
    assert "line_exists" in batched[3]["reasons"]
    assert all(outcome == "decline" for outcome in outcomes[8:12]), outcomes  # the farm, seen within the batch
    assert batched[-1]["decision_id"] == batched[2]["decision_id"]  # the retry answered with the first decision


def test_a_failing_batch_is_taken_one_by_one_and_fails_where_apply_would(origination_books):
    good = [ApplyForCredit(f"g-{serial}", application(serial)) for serial in (1, 2)]
    bad = ApplyForCredit("bad", application(6, jurisdiction="SG"))
    after = ApplyForCredit("g-3", application(3))
    with pytest.raises(DomainError) as caught:
        apply_many(origination_books, [*good, bad, after])
    assert (caught.value.code, caught.value.field) == ("invalid_application", "jurisdiction")
    decisions = _counts(origination_books)[0]
    assert decisions == 2  # the two before it, each committed as `apply` commits it; nothing after
    # The screen's memory of the rolled-back batch was dropped: rebuilt from what was stored, it
    # holds the two decisions once each, and a retry of the batch's first key replays it.
    assert apply(origination_books, good[0])["outcome"] == "approve"
    assert _counts(origination_books)[0] == decisions


def _blocked(engine, batch, seconds: float = 10) -> bool:  # type: ignore[no-untyped-def]
    """Whether the batch is waiting on a lock: PostgreSQL shows the wait; SQLite's writer just has not finished."""
    import time

    from sqlalchemy import text

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and batch.is_alive():
        if engine.dialect.name != "postgresql":
            time.sleep(0.3)
            return batch.is_alive()
        with engine.connect() as connection:
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            if connection.execute(text(query)).scalar():
                return True
        time.sleep(0.05)
    return False


def test_a_batch_waits_for_an_eod_moving_the_business_date_and_decides_on_the_new_date(origination_books):
    """EOD holds the lock exclusively while it moves the date: a batch that read the date before EOD
    committed would decide on a day that has closed."""
    import threading
    from datetime import timedelta

    from creditline.app.eod import lock_out_commands
    from creditline.store import UnitOfWork

    apply(origination_books, ApplyForCredit("warm-up", application(2)))  # the deciders built before the race
    tomorrow = BUSINESS_DATE + timedelta(days=1)
    answers: list[list[dict]] = []
    commands = [ApplyForCredit("eod-race", application(1))]
    batch = threading.Thread(target=lambda: answers.append(apply_many(origination_books, commands)), daemon=True)
    with UnitOfWork(origination_books) as eod:
        lock_out_commands(eod)
        eod.system.set_business_date(tomorrow)
        batch.start()
        assert _blocked(origination_books, batch), "the batch decided while EOD held the business date"
        assert answers == []
        eod.commit()
    batch.join(30)
    assert [view["business_date"] for view in answers[0]] == [tomorrow.isoformat()]
    assert answers[0][0]["outcome"] == "approve"
