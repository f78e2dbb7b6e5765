"""Every day of random loans' lives: the partners' parts plus the platform's equal the whole to the
cent, the platform keeps its minimum own share, the daily postings balance and add up to the split of
the final totals, and a partner's accounts are exactly its share of what the loan owes.

Random loans and histories come from the lending tests' strategies (backdated events, reversals,
waivers, fees, re-ages, write-offs)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from colending_builders import CN_MIN_OWN_BP, funding_shares
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "lending" / "loan"))
from loan_strategies import contracts, histories

from creditline.funding.colending import (
    SHARE_SCALE,
    SPLIT_MOVEMENTS,
    partner_postings,
    split_delta,
    split_totals,
)
from creditline.funding.colending.posting import account_balances, exposure_by_component
from creditline.ledger import Account, JournalEntry
from creditline.lending.loan import replay

HORIZON_DAYS = 75


@st.composite
def co_lent_loans(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    loan = draw(contracts())
    return loan, draw(histories(loan, horizon_days=HORIZON_DAYS)), draw(funding_shares())


@settings(max_examples=30)
@given(co_lent_loans())
def test_every_day_the_parts_add_up_and_the_books_follow(case) -> None:  # type: ignore[no-untyped-def]
    loan, events, shares = case
    cur = loan.terms.principal.currency
    posted = [dict.fromkeys(SPLIT_MOVEMENTS, 0) for _ in shares.weights]
    before = dict.fromkeys(SPLIT_MOVEMENTS, 0)
    for offset in range(HORIZON_DAYS + 2):
        state = replay(loan, events, loan.terms.disbursed + timedelta(days=offset))
        totals = state.totals.as_minor()
        parts = split_totals(totals, shares.weights, cur)
        for m in SPLIT_MOVEMENTS:
            assert sum(p[m] for p in parts) == totals[m], (offset, m)
        # the platform's own share of the principal is at least its minimum (less a rounding unit)
        assert parts[0]["disbursed"] * SHARE_SCALE >= CN_MIN_OWN_BP * totals["disbursed"] - SHARE_SCALE
        deltas = split_delta(totals, before, shares.weights, cur)
        _post_day(deltas[1:], cur)
        for party, delta in enumerate(deltas):
            for m in SPLIT_MOVEMENTS:
                posted[party][m] += delta[m]
        assert posted == parts  # posting the daily differences never drifts from the split of the whole
        _check_partner_accounts(parts, state)
        before = totals


def _post_day(partner_deltas: list, cur) -> None:  # type: ignore[no-untyped-def]
    postings = partner_postings([(7, d) for d in partner_deltas], cur)
    if postings:
        JournalEntry("e", "k", _anyday(), "colending", tuple(postings))  # refuses anything unbalanced


def _check_partner_accounts(parts: list, state) -> None:  # type: ignore[no-untyped-def]
    owed = {
        "principal": state.principal_outstanding.minor,
        "interest": state.interest_receivable.minor,
        "penalty": state.penalty_receivable.minor,
        "fees": state.fee_receivable.minor,
    }
    exposures = [exposure_by_component(p) for p in parts]
    for component, minor in owed.items():
        assert sum(e[component] for e in exposures) == minor  # every party's share of what is owed, exactly
        if minor == 0:
            assert all(e[component] == 0 for e in exposures)  # nothing owed: nobody holds a stray cent
    for part, exposure in zip(parts[1:], exposures[1:], strict=True):
        balances = account_balances(part)
        assert balances[Account.PARTNER_FUNDING] == sum(exposure.values())
        assert balances[Account.PARTNER_PAYABLE] == sum(v for m, v in part.items() if m.endswith("_repaid"))
        assert balances[Account.PARTNER_LOSSES] == sum(
            v for m, v in part.items() if m.endswith("_written_off")
        )


def _anyday():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2025, 1, 1)
