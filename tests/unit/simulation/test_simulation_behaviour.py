"""What simulated borrowers do with a loan: deposits around due dates, defaults, payoffs, redraws."""

from __future__ import annotations

import numpy as np

from creditline.simulation.behaviour import choose_draw, loan_actions

INSTALLMENTS = [(31, 10_000), (59, 10_000), (90, 10_000), (120, 10_000), (151, 10_000), (181, 10_000)]


def actions(persona: str, seed: int = 1) -> list:  # type: ignore[type-arg]
    return loan_actions(np.random.default_rng(seed), persona, 5, "L", 0, INSTALLMENTS, 58_000)


def test_an_on_time_borrower_funds_every_installment_before_it_is_due() -> None:
    deposits = [a for a in actions("on_time") if a.kind == "deposit"]
    assert len(deposits) == 6
    for (due, amount), deposit in zip(INSTALLMENTS, deposits, strict=True):
        assert due - 3 <= deposit.day <= due and amount <= deposit.amount_minor <= amount * 103 // 100


def test_a_defaulter_stops_paying_and_never_draws_again() -> None:
    for seed in range(20):
        found = actions("defaulter", seed)
        assert len([a for a in found if a.kind == "deposit"]) < 6
        assert not [a for a in found if a.kind in ("draw", "payoff")]
    assert actions("fraud") == []


def test_a_curer_pays_everything_off_by_hand_after_defaulting() -> None:
    payoffs = [a for seed in range(10) for a in actions("curer", seed) if a.kind == "payoff"]
    assert len(payoffs) == 10 and all(a.loan_id == "L" for a in payoffs)


def test_a_prepayer_pays_off_before_maturity_and_a_late_payer_pays_after_due_dates() -> None:
    for seed in range(10):
        payoff = [a for a in actions("prepayer", seed) if a.kind == "payoff"]
        assert len(payoff) == 1 and payoff[0].day < 181 + 20
    late = [a for seed in range(10) for a in actions("late", seed) if a.kind == "deposit"]
    assert any(a.day > due for a in late for due, _ in INSTALLMENTS[:1] if a.day in range(due + 2, due + 41))


def test_a_draw_is_a_round_share_of_the_limit_or_nothing() -> None:
    rng = np.random.default_rng(3)
    choices = [choose_draw(rng, 20_000) for _ in range(200)]
    assert all(c is not None and 4_000 <= c.amount_major <= 18_000 and c.amount_major % 100 == 0 for c in choices)
    assert {c.term_months for c in choices if c} == {3, 6, 12}
    assert choose_draw(rng, 600) is None or choose_draw(rng, 600).amount_major >= 500  # type: ignore[union-attr]
