"""Two operators resolving one referral at once on PostgreSQL: one resolution stands, the other is told
the review is closed (the review's row is locked while it is resolved)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from test_origination_forms import BUSINESS_DATE, application

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_books_start() -> date:
    return BUSINESS_DATE  # the applications' forms are dated on it


def test_an_approval_and_a_decline_at_once_resolve_the_review_once(pg_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.decision import ReviewClosed, resolve_review, review_queue
    from creditline.store.tables_origination import OriginationRepository

    view = apply(pg_engine, ApplyForCredit("k-race", application(103)))  # the simulated bureau refers it
    assert view["outcome"] == "refer"
    review_id = review_queue(pg_engine)[0]["review_id"]
    writing = OriginationRepository.resolve_review

    def slow_write(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)  # both operators have read the review before either writes
        return writing(self, *args, **kwargs)

    monkeypatch.setattr(OriginationRepository, "resolve_review", slow_write)
    outcomes: dict[str, object] = {}

    def resolve(resolution: str) -> None:
        try:
            outcomes[resolution] = resolve_review(pg_engine, review_id, resolution, f"op-{resolution}", "checked")
        except ReviewClosed as closed:
            outcomes[resolution] = closed

    threads = [threading.Thread(target=resolve, args=(r,)) for r in ("approved", "declined")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    closed = [r for r, outcome in outcomes.items() if isinstance(outcome, ReviewClosed)]
    assert len(outcomes) == 2 and len(closed) == 1, outcomes
    winner = "declined" if closed == ["approved"] else "approved"
    with pg_engine.connect() as connection:
        stored = OriginationRepository(connection).review(review_id)
        lines = connection.exec_driver_sql("SELECT COUNT(*) FROM credit_lines").scalar_one()
    assert stored is not None and stored["status"] == winner
    assert lines == (1 if winner == "approved" else 0)  # a line only when the approval is what stands


def test_two_review_requests_at_once_open_one_review(pg_engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # both read "no open review" before either wrote one, and the decision had two open reviews
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.decision import request_review, review_queue
    from creditline.errors import Conflict
    from creditline.store.tables_origination import OriginationRepository

    view = apply(pg_engine, ApplyForCredit("k-ask", application(110)))  # declined: pd_above_cutoff
    assert view["outcome"] == "decline"
    opening = OriginationRepository.open_review

    def slow_open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.5)  # both requests have looked for an open review before either opens one
        return opening(self, *args, **kwargs)

    monkeypatch.setattr(OriginationRepository, "open_review", slow_open)
    answers: list[object] = []

    def ask(reason: str) -> None:
        try:
            answers.append(request_review(pg_engine, view["decision_id"], reason))
        except Conflict as refused:
            answers.append(refused)

    threads = [threading.Thread(target=ask, args=(reason,)) for reason in ("income rose", "new job")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2 and sum(isinstance(a, Conflict) for a in answers) == 1, answers
    assert [r["decision_id"] for r in review_queue(pg_engine)] == [view["decision_id"]]
