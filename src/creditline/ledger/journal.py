"""Journal entries and their postings.

A posting's amount is signed: positive debits the account, negative credits it. An entry is
balanced when, for every currency, its postings sum to zero; construction refuses anything else,
so an unbalanced entry cannot exist in memory, let alone reach the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from creditline.ledger.accounts import CHART, SHARD_COUNT, Account
from creditline.ledger.errors import LedgerError, UnbalancedEntry
from creditline.money import Money

POSTINGS_PER_ENTRY_MAX = 10_000  # an EOD summary entry has (shards x accounts) postings, far fewer


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    amount: Money  # signed: debit > 0, credit < 0
    shard: int
    loan_id: str | None = None

    def __post_init__(self) -> None:
        assert isinstance(self.account, Account), "a posting names an Account of the chart"
        assert 0 <= self.shard < SHARD_COUNT, f"shard {self.shard} outside 0..{SHARD_COUNT - 1}"
        if self.amount.is_zero():
            raise LedgerError("a posting moves a non-zero amount", field="amount")
        if self.loan_id is not None and not CHART[self.account].per_loan:
            raise LedgerError(f"{self.account} is an aggregate account; it takes no loan id", field="loan_id")

    @property
    def debit_minor(self) -> int:
        return max(self.amount.minor, 0)

    @property
    def credit_minor(self) -> int:
        return max(-self.amount.minor, 0)


def debit(account: Account, amount: Money, shard: int, loan_id: str | None = None) -> Posting:
    assert amount.is_positive(), "debit() takes a positive amount"
    return Posting(account, amount, shard, loan_id)


def credit(account: Account, amount: Money, shard: int, loan_id: str | None = None) -> Posting:
    assert amount.is_positive(), "credit() takes a positive amount"
    return Posting(account, -amount, shard, loan_id)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    entry_id: str
    idempotency_key: str
    business_date: date
    reference: str  # what it records: "loan-event:<event id>", "eod:<date>:<product>"
    postings: tuple[Posting, ...]
    borrower_id: str | None = None  # the shard key; None for entries spanning borrowers (EOD)
    memo: str = ""

    def __post_init__(self) -> None:
        if not self.idempotency_key:
            raise LedgerError("a journal entry needs an idempotency key", field="idempotency_key")
        if not self.postings:
            raise LedgerError("a journal entry has at least two postings", field="postings")
        assert len(self.postings) <= POSTINGS_PER_ENTRY_MAX, "journal entry too large"
        for code, net_minor in self.net_by_currency().items():
            if net_minor != 0:
                raise UnbalancedEntry(
                    f"debits and credits in {code} differ by {net_minor} minor units", field="postings"
                )

    def net_by_currency(self) -> dict[str, int]:
        return net_by_currency(self.postings)

    def total_debits_minor(self, code: str) -> int:
        return sum(p.debit_minor for p in self.postings if p.amount.currency.code == code)


def net_by_currency(postings: Iterable[Posting]) -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for posting in postings:
        net[posting.amount.currency.code] += posting.amount.minor
    return dict(net)
