"""The posting rule of co-lending: a partner's part of each movement, as postings on its accounts.

The platform services the whole loan and keeps it whole on its books — every per-loan account and
its reconciliation stay exactly as they are — and the partners' parts are carried on four aggregate
accounts beside it (docs/co-lending.md):

| a partner's part of … (positive) | debit | credit |
| --- | --- | --- |
| disbursed (the partner's money lent out) | settlement cash | partner funding |
| interest / penalty accrued, fees charged | income passed through to partners | partner funding |
| interest / penalty / fees waived | partner funding | income passed through to partners |
| principal / interest / penalty / fees repaid | partner funding | partner payable |
| principal / interest / penalty / fees written off | partner funding | credit losses borne by partners |

So `partner_funding` is the partners' share of what borrowers owe, `partner_payable` what was
collected for them and is owed to them, `partner_income` (contra-income) their share of income and
`partner_losses` (contra-expense) their share of losses. A negative part swaps the sides, exactly as
the loan's own rule does for reversals and backdated events. Every pair balances on its own, so a
partner's postings can ride in the same journal entry as the loan's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from creditline.funding.colending.split import CHAINS, SPLIT_MOVEMENTS
from creditline.ledger import CHART, Account, NormalSide, Posting
from creditline.money import Currency, Money

A = Account
PARTNER_ACCOUNTS = (A.PARTNER_PAYABLE, A.PARTNER_FUNDING, A.PARTNER_INCOME, A.PARTNER_LOSSES)


def _rule(movement: str) -> tuple[Account, Account]:
    if movement == "disbursed":
        return A.SETTLEMENT_CASH, A.PARTNER_FUNDING
    if movement.endswith(("_accrued", "_charged")):
        return A.PARTNER_INCOME, A.PARTNER_FUNDING
    if movement.endswith("_waived"):
        return A.PARTNER_FUNDING, A.PARTNER_INCOME
    if movement.endswith("_repaid"):
        return A.PARTNER_FUNDING, A.PARTNER_PAYABLE
    assert movement.endswith("_written_off"), f"no partner posting rule for {movement}"
    return A.PARTNER_FUNDING, A.PARTNER_LOSSES


PARTNER_RULES: dict[str, tuple[Account, Account]] = {m: _rule(m) for m in SPLIT_MOVEMENTS}
# Settlement (app.partner_settlement): collections held for a partner paid out to it. Not a split of a
# loan's totals, so the loans' side of a partner reconciliation never sees it; its payable does.
REMITTED = "remitted"
PARTNER_RULES[REMITTED] = (A.PARTNER_PAYABLE, A.SETTLEMENT_CASH)


def partner_postings(parts: Iterable[tuple[int, Mapping[str, int]]], cur: Currency) -> list[Posting]:
    """Postings for (shard, movement -> minor) parts of any number of partners, netted per account and shard."""
    net: dict[tuple[Account, int], int] = defaultdict(int)
    for shard, movements in parts:
        for movement, minor in movements.items():
            if minor == 0:
                continue
            debit_account, credit_account = PARTNER_RULES[movement]
            net[(debit_account, shard)] += minor
            net[(credit_account, shard)] -= minor
    return [
        Posting(account, Money(minor, cur), shard)
        for (account, shard), minor in sorted(net.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1]))
        if minor != 0
    ]


def account_balances(movements: Mapping[str, int]) -> dict[Account, int]:
    """A partner's four account balances (each on its normal side) from its movement sums."""
    balances: dict[Account, int] = defaultdict(int)
    for movement, minor in movements.items():
        debit_account, credit_account = PARTNER_RULES[movement]
        balances[debit_account] += minor if _debit_normal(debit_account) else -minor
        balances[credit_account] += -minor if _debit_normal(credit_account) else minor
    return {account: balances[account] for account in PARTNER_ACCOUNTS}


def exposure_by_component(movements: Mapping[str, int]) -> dict[str, int]:
    """What borrowers owe on the partner's parts, per component: inflow less every outflow."""
    return {
        component: movements.get(inflow, 0) - sum(movements.get(o, 0) for o in outflows)
        for component, inflow, outflows in CHAINS
    }


def _debit_normal(account: Account) -> bool:
    return CHART[account].normal_side is NormalSide.DEBIT
