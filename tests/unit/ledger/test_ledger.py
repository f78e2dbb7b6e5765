"""The ledger's pure core: balanced entries only, posting rules, trial balance, reconciliation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.ledger import (
    SHARD_COUNT,
    TOTALS_RULES,
    Account,
    JournalEntry,
    LoanBalances,
    Posting,
    UnbalancedEntry,
    accrual_postings,
    balances_from_postings,
    credit,
    debit,
    postings_for_totals_delta,
    reconcile,
    shard_of,
    trial_balance,
)
from creditline.ledger.errors import LedgerError
from creditline.money import Money

CNY = "CNY"
D = date(2025, 1, 1)


def cny(minor: int) -> Money:
    return Money.of_minor(minor, CNY)


def entry(postings: list[Posting]) -> JournalEntry:
    return JournalEntry("e1", "k1", D, "test", tuple(postings))


def test_an_unbalanced_entry_cannot_be_built() -> None:
    with pytest.raises(UnbalancedEntry) as caught:
        entry(
            [
                debit(Account.LOANS_PRINCIPAL, cny(100_000), 3, "L1"),
                credit(Account.SETTLEMENT_CASH, cny(99_999), 3),
            ]
        )
    assert caught.value.code == "unbalanced_entry"
    assert "1 minor units" in caught.value.message


def test_balance_is_per_currency_not_across_currencies() -> None:
    postings = [
        debit(Account.SETTLEMENT_CASH, cny(100), 0),
        credit(Account.SETTLEMENT_CASH, Money.of_minor(100, "USD"), 0),
    ]
    with pytest.raises(UnbalancedEntry):
        entry(postings)


def test_entry_needs_a_key_and_aggregate_accounts_take_no_loan_id() -> None:
    with pytest.raises(LedgerError) as caught:
        JournalEntry("e1", "", D, "test", (debit(Account.SETTLEMENT_CASH, cny(1), 0),))
    assert caught.value.field == "idempotency_key"
    with pytest.raises(LedgerError) as caught:
        Posting(Account.SETTLEMENT_CASH, cny(5), 0, "L1")
    assert caught.value.field == "loan_id"


def test_disbursement_posts_principal_against_cash() -> None:
    postings = postings_for_totals_delta({"disbursed": cny(100_000)}, shard=7, loan_id="L1")
    assert [(p.account, p.amount.minor, p.loan_id, p.shard) for p in postings] == [
        (Account.SETTLEMENT_CASH, -100_000, None, 7),
        (Account.LOANS_PRINCIPAL, 100_000, "L1", 7),
    ]


def test_a_repayment_nets_cash_into_one_posting() -> None:
    delta = {"principal_repaid": cny(15_000), "interest_repaid": cny(5_000), "overpaid": cny(100)}
    postings = postings_for_totals_delta(delta, shard=1, loan_id="L1")
    by_account = {p.account: p.amount.minor for p in postings}
    assert by_account == {
        Account.SETTLEMENT_CASH: 20_100,
        Account.LOANS_PRINCIPAL: -15_000,
        Account.INTEREST_RECEIVABLE: -5_000,
        Account.BORROWER_CREDIT: -100,
    }


movements = st.dictionaries(
    st.sampled_from(sorted(TOTALS_RULES)), st.integers(-(10**12), 10**12).map(cny), max_size=len(TOTALS_RULES)
)


@given(movements, st.integers(0, SHARD_COUNT - 1))
def test_every_totals_delta_posts_a_balanced_entry(delta: dict[str, Money], shard: int) -> None:
    postings = postings_for_totals_delta(delta, shard=shard, loan_id="L9")
    if postings:
        assert entry(postings).net_by_currency() == {CNY: 0}
    # a reversal (the negated delta) posts exactly the opposite entry
    negated = postings_for_totals_delta({k: -v for k, v in delta.items()}, shard=shard, loan_id="L9")
    assert [(p.account, -p.amount.minor) for p in negated] == [(p.account, p.amount.minor) for p in postings]


@given(st.lists(movements, min_size=1, max_size=8))
def test_trial_balance_of_balanced_entries_balances(deltas: list[dict[str, Money]]) -> None:
    rows = []
    for delta in deltas:
        for p in postings_for_totals_delta(delta, shard=0, loan_id="L1"):
            rows.append((p.account, CNY, p.debit_minor, p.credit_minor))
    tb = trial_balance(rows)
    assert tb.balanced
    debits, credits = tb.totals().get(CNY, (0, 0))
    assert debits == credits


def test_trial_balance_reports_normal_side_balances() -> None:
    p = postings_for_totals_delta(
        {"disbursed": cny(100_000), "interest_accrued": cny(164)}, shard=0, loan_id="L"
    )
    tb = trial_balance((x.account, CNY, x.debit_minor, x.credit_minor) for x in p)
    assert tb.balance(Account.LOANS_PRINCIPAL, CNY) == 100_000
    assert tb.balance(Account.SETTLEMENT_CASH, CNY) == -100_000
    assert tb.balance(Account.INTEREST_INCOME, CNY) == 164
    assert tb.totals() == {CNY: (100_164, 100_164)}


def test_reconcile_rebuilds_loans_from_postings_and_names_each_difference() -> None:
    postings = postings_for_totals_delta(
        {
            "disbursed": cny(100_000),
            "interest_accrued": cny(500),
            "principal_repaid": cny(20_000),
            "overpaid": cny(7),
        },
        shard=0,
        loan_id="L1",
    )
    journal = balances_from_postings(postings)
    assert journal == {"L1": LoanBalances(80_000, 500, 0, 0, 7)}
    assert reconcile(journal, {"L1": LoanBalances(80_000, 500, 0, 0, 7)}) == []
    found = reconcile(journal, {"L1": LoanBalances(80_000, 499, 0, 0, 7), "L2": LoanBalances(1, 0, 0, 0, 0)})
    assert [(m.loan_id, m.field, m.journal_minor, m.loan_minor) for m in found] == [
        ("L1", "interest_minor", 500, 499),
        ("L2", "principal_minor", 0, 1),
    ]


def test_accrual_summary_is_balanced_per_shard() -> None:
    postings = accrual_postings({0: 164, 5: 3}, {5: 2, 6: 0}, Money.zero(CNY).currency)
    assert entry(postings).net_by_currency() == {CNY: 0}
    assert sum(p.amount.minor for p in postings if p.account is Account.INTEREST_INCOME) == -167
    assert all(p.loan_id is None for p in postings)


def test_shard_is_stable_and_spread() -> None:
    # CRC-32, so the same on every machine and Python run (hash() is salted per process)
    assert (shard_of("B1"), shard_of("borrower-42")) == (2, 13)
    spread = {shard_of(f"B{i}") for i in range(1_000)}
    assert len(spread) == SHARD_COUNT
