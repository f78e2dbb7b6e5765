"""A loan's whole life through the app on a real database, reconciling to the cent.

A year-long 12-month drawdown: daily EOD accrual every day, ten installments paid on their due
dates, one paid ten days late (penalty after the three grace days), then an early payoff in the
last period that charges interest only for the days used.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lending_fixtures import START, assert_books_clean, eod_to, open_line, setup_books

from creditline.app import Draw, Repay, draw, repay, show_line, show_loan, trial_balance_now
from creditline.ledger import Account

LATE_INSTALLMENT = 5
LATE_DAYS = 10


def minor(text: str) -> int:
    return int(Decimal(text) * 100)


def test_a_loans_whole_life_reconciles_to_the_cent(engine) -> None:  # type: ignore[no-untyped-def]
    setup_books(engine)
    line_id = open_line(engine, "B1", limit="20000", rate_pct="0.05")
    loan = draw(engine, Draw(line_id, "12000", 12, "draw-1"))
    loan_id = loan["loan_id"]
    schedule = show_loan(engine, loan_id)["schedule"]
    assert len(schedule) == 12
    assert show_line(engine, line_id)["available"] == "8000.00"

    paid_minor = 0
    for row in schedule[:11]:
        due = date.fromisoformat(row["due_date"])
        pay_on = due + timedelta(days=LATE_DAYS) if row["n"] == LATE_INSTALLMENT else due
        eod_to(engine, pay_on)
        state = show_loan(engine, loan_id)
        owed = state["installments"][row["n"] - 1]
        if row["n"] != LATE_INSTALLMENT:
            # paid on time: the installment's interest is exactly the schedule's
            assert owed["interest_due"] == row["interest"], row
            assert state["days_past_due"] == 0
        else:
            assert state["status"] == "overdue" and state["days_past_due"] == LATE_DAYS
            assert minor(state["penalty_receivable"]) > 0
        amount = Decimal(owed["outstanding"]) + Decimal(state["penalty_receivable"])
        repay(engine, Repay(loan_id, f"{amount:.2f}", f"repay-{row['n']}"))
        paid_minor += minor(f"{amount:.2f}")
        after = show_loan(engine, loan_id)
        assert after["days_past_due"] == 0 and after["penalty_receivable"] == "0.00"
        assert_books_clean(engine) if row["n"] in (1, LATE_INSTALLMENT, 11) else None

    last = schedule[11]
    payoff_on = date.fromisoformat(schedule[10]["due_date"]) + timedelta(days=10)
    eod_to(engine, payoff_on)
    state = show_loan(engine, loan_id)
    principal = minor(state["principal_outstanding"])
    interest = minor(state["interest_receivable"])
    assert principal == minor(last["principal"])
    # interest for the 10 days used of the last period only: principal x 0.05% x 10, half-up
    assert interest == (principal * 5 * 10 + 5_000) // 10_000
    assert interest < minor(last["interest"])
    repay(engine, Repay(loan_id, f"{Decimal(principal + interest) / 100:.2f}", "payoff"))
    paid_minor += principal + interest

    final = show_loan(engine, loan_id)
    assert final["status"] == "paid-off"
    assert final["principal_outstanding"] == "0.00" and final["interest_receivable"] == "0.00"
    assert show_line(engine, line_id)["available"] == "20000.00"
    tb = trial_balance_now(engine)
    assert tb.balanced
    assert tb.balance(Account.LOANS_PRINCIPAL, "CNY") == 0
    assert tb.balance(Account.INTEREST_RECEIVABLE, "CNY") == 0
    assert tb.balance(Account.PENALTY_RECEIVABLE, "CNY") == 0
    assert tb.balance(Account.SETTLEMENT_CASH, "CNY") == paid_minor - 1_200_000
    income = tb.balance(Account.INTEREST_INCOME, "CNY") + tb.balance(Account.PENALTY_INCOME, "CNY")
    assert income == paid_minor - 1_200_000
    assert minor(final["totals"]["interest_accrued"]) == tb.balance(Account.INTEREST_INCOME, "CNY")
    assert_books_clean(engine)
    assert payoff_on > START


def test_a_frozen_or_closed_line_shows_it_lends_nothing_and_its_preview_says_why(engine) -> None:  # type: ignore[no-untyped-def]
    """A frozen line showed its whole limit available and its preview `within_limit`, so the app offered
    money the drawdown refuses: `available` stays the limit's room (docs/loan-lifecycle.md), and the views
    say `drawable` false with the refusal's code."""
    from creditline.app import ChangeLineStatus, change_line_status
    from creditline.app.quotes import drawdown_preview

    setup_books(engine)
    line_id = open_line(engine, "B1", limit="20000", rate_pct="0.05")
    shown = show_line(engine, line_id)
    assert (shown["available"], shown["drawable"], shown["refusal"]) == ("20000.00", True, None)
    assert drawdown_preview(engine, line_id, "1000", 6, None)["refusal"] is None
    assert drawdown_preview(engine, line_id, "20000.01", 6, None)["refusal"] == "insufficient_limit"
    frozen = change_line_status(engine, ChangeLineStatus(line_id, "freeze", "suspected fraud"))
    assert (frozen["available"], frozen["drawable"], frozen["refusal"]) == ("20000.00", False, "line_frozen")
    assert show_line(engine, line_id)["refusal"] == "line_frozen"
    preview = drawdown_preview(engine, line_id, "1000", 6, None)
    assert (preview["within_limit"], preview["refusal"]) == (True, "line_frozen")
    closed = change_line_status(engine, ChangeLineStatus(line_id, "close", "customer request"))
    assert (closed["drawable"], closed["refusal"]) == (False, "line_closed")
    assert drawdown_preview(engine, line_id, "1000", 6, None)["refusal"] == "line_closed"
