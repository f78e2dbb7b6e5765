"""Monitoring in front of drawdowns, through the store: allow, step up, hold, release; profiles as hashes."""

from __future__ import annotations

import pytest
from lending_fixtures import open_line, setup_books

from creditline.app import Draw, show_line
from creditline.app.monitoring import (
    DrawContext,
    HeldForReview,
    Screening,
    StepUpRequired,
    draw_monitored,
    list_outcomes,
    resolve_hold,
    screen,
)
from creditline.store import UnitOfWork
from creditline.store.servicing_repository import ServicingRepository

DAY = 86_400
T0 = 1_735_700_000  # 2025-01-01 around 11:00 in Beijing


@pytest.fixture
def habitual(engine):  # type: ignore[no-untyped-def]
    """A borrower who drew 500-1,000 six times from one phone to one card, in the daytime."""
    setup_books(engine)
    line = open_line(engine, "B1", limit="20000")
    for i in range(6):
        context = DrawContext(T0 + i * 3 * DAY, "phone-1", "card-1")
        result = draw_monitored(engine, Draw(line, str(500 + 100 * i), 3, f"habit-{i}"), context)
        assert result["monitoring"]["status"] == "allowed"
    return engine, line


def test_a_takeover_drawdown_is_held_and_nothing_is_drawn(habitual) -> None:  # type: ignore[no-untyped-def]
    engine, line = habitual
    before = show_line(engine, line)
    attack = DrawContext(T0 + 20 * DAY, "attacker-phone", "mule-card")
    with pytest.raises(HeldForReview) as held:
        draw_monitored(engine, Draw(line, before["available"], 3, "attack"), attack)
    assert held.value.field == "drawdown"
    assert show_line(engine, line)["outstanding_principal"] == before["outstanding_principal"]
    (outcome,) = list_outcomes(engine, borrower_id="B1", status="held")
    assert {"new_device", "new_account", "takeover_pattern"} <= set(outcome["rules"])
    assert outcome["action"] == "hold" and outcome["reference"].startswith("attack#"), "the key, bound to line and amount"


def test_a_released_hold_lets_the_same_request_through(habitual) -> None:  # type: ignore[no-untyped-def]
    engine, line = habitual
    context = DrawContext(T0 + 20 * DAY, "new-phone", "new-card")
    with pytest.raises(HeldForReview):
        draw_monitored(engine, Draw(line, "15000", 3, "big"), context)
    (held,) = list_outcomes(engine, status="held")
    assert resolve_hold(engine, held["outcome_id"], release=True, resolver="OP1")["status"] == "released"
    result = draw_monitored(engine, Draw(line, "15000", 3, "big"), context)
    assert result["monitoring"]["status"] == "cleared"
    assert result["principal_outstanding"] == "15000.00"


def test_step_up_then_verified(habitual) -> None:  # type: ignore[no-untyped-def]
    engine, line = habitual
    context = DrawContext(T0 + 20 * DAY, "new-phone", "new-card")
    with pytest.raises(StepUpRequired) as asked:
        draw_monitored(engine, Draw(line, "800", 3, "d1"), context)
    assert asked.value.field == "assertion"
    verified = DrawContext(context.at_s + 60, "new-phone", "new-card", user_verified=True)
    result = draw_monitored(engine, Draw(line, "800", 3, "d1"), verified)
    assert result["monitoring"]["status"] == "verified"
    assert [o["status"] for o in list_outcomes(engine, borrower_id="B1", limit=2)] == ["verified", "step-up-required"]


def test_an_account_change_from_a_new_device_needs_a_step_up(habitual) -> None:  # type: ignore[no-untyped-def]
    engine, _ = habitual
    view = screen(engine, Screening("B1", "account-change", T0 + 20 * DAY, "attacker-phone", "mule-card"))
    assert view["status"] == "step-up-required"
    assert "takeover_account_change" in view["rules"]
    with UnitOfWork(engine, read_only=True) as uow:
        stored = ServicingRepository(uow.connection).profile("B1")
    assert stored is not None
    assert "phone-1" not in stored[0] and "card-1" not in stored[0]  # keyed hashes only
