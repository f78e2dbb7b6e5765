"""Trial balance: every account's debits and credits, which must agree per currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from creditline.ledger.accounts import CHART, Account, NormalSide


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    account: Account
    currency: str
    debit_minor: int
    credit_minor: int

    @property
    def balance_minor(self) -> int:
        """The balance on the account's normal side (an asset's debits, an income's credits)."""
        net = self.debit_minor - self.credit_minor
        return net if CHART[self.account].normal_side is NormalSide.DEBIT else -net


@dataclass(frozen=True, slots=True)
class TrialBalance:
    lines: tuple[TrialBalanceLine, ...]

    def totals(self) -> dict[str, tuple[int, int]]:
        """Per currency: (total debits, total credits) of the account balances."""
        result: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for line in self.lines:
            net = line.debit_minor - line.credit_minor
            result[line.currency][0 if net > 0 else 1] += abs(net)
        return {code: (d, c) for code, (d, c) in result.items()}

    @property
    def balanced(self) -> bool:
        return all(d == c for d, c in self.totals().values())

    def balance(self, account: Account, currency: str) -> int:
        return sum(
            line.balance_minor for line in self.lines if line.account == account and line.currency == currency
        )


def trial_balance(rows: Iterable[tuple[Account | str, str, int, int]]) -> TrialBalance:
    """Fold (account, currency, debit minor, credit minor) rows, e.g. per-shard balance rows."""
    sums: dict[tuple[Account, str], list[int]] = defaultdict(lambda: [0, 0])
    for account, currency, debit_minor, credit_minor in rows:
        assert debit_minor >= 0 and credit_minor >= 0, "debits and credits are counted separately, both >= 0"
        pair = sums[(Account(account), currency)]
        pair[0] += debit_minor
        pair[1] += credit_minor
    ordered = sorted(sums.items(), key=lambda kv: (CHART[kv[0][0]].number, kv[0][1]))
    return TrialBalance(tuple(TrialBalanceLine(acc, cur, d, c) for (acc, cur), (d, c) in ordered))
