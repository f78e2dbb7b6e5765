"""A debit the simulated bank returns days later (R01, insufficient funds), on SQLite and PostgreSQL:
`creditline autodebit reconcile` on the day of the return reverses the repayment the debit paid — one
balanced journal entry taking it back, the installment owed again — and a rerun books nothing twice."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from eod_support import START, books_with_loans, fast_forward, rows, run_days
from integration_helpers import cli
from lending_fixtures import assert_books_clean

DUE = START + timedelta(days=31)  # every loan's first installment falls due on 2025-02-01


def bank(engine: Any, return_rate: str) -> Any:
    """Unfunded accounts pay whatever is asked, and the bank returns this share of those debits later."""
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    zero = Decimal(0)
    behaviour = BankBehaviour(seed=1, timeout_rate=zero, short_rate=zero, declined_rate=zero,
                              return_rate=Decimal(return_rate))  # fmt: skip
    return SimulatedBank(SqlBankBook(engine), behaviour)


def reconcile(engine: Any, day: Any) -> tuple[int, dict[str, Any]]:
    result = cli("autodebit", "reconcile", "--date", day.isoformat(), "--json",
                 "--db", engine.url.render_as_string(hide_password=False))  # fmt: skip
    return result.exit_code, json.loads(result.stdout)


def test_a_returned_debit_reverses_its_repayment_once_with_a_balanced_entry(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan

    (loan_id,) = books_with_loans(engine, 1)
    fast_forward(engine, START, 31)
    run_days(engine, DUE, 1, bank(engine, "1"))  # the due day's debit is paid, and will be returned
    ((key, debited, outcome, event_id),) = rows(engine, "SELECT attempt_key, debited_minor, outcome, event_id "
                                                        "FROM debit_attempts WHERE loan_id = :l", l=loan_id)  # fmt: skip
    assert outcome == "succeeded" and event_id is not None
    paid = show_loan(engine, loan_id)
    first = paid["installments"][0]
    assert first["status"] == "paid"
    returned_on = DUE + timedelta(days=2)
    ((on, reason),) = rows(engine, "SELECT returned_on, return_reason FROM sim_bank_debits WHERE debit_key = :k", k=key)
    assert (str(on), reason) == (returned_on.isoformat(), "R01")  # text on SQLite, a date on PostgreSQL
    code, clean = reconcile(engine, DUE)  # the day of the debit: the statement matches, nothing is returned yet
    assert (code, clean["breaks_total"], clean["returns"]) == (0, 0, [])
    run_days(engine, DUE + timedelta(days=1), 1, bank(engine, "0"))  # the business date reaches the return

    code, report = reconcile(engine, returned_on)
    assert code == 0 and report["breaks_total"] == 0, report
    (booked,) = report["returns"]
    assert (booked["key"], booked["loan_id"], booked["reverses"]) == (key, loan_id, event_id)
    assert (booked["returned_minor"], booked["currency"], booked["reason"]) == (debited, "CNY", "R01")
    after = show_loan(engine, loan_id)
    assert after["installments"][0]["status"] != "paid"
    assert Decimal(after["installments"][0]["outstanding"]) * 100 >= debited  # owed again (with its penalty)
    assert after["status"] == "overdue"
    reversal = booked["reversal_event_id"]
    postings = rows(engine, "SELECT p.account, p.amount_minor FROM postings p JOIN journal_entries j "
                            "ON j.entry_id = p.entry_id WHERE j.reference = :r", r=f"loan-event:{reversal}")  # fmt: skip
    assert postings and sum(amount for _, amount in postings) == 0  # debits equal credits
    assert sum(-amount for _, amount in postings if amount < 0) == debited  # the repayment, taken back whole
    assert_books_clean(engine)

    entries = rows(engine, "SELECT count(*) FROM journal_entries")
    code, again = reconcile(engine, returned_on)  # a rerun finds the same return and books nothing new
    assert code == 0 and [r["reversal_event_id"] for r in again["returns"]] == [reversal]
    assert rows(engine, "SELECT count(*) FROM journal_entries") == entries
    assert rows(engine, "SELECT count(*) FROM loan_events WHERE loan_id = :l AND kind = 'reversal'", l=loan_id) == [(1,)]


def test_a_return_with_no_repayment_on_a_loan_is_a_break_and_books_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    (loan_id,) = books_with_loans(engine, 1)
    fast_forward(engine, START, 31)
    run_days(engine, DUE, 2, bank(engine, "1"))
    ((key,),) = rows(engine, "SELECT attempt_key FROM debit_attempts WHERE loan_id = :l", l=loan_id)
    with engine.begin() as connection:  # as if the money had gone to the refund list instead of the loan
        from sqlalchemy import text

        connection.execute(text("UPDATE debit_attempts SET applied_path = 'refund', event_id = NULL "
                                "WHERE attempt_key = :k"), {"k": key})  # fmt: skip
    entries = rows(engine, "SELECT count(*) FROM journal_entries")
    code, report = reconcile(engine, DUE + timedelta(days=2))
    assert code == 1 and report["returns"] == []
    assert report["break_kinds"] == {"return_not_applied": 1}
    assert [b["key"] for b in report["breaks"]] == [key] and "R01" in report["breaks"][0]["theirs"]
    assert rows(engine, "SELECT count(*) FROM journal_entries") == entries


def test_the_return_days_end_of_day_books_the_return_first_and_once(engine) -> None:  # type: ignore[no-untyped-def]
    """No operator command: closing the day of the return reverses the repayment before that day's
    auto-debit and accrual, so the installment is owed again (and asked for again) that very day; a
    stage run again after a kill, and the reconcile command after it, book nothing twice."""
    from creditline.app.eod_pipeline import default_context
    from creditline.app.eod_returns import book_day_returns
    from creditline.app.loans import show_loan

    (loan_id,) = books_with_loans(engine, 1)
    fast_forward(engine, START, 31)
    run_days(engine, DUE, 1, bank(engine, "1"))  # the due day's debit is paid, and will be returned
    ((key, debited, event_id),) = rows(engine, "SELECT attempt_key, debited_minor, event_id FROM debit_attempts "
                                               "WHERE loan_id = :l", l=loan_id)  # fmt: skip
    assert event_id is not None and key  # the due day's debit paid the loan
    returned_on = DUE + timedelta(days=2)
    (day_after,) = run_days(engine, DUE + timedelta(days=1), 1, bank(engine, "0"))
    assert day_after["stages"]["debit-returns"]["returns"] == 0  # nothing returned on the day after
    assert show_loan(engine, loan_id)["installments"][0]["status"] == "paid"

    (closed,) = run_days(engine, returned_on, 1, bank(engine, "0"))
    stage = closed["stages"]["debit-returns"]
    assert (stage["returns"], stage["returned_minor"], stage["return_breaks"]) == (1, debited, 0), stage
    assert list(closed["stages"])[:2] == ["debit-returns", "auto-debit"], "booked before the day's debit"
    ((reversal, on),) = rows(engine, "SELECT event_id, effective_date FROM loan_events "
                                     "WHERE loan_id = :l AND kind = 'reversal'", l=loan_id)  # fmt: skip
    assert str(on) == returned_on.isoformat()
    ((asked, outcome, paid_again),) = rows(engine, "SELECT requested_minor, outcome, debited_minor FROM debit_attempts "
                                                    "WHERE loan_id = :l AND business_date = :d",
                                           l=loan_id, d=returned_on)  # fmt: skip
    assert outcome == "succeeded" and asked >= debited, "the day's auto-debit asked for the installment again"
    after = show_loan(engine, loan_id)
    assert after["installments"][0]["status"] == "paid"  # by the new debit: the returned one paid nothing
    repayments = rows(engine, "SELECT count(*) FROM loan_events WHERE loan_id = :l AND kind = 'repayment'", l=loan_id)
    assert repayments == [(2,)] and paid_again == asked
    assert_books_clean(engine)

    entries = rows(engine, "SELECT count(*) FROM journal_entries")
    rerun = book_day_returns(engine, returned_on, default_context(engine, returned_on, gateway=bank(engine, "0")))
    assert rerun.summary["returns"] == 1  # the same return, answered with its first reversal
    code, report = reconcile(engine, returned_on)
    assert code == 0 and [r["reversal_event_id"] for r in report["returns"]] == [reversal]
    assert rows(engine, "SELECT count(*) FROM journal_entries") == entries
    assert rows(engine, "SELECT count(*) FROM loan_events WHERE loan_id = :l AND kind = 'reversal'", l=loan_id) == [(1,)]
