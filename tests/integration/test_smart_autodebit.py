"""Smart auto-debit through the end-of-day pipeline, on SQLite and PostgreSQL: several repayment
sources asked in priority order, payday timing inside grace, retries spread over the grace days,
reconciliation against the simulated bank's statement (clean, and with injected breaks)."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eod_support import START, books_with_loans, fast_forward, rows, run_days, scalar
from lending_fixtures import assert_books_clean

KEYS = {
    "CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode(),
}
DUE = START + timedelta(days=31)  # every loan's first installment falls due on 2025-02-01


@pytest.fixture(autouse=True)
def _keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def calm_bank(engine: Any) -> Any:
    """Funded accounts decide by their balance; unfunded ones always pay; no timeouts, no declines."""
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    zero = Decimal(0)
    behaviour = BankBehaviour(seed=1, timeout_rate=zero, short_rate=zero, declined_rate=zero)
    return SimulatedBank(SqlBankBook(engine), behaviour)


def link(engine: Any, borrower_id: str, number: str, kind: str = "wallet") -> dict[str, Any]:
    from creditline.app.repayment_sources import AddSource, add_source

    return add_source(engine, AddSource(borrower_id, "tester", number, kind, user_verified=True))


def sources_of(engine: Any, borrower_id: str) -> list[tuple[str, str]]:
    return rows(engine, "SELECT source_id, bank_account_id FROM repayment_sources WHERE borrower_id = :b "
                        "AND status = 'active' ORDER BY priority", b=borrower_id)  # fmt: skip


def attempts_of(engine: Any, loan_id: str) -> list[tuple]:
    return rows(engine, "SELECT attempt_key, business_date, round, source_rank, source_id, requested_minor, "
                        "debited_minor, outcome FROM debit_attempts WHERE loan_id = :l ORDER BY business_date, round, "
                        "source_rank", l=loan_id)  # fmt: skip


def test_the_second_source_pays_what_the_first_could_not_and_the_statement_reconciles(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.debit_reconciliation import reconcile_debits
    from creditline.store.tables_repayment_sources import deposit

    loans = books_with_loans(engine, 2)
    link(engine, "B000", "6222000011112222")
    (on_file, on_file_account), (wallet, wallet_account) = sources_of(engine, "B000")
    assert on_file_account == "B000" and wallet_account == wallet  # the account on file is priority 1
    fast_forward(engine, START, 31)
    deposit(engine, [("B000", "CNY", 100_00, DUE, "salary"), (wallet, "CNY", 5_000_00, DUE, "top-up")])
    results = run_days(engine, DUE, 1, calm_bank(engine))

    (first, second) = attempts_of(engine, loans[0])
    due = first[5]
    assert first[0] == f"ad:{loans[0]}:{DUE.isoformat()}:1:{on_file}" and first[3:5] == (1, on_file)
    assert (first[6], first[7]) == (100_00, "partial")  # what the account held
    assert second[0] == f"ad:{loans[0]}:{DUE.isoformat()}:1:{wallet}" and second[3:5] == (2, wallet)
    assert (second[5], second[6], second[7]) == (due - 100_00, due - 100_00, "succeeded")  # the rest, exactly
    assert first[6] + second[6] == due
    balances = dict(rows(engine, "SELECT account_id, balance_minor FROM sim_bank_accounts"))
    assert balances == {"B000": 0, wallet: 5_000_00 - (due - 100_00)}
    # A borrower without linked sources is asked as before: one attempt, the old key, the account on file.
    (only,) = attempts_of(engine, loans[1])
    assert (
        only[0] == f"ad:{loans[1]}:{DUE.isoformat()}:1" and only[3:5] == (1, None) and only[7] == "succeeded"
    )
    assert scalar(engine, "SELECT days_past_due FROM loans WHERE loan_id = :l", l=loans[0]) == 0
    stage = results[0]["stages"]["auto-debit"]
    assert stage["statement_breaks"] == 0 and stage["statement_lines"] == 3
    report = reconcile_debits(engine, DUE)
    assert (report["attempts"], report["statement_lines"], report["breaks_total"]) == (3, 3, 0)
    assert_books_clean(engine)

    # Injected breaks: a bank line for a key we never had, and an amount that differs.
    with engine.begin() as connection:
        from sqlalchemy import insert, text

        from creditline.store.tables_servicing import sim_bank_debits

        connection.execute(insert(sim_bank_debits).values(
            debit_key="ad:ghost:2025-02-01:1", account_id="B001", business_date=DUE, currency="CNY",
            requested_minor=500, debited_minor=500, outcome="succeeded", executed=1, calls=1, reference="SBghost"))  # fmt: skip
        connection.execute(text("UPDATE sim_bank_debits SET debited_minor = debited_minor - 1 WHERE debit_key = :k"),
                           {"k": second[0]})  # fmt: skip
    report = reconcile_debits(engine, DUE)
    assert report["break_kinds"] == {"missing_in_books": 1, "amount_mismatch": 1}
    assert {b["key"] for b in report["breaks"]} == {"ad:ghost:2025-02-01:1", second[0]}
    # A debit marked for refund (its loan no longer took a repayment): the money is on no loan.
    with engine.begin() as connection:
        connection.execute(text("UPDATE debit_attempts SET applied_path = 'refund' WHERE attempt_key = :k"),
                           {"k": first[0]})  # fmt: skip
    report = reconcile_debits(engine, DUE)
    assert report["break_kinds"] == {"missing_in_books": 1, "amount_mismatch": 1, "not_applied": 1}
    assert next(b for b in report["breaks"] if b["kind"] == "not_applied")["key"] == first[0]


def evidence(engine: Any, loan_id: str) -> dict[str, Any]:
    """A loan's debit attempts, events and snapshot, the day's paydays and runs: a failure's context."""
    return {
        "attempts": attempts_of(engine, loan_id),
        "events": rows(engine, "SELECT sequence, kind, effective_date, amount_minor, recorded_on FROM loan_events "
                               "WHERE loan_id = :l ORDER BY sequence", l=loan_id),
        "loan": rows(engine, "SELECT status, as_of, days_past_due, oldest_unpaid_due, totals_json FROM loans "
                             "WHERE loan_id = :l", l=loan_id),
        "paydays": rows(engine, "SELECT borrower_id, payday, basis FROM borrower_paydays ORDER BY borrower_id"),
        "bank": rows(engine, "SELECT * FROM sim_bank_debits ORDER BY 1"),
    }


def test_payday_timing_and_retries_spread_over_grace(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.repayment_sources import state_payday
    from creditline.store.tables_repayment_sources import deposit

    loans = books_with_loans(engine, 3)
    state_payday(engine, "B001", 4)  # the first payday on or after the due date is 3 days later: inside grace
    state_payday(engine, "B002", 1)  # paid on the due date itself
    fast_forward(engine, START, 31)
    deposit(engine, [("B002", "CNY", 1, DUE - timedelta(days=1), "a cent")])  # funded, and short every day
    run_days(engine, DUE, 4, calm_bank(engine))  # closes 1-4 February

    def days_asked(loan_id: str) -> list[str]:
        return sorted({str(r[1]) for r in attempts_of(engine, loan_id)})

    # Once in about eight CI runs on PostgreSQL the first loan was asked again on the 3rd (stop 33's
    # note): a failure says what the books held, to tell a lost update from the test's own state.
    assert days_asked(loans[0]) == ["2025-02-01"], evidence(engine, loans[0])  # payday unknown: paid at once
    assert days_asked(loans[1]) == ["2025-02-04"]  # the payday, not the due date
    assert [r[7] for r in attempts_of(engine, loans[1])] == ["succeeded"]
    # Short every time: asked on the attempt days of the window 1-4 February, the 1st, 2nd and 4th
    # (two rounds each), not on the 3rd.
    assert days_asked(loans[2]) == ["2025-02-01", "2025-02-02", "2025-02-04"]
    assert [r[7] for r in attempts_of(engine, loans[2])] == ["insufficient_funds"] * 6
    assert_books_clean(engine)
    shown = evidence(engine, loans[0])  # the context a failure would print reads on both databases
    assert [e[1] for e in shown["events"]][-1] == "repayment" and shown["loan"][0][0] == "active", shown


def test_a_learned_payday_times_the_first_attempt(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.tables_repayment_sources import deposit

    loans = books_with_loans(engine, 1)
    salaries = [("B000", "CNY", 8_000_00, date(2024, month, 3), f"salary-{month}") for month in (10, 11, 12)]
    deposit(engine, [*salaries, ("B000", "CNY", 20_00, date(2024, 12, 20), "refund")])
    fast_forward(engine, START, 31)
    deposit(engine, [("B000", "CNY", 8_000_00, DUE, "bonus")])  # an inflow today: the payday is (re)learned
    run_days(engine, DUE, 3, calm_bank(engine))
    assert rows(engine, "SELECT payday, basis FROM borrower_paydays WHERE borrower_id = 'B000'") == [
        (3, "inflows")
    ]
    # Salaries arrive on the 3rd (three months of them; the refund is too small to count, the bonus is
    # one month): the loan due on the 1st is first asked on the 3rd, and paid.
    assert [(str(r[1]), r[7]) for r in attempts_of(engine, loans[0])] == [("2025-02-03", "succeeded")]


def test_a_declined_source_is_not_asked_again_the_same_day_and_the_next_source_is(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_repayment_sources import deposit
    from creditline.store.tables_servicing_bank import SqlBankBook

    loans = books_with_loans(engine, 1)
    link(engine, "B000", "6222000011112222")
    (on_file, _), (wallet, _) = sources_of(engine, "B000")
    fast_forward(engine, START, 31)
    deposit(engine, [(wallet, "CNY", 1, DUE, "a cent")])  # funded and short: the wallet never pays
    zero = Decimal(0)
    # Unfunded accounts (the account on file) always decline: the mandate is gone, a hard decline.
    bank = SimulatedBank(SqlBankBook(engine), BankBehaviour(seed=1, timeout_rate=zero, short_rate=zero,
                                                            declined_rate=Decimal(1)))  # fmt: skip
    results = run_days(engine, DUE, 1, bank)

    asked = [(r[2], r[3], r[4], r[7]) for r in attempts_of(engine, loans[0])]
    assert asked == [
        (1, 1, on_file, "declined"),
        (1, 2, wallet, "insufficient_funds"),
        (2, 1, wallet, "insufficient_funds"),  # round 2 passes over the declined mandate to the next source
    ]
    sent = rows(engine, "SELECT account_id, COUNT(*) FROM sim_bank_debits GROUP BY account_id ORDER BY account_id")
    assert dict(sent) == {"B000": 1, wallet: 2}  # the bank saw the declined mandate once
    stage = results[0]["stages"]["auto-debit"]
    assert stage["outcomes"] == {"declined": 1, "insufficient_funds": 2}
    assert stage["sources_declined"] == 1
    assert "1 source(s) declined (not asked again today)" in results[0]["messages"]["auto-debit"]
    assert_books_clean(engine)


def test_a_borrower_whose_only_account_declined_is_not_asked_in_round_two(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing_bank import SqlBankBook

    loans = books_with_loans(engine, 1)
    fast_forward(engine, START, 31)
    zero = Decimal(0)
    bank = SimulatedBank(SqlBankBook(engine), BankBehaviour(seed=1, timeout_rate=zero, short_rate=zero,
                                                            declined_rate=Decimal(1)))  # fmt: skip
    run_days(engine, DUE, 1, bank)
    assert [(r[2], r[3], r[7]) for r in attempts_of(engine, loans[0])] == [(1, 1, "declined")]


def test_an_auto_debit_settled_in_a_batch_posts_under_its_borrower(engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.reliability.invariants import check_books

    loans = books_with_loans(engine, 3)
    fast_forward(engine, START, 31)
    run_days(engine, DUE, 1, calm_bank(engine))
    assert dict(rows(engine, "SELECT loan_id, applied_path FROM debit_attempts")) == dict.fromkeys(loans, "batch")
    # Every posting of the settlements carries the borrower of its entry and its loan, as a repayment's does.
    postings = rows(engine, "SELECT p.borrower_id, e.borrower_id, a.borrower_id FROM postings p "
                            "JOIN journal_entries e ON e.entry_id = p.entry_id "
                            "JOIN debit_attempts a ON e.idempotency_key = 'autodebit:' || a.attempt_key")  # fmt: skip
    assert postings and all(posted == entry == asked for posted, entry, asked in postings), postings
    # What a report by borrower reads from the postings alone: each borrower's cash in is what was debited.
    cash = dict(rows(engine, "SELECT borrower_id, SUM(amount_minor) FROM postings WHERE account = 'settlement_cash' "
                             "AND entry_id IN (SELECT entry_id FROM journal_entries WHERE idempotency_key LIKE "
                             "'autodebit:%') GROUP BY borrower_id"))  # fmt: skip
    debited = dict(rows(engine, "SELECT borrower_id, SUM(debited_minor) FROM debit_attempts GROUP BY borrower_id"))
    assert {b: int(v) for b, v in cash.items()} == {b: int(v) for b, v in debited.items()}
    assert set(cash) == {"B000", "B001", "B002"}
    assert "posting_borrower_differs" not in check_books(engine, deep=False).kinds()
