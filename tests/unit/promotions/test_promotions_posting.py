"""The coupon posting rule: contra-income on the debit side, the loan's receivable reconciling as before."""

from __future__ import annotations

from datetime import date

from creditline.ledger import (
    TOTALS_RULES,
    Account,
    JournalEntry,
    balances_from_postings,
    postings_for_totals_delta,
)
from creditline.ledger.accounts import CHART, AccountType, NormalSide
from creditline.money import Money
from creditline.promotions import coupon_postings


def cny(minor: int) -> Money:
    return Money(minor, Money.zero("CNY").currency)


def test_a_coupon_waiver_debits_the_promotional_discount_not_interest_income() -> None:
    delta = {movement: cny(0) for movement in TOTALS_RULES} | {"interest_waived": cny(18_000)}
    postings = coupon_postings(delta, shard=3, loan_id="L1")
    assert [(p.account, p.amount.minor, p.loan_id) for p in postings] == [
        (Account.INTEREST_RECEIVABLE, -18_000, "L1"),
        (Account.PROMOTIONAL_DISCOUNT, 18_000, None),
    ]
    entry = JournalEntry("JE1", "k1", date(2025, 2, 15), "loan-event:E1", tuple(postings))
    assert entry.net_by_currency() == {"CNY": 0}
    assert CHART[Account.PROMOTIONAL_DISCOUNT].type is AccountType.CONTRA_INCOME
    assert CHART[Account.PROMOTIONAL_DISCOUNT].normal_side is NormalSide.DEBIT


def test_the_loan_side_is_the_same_as_an_ordinary_waiver() -> None:
    delta = {"interest_waived": cny(5_000), "interest_accrued": cny(600), "interest_repaid": cny(100)}
    ours = balances_from_postings(coupon_postings(delta, shard=0, loan_id="L1"))
    theirs = balances_from_postings(postings_for_totals_delta(delta, shard=0, loan_id="L1"))
    assert ours == theirs


def test_other_movements_keep_their_ordinary_accounts() -> None:
    delta = {"interest_accrued": cny(600), "interest_waived": cny(200)}
    postings = {p.account: p.amount.minor for p in coupon_postings(delta, shard=0, loan_id="L1")}
    assert postings == {
        Account.INTEREST_RECEIVABLE: 400,
        Account.INTEREST_INCOME: -600,
        Account.PROMOTIONAL_DISCOUNT: 200,
    }
