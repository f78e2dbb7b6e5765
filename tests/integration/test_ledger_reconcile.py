"""`creditline ledger reconcile` on the running balances: each per-shard row against its postings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from creditline.app.books import reconcile_books
from creditline.ledger import Account, JournalEntry, credit, debit
from creditline.money import Money
from creditline.store import UnitOfWork
from creditline.store.tables import account_balances


def test_a_running_balance_moved_to_another_shard_is_not_clean(engine) -> None:  # type: ignore[no-untyped-def]
    """docs/ledger.md, reconciliation check 4: the running balances - one row per (account, shard,
    currency), which provisioning reads shard by shard - equal the sums of the postings. Comparing them
    summed over the shards missed a balance booked to the wrong shard."""
    with UnitOfWork(engine) as uow:
        for shard in (3, 4):
            amount = Money.of_minor(10_000 + shard, "CNY")
            uow.journal.add(JournalEntry(f"je{shard}", f"key{shard}", date(2025, 1, 1), f"fee:{shard}",
                                         (debit(Account.SETTLEMENT_CASH, amount, shard), credit(Account.FEE_INCOME, amount, shard))))
        uow.commit()
    assert reconcile_books(engine).clean
    b = account_balances.c
    with engine.begin() as connection:  # 100.00 of shard 3's cash now stands on shard 4: the total is unchanged
        for shard, moved in ((3, -10_000), (4, 10_000)):
            connection.execute(update(account_balances).where((b.account == "settlement_cash") & (b.shard == shard))
                               .values(debit_minor=b.debit_minor + moved))
    report = reconcile_books(engine)
    assert not report.balances_match_postings
    assert not report.clean


def test_reconcile_names_every_difference_it_finds_not_only_the_loans(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """`ledger reconcile` said "DIFFERENCES FOUND" and listed nothing when what differed was a running
    balance against its postings or the GL's accrual summary against the loans' sub-ledger: an auditor
    was told the books were wrong and not where."""
    from integration_helpers import cli

    with UnitOfWork(engine) as uow:
        cash = Money.of_minor(10_003, "CNY")
        uow.journal.add(JournalEntry("je3", "key3", date(2025, 1, 1), "fee:3",
                                     (debit(Account.SETTLEMENT_CASH, cash, 3), credit(Account.FEE_INCOME, cash, 3))))
        accrued = Money.of_minor(12_345, "CNY")
        uow.journal.add(JournalEntry("je-adj", "adj-1", date(2025, 1, 1), "adjustment:1",
                                     (debit(Account.INTEREST_RECEIVABLE, accrued, 7), credit(Account.INTEREST_INCOME, accrued, 7))))
        uow.commit()
    b = account_balances.c
    with engine.begin() as connection:  # 1.00 more debited to shard 3's cash than its postings hold
        connection.execute(update(account_balances).where((b.account == "settlement_cash") & (b.shard == 3))
                           .values(debit_minor=b.debit_minor + 100))
    result = cli("ledger", "reconcile", "--db", db_url)
    assert result.exit_code == 1, result
    lines = result.stdout.splitlines()
    assert lines[0] == "0 loans checked: DIFFERENCES FOUND"
    assert "  running balance settlement_cash shard 3 CNY: kept debits 101.03 credits 0.00, postings debits 100.03 credits 0.00" in lines
    assert "  control interest_receivable CNY: general ledger 123.45, loans' sub-ledger 0.00" in lines
    assert "  trial balance not balanced" in lines, lines
    payload = cli("ledger", "reconcile", "--db", db_url, "--json").json()
    assert payload["balance_differences"] == [{"account": "settlement_cash", "shard": 3, "currency": "CNY",
                                               "kept": {"debit": "101.03", "credit": "0.00"},
                                               "postings": {"debit": "100.03", "credit": "0.00"}}]  # fmt: skip


def test_a_receivable_posted_without_a_loan_outside_the_eod_summaries_is_a_control_difference(engine) -> None:  # type: ignore[no-untyped-def]
    """Receivables posted without a loan id belong to no loan: only EOD's accrual summaries may carry
    them, each matched by the loans' sub-ledger columns. An entry that books interest receivable on no
    loan under another reference (a manual adjustment, a bug) made the GL's receivable larger than every
    loan's put together, and reconcile still said clean."""
    with UnitOfWork(engine) as uow:
        amount = Money.of_minor(12_345, "CNY")
        uow.journal.add(JournalEntry("je-adj", "adj-1", date(2025, 1, 1), "adjustment:1",
                                     (debit(Account.INTEREST_RECEIVABLE, amount, 7), credit(Account.INTEREST_INCOME, amount, 7))))
        uow.commit()
    report = reconcile_books(engine)
    assert report.control_differences == [("interest_receivable", "CNY", 12_345, 0)]
    assert not report.clean


def test_an_account_outside_the_chart_is_a_difference_not_a_traceback(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """A posting (with a loan id) and a running balance row on an account the chart does not have - edited
    in SQL, or written by a newer version - made `ledger reconcile` end in a ValueError traceback."""
    from integration_helpers import cli

    from creditline.store.tables import postings

    with UnitOfWork(engine) as uow:
        amount = Money.of_minor(5_000, "CNY")
        uow.journal.add(JournalEntry("je-fee", "fee-1", date(2025, 1, 1), "fee:1",
                                     (debit(Account.FEE_RECEIVABLE, amount, 2, "loan9"), credit(Account.FEE_INCOME, amount, 2))))
        uow.commit()
    with engine.begin() as connection:
        connection.execute(update(postings).where(postings.c.account == "fee_receivable").values(account="bogus"))
        connection.execute(update(account_balances).where(account_balances.c.account == "fee_receivable").values(account="bogus"))
    report = reconcile_books(engine)
    assert report.unknown_accounts == ["bogus"]
    assert not report.clean
    result = cli("ledger", "reconcile", "--db", db_url)
    assert result.exit_code == 1, result
    assert "bogus" in result.stdout


def test_trial_balance_with_an_account_outside_the_chart_fails_the_check_not_a_traceback(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import cli

    with UnitOfWork(engine) as uow:
        amount = Money.of_minor(5_000, "CNY")
        uow.journal.add(JournalEntry("je-fee", "fee-1", date(2025, 1, 1), "fee:1",
                                     (debit(Account.SETTLEMENT_CASH, amount, 2), credit(Account.FEE_INCOME, amount, 2))))
        uow.commit()
    with engine.begin() as connection:
        connection.execute(update(account_balances).where(account_balances.c.account == "fee_income").values(account="bogus"))
    result = cli("ledger", "trial-balance", "--db", db_url)
    assert result.exit_code == 1, result
    assert "NOT BALANCED" in result.stdout and "bogus" in result.stdout
