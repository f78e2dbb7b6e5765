"""Posting rules: how a change in a loan's cumulative money movements becomes journal postings.

The app replays a loan before and after a command and hands over the difference of its totals
(`LoanTotals.minus`), one Money per movement. Each movement has one debit and one credit account;
a negative difference (a reversal, a backdated event that lowers accrued interest) simply swaps the
sides, which is how backdated events and reversals post their adjusting entries without special cases.

Assumption shared with the lending domain: the `*_repaid` movements count everything applied to the
loan, whether it came in as cash or out of the borrower's credit balance; `credit_applied` is the
part that came from the credit balance, so it moves that much from the liability back out of cash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from creditline.ledger.accounts import CHART, Account
from creditline.ledger.journal import Posting
from creditline.money import Currency, Money

A = Account
# movement -> (account debited, account credited) for a positive movement
TOTALS_RULES: dict[str, tuple[Account, Account]] = {
    "disbursed": (A.LOANS_PRINCIPAL, A.SETTLEMENT_CASH),
    "interest_accrued": (A.INTEREST_RECEIVABLE, A.INTEREST_INCOME),
    "penalty_accrued": (A.PENALTY_RECEIVABLE, A.PENALTY_INCOME),
    "fees_charged": (A.FEE_RECEIVABLE, A.FEE_INCOME),
    "principal_repaid": (A.SETTLEMENT_CASH, A.LOANS_PRINCIPAL),
    "interest_repaid": (A.SETTLEMENT_CASH, A.INTEREST_RECEIVABLE),
    "penalty_repaid": (A.SETTLEMENT_CASH, A.PENALTY_RECEIVABLE),
    "fees_repaid": (A.SETTLEMENT_CASH, A.FEE_RECEIVABLE),
    "overpaid": (A.SETTLEMENT_CASH, A.BORROWER_CREDIT),
    "credit_applied": (A.BORROWER_CREDIT, A.SETTLEMENT_CASH),
    "credit_refunded": (A.BORROWER_CREDIT, A.SETTLEMENT_CASH),
    # A waiver gives up income already recognised, so it reverses the income, not an expense.
    "interest_waived": (A.INTEREST_INCOME, A.INTEREST_RECEIVABLE),
    "penalty_waived": (A.PENALTY_INCOME, A.PENALTY_RECEIVABLE),
    "fees_waived": (A.FEE_INCOME, A.FEE_RECEIVABLE),
    "principal_written_off": (A.CREDIT_LOSS_EXPENSE, A.LOANS_PRINCIPAL),
    "interest_written_off": (A.CREDIT_LOSS_EXPENSE, A.INTEREST_RECEIVABLE),
    "penalty_written_off": (A.CREDIT_LOSS_EXPENSE, A.PENALTY_RECEIVABLE),
    "fees_written_off": (A.CREDIT_LOSS_EXPENSE, A.FEE_RECEIVABLE),
}


def postings_for_totals_delta(delta: Mapping[str, Money], *, shard: int, loan_id: str) -> list[Posting]:
    """Postings for a change of a loan's totals, netted per account; empty when nothing moved."""
    unknown = set(delta) - set(TOTALS_RULES)
    assert not unknown, f"no posting rule for movements {sorted(unknown)}"
    net: dict[tuple[Account, Currency], int] = defaultdict(int)
    for movement, amount in delta.items():
        if amount.is_zero():
            continue
        debit_account, credit_account = TOTALS_RULES[movement]
        net[(debit_account, amount.currency)] += amount.minor
        net[(credit_account, amount.currency)] -= amount.minor
    return [
        Posting(account, Money(minor, cur), shard, loan_id if CHART[account].per_loan else None)
        for (account, cur), minor in sorted(
            net.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1].code)
        )
        if minor != 0
    ]


def accrual_postings(
    interest_minor_by_shard: Mapping[int, int], penalty_minor_by_shard: Mapping[int, int], currency: Currency
) -> list[Posting]:
    """The postings of an EOD accrual summary: per shard, receivable debited and income credited.

    The loans behind each shard's figure are the sub-ledger's detail (each loan's EOD-posted accrual),
    which reconciliation checks against this control total.
    """
    postings: list[Posting] = []
    pairs = (
        (interest_minor_by_shard, A.INTEREST_RECEIVABLE, A.INTEREST_INCOME),
        (penalty_minor_by_shard, A.PENALTY_RECEIVABLE, A.PENALTY_INCOME),
    )
    for by_shard, receivable, income in pairs:
        for shard in sorted(by_shard):
            minor = by_shard[shard]
            if minor != 0:
                postings.append(Posting(receivable, Money(minor, currency), shard))
                postings.append(Posting(income, Money(-minor, currency), shard))
    return postings
