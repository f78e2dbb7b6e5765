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
