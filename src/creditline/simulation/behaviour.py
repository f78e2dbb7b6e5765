"""What a simulated borrower does with a loan: money into the bank before (or after) each due date,
manual payoffs, and the next drawdown. Pure; the runner turns the actions into app calls.

Repayment runs through the bank simulator's balances: the nightly auto-debit takes what is due
from the borrower's account, so a borrower pays on time by having the money there on the due date.

- on time: each installment (+0–3%) lands 0–3 days before its due date;
- late: half the installments land 2–40 days late (geometric, mean ~5) with 5% more for the
  penalty; one in seven arrives half on time, half late (a partial debit, then the rest);
  a catch-up of 3% of the principal after maturity clears any penalty left;
- prepayer: pays on time, then pays the whole loan off by hand 1–20 days after a random due date;
- defaulter: pays until a default day drawn within the loan's first year, then nothing: the loan
  rolls M1 … M6 and is charged off; a curer (30% of those who default) pays everything off by
  hand 40–140 days after defaulting;
- fraud: never pays.

After a loan ends (maturity or payoff), a borrower who did not default draws again with
probability 0.5, 5–60 days later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TERMS = (3, 6, 12)
TERM_WEIGHTS = (0.3, 0.3, 0.4)
METHODS = ("equal-installment", "equal-principal")
METHOD_WEIGHTS = (0.8, 0.2)
DRAW_SHARE = (0.2, 0.9)  # of the available limit
DRAW_MIN_MAJOR = 500
FIRST_DRAW_SHARE = 0.8  # approved borrowers who draw at all
REDRAW_SHARE = 0.5
DEFAULTING = ("defaulter", "curer", "fraud")


@dataclass(frozen=True, slots=True)
class Action:
    day: int  # days after the simulation's start
    kind: str  # deposit | payoff | draw
    serial: int  # the applicant
    amount_minor: int = 0
    loan_id: str = ""


@dataclass(frozen=True, slots=True)
class DrawChoice:
    amount_major: int
    term_months: int
    method: str


def choose_draw(rng: np.random.Generator, available_major: int) -> DrawChoice | None:
    """How much, for how long, how repaid; None when too little limit is left to draw."""
    share = rng.uniform(*DRAW_SHARE)
    amount = int(available_major * share) // 100 * 100
    if amount < DRAW_MIN_MAJOR:
        return None
    term = int(rng.choice(TERMS, p=TERM_WEIGHTS))
    return DrawChoice(amount, term, str(rng.choice(METHODS, p=METHOD_WEIGHTS)))


def first_draw_day(rng: np.random.Generator, approved_day: int) -> int | None:
    return approved_day + int(rng.integers(0, 21)) if rng.random() < FIRST_DRAW_SHARE else None


def loan_actions(
    rng: np.random.Generator,
    persona: str,
    serial: int,
    loan_id: str,
    drawn_day: int,
    installments: Sequence[tuple[int, int]],  # (due day, principal + interest in minor units)
    principal_minor: int,
) -> list[Action]:
    """Every deposit, payoff and next draw this loan leads to (the runner drops those past the horizon)."""
    last_due = installments[-1][0]
    stop = _default_day(rng, persona, drawn_day, last_due)
    payoff = _payoff_day(rng, persona, installments, stop)
    actions: list[Action] = []
    for due, amount in installments:
        if (stop is not None and due >= stop) or (payoff is not None and due > payoff):
            break
        actions.extend(_installment(rng, persona, serial, due, amount, drawn_day))
    if payoff is not None:
        actions.append(Action(payoff, "payoff", serial, 0, loan_id))
    if persona == "late":
        actions.append(Action(last_due + 10, "deposit", serial, principal_minor * 3 // 100))
    ended = payoff if payoff is not None else last_due
    if persona not in DEFAULTING and rng.random() < REDRAW_SHARE:
        actions.append(Action(ended + int(rng.integers(5, 61)), "draw", serial))
    return actions


def _default_day(rng: np.random.Generator, persona: str, drawn_day: int, last_due: int) -> int | None:
    if persona == "fraud":
        return drawn_day
    if persona in ("defaulter", "curer"):
        return drawn_day + int(rng.integers(15, max(min(last_due - drawn_day, 365), 16)))
    return None


def _payoff_day(rng: np.random.Generator, persona: str, installments: Sequence[tuple[int, int]],
                default_day: int | None) -> int | None:  # fmt: skip
    if persona == "prepayer" and len(installments) > 1:
        k = int(rng.integers(0, len(installments) - 1))
        return installments[k][0] + int(rng.integers(1, 21))
    if persona == "curer" and default_day is not None:
        return default_day + int(rng.integers(40, 141))
    return None


def _installment(rng: np.random.Generator, persona: str, serial: int, due: int, amount: int,
                 drawn_day: int) -> list[Action]:  # fmt: skip
    on_time = max(due - int(rng.integers(0, 4)), drawn_day)
    if persona == "late" and rng.random() < 0.5:
        delay = min(1 + int(rng.geometric(0.22)), 40)
        if rng.random() < 1 / 7:  # half on time, the rest late: a partial debit first
            half = amount // 2
            return [Action(on_time, "deposit", serial, half),
                    Action(due + delay, "deposit", serial, (amount - half) * 105 // 100)]  # fmt: skip
        return [Action(due + delay, "deposit", serial, amount * 105 // 100)]
    return [Action(on_time, "deposit", serial, amount * (100 + int(rng.integers(0, 4))) // 100)]
