"""The posting rule of a coupon's saving: contra-income, not marketing expense (see docs/promotions.md).

A coupon's saving is applied to the loan as an interest waiver when each installment falls due.
The loan's totals move exactly as for any waiver (interest waived, receivable down), and the
reconciliation of the loan against the journal is unchanged; what differs is the other side. An
ordinary waiver reverses interest income; a coupon's is debited to `promotional_discount`, a
contra-income account presented against interest income, so the books show gross contractual
interest, the promotional discount, and net interest revenue — the effective-interest figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from creditline.ledger import CHART, TOTALS_RULES, Account, Posting
from creditline.money import Currency, Money

COUPON_RULES: dict[str, tuple[Account, Account]] = TOTALS_RULES | {
    "interest_waived": (Account.PROMOTIONAL_DISCOUNT, Account.INTEREST_RECEIVABLE),
}


def coupon_postings(delta: Mapping[str, Money], *, shard: int, loan_id: str) -> list[Posting]:
    """Postings for a coupon waiver's change of the loan's totals, netted per account."""
    unknown = set(delta) - set(COUPON_RULES)
    assert not unknown, f"no posting rule for movements {sorted(unknown)}"
    net: dict[tuple[Account, Currency], int] = defaultdict(int)
    for movement, amount in delta.items():
        if amount.is_zero():
            continue
        debit_account, credit_account = COUPON_RULES[movement]
        net[(debit_account, amount.currency)] += amount.minor
        net[(credit_account, amount.currency)] -= amount.minor
    return [
        Posting(account, Money(minor, cur), shard, loan_id if CHART[account].per_loan else None)
        for (account, cur), minor in sorted(net.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1].code))
        if minor != 0
    ]
