"""The payment-gateway port: how end of day asks a bank (or a payment company) to debit borrowers.

Collection by auto-debit (代扣) is a batch business: banks take debit instructions in files or
batched API calls, so the port is batch-shaped. Two promises make it safe to retry:

- `debit` is idempotent per key: a key the gateway has seen answers with its first result and
  moves no money again;
- `lookup` answers, for each key, what finally became of it. A key missing from the answer never
  executed, so sending it again (with the same key) cannot debit twice. `lookup` never answers
  `UNKNOWN`: that outcome only exists on the wire, when the answer to `debit` did not arrive.

Adapters: `bank_simulator.SimulatedBank` (deterministic by seed, for tests, demos and the
simulator); a real adapter wraps a bank's or a payment company's API behind the same two methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from creditline.money import Money


class DebitOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # the whole amount
    PARTIAL = "partial"  # less than asked, at least the request's minimum
    INSUFFICIENT_FUNDS = "insufficient_funds"  # nothing moved; may succeed another day
    DECLINED = "declined"  # nothing moved; the mandate or account does not allow it
    UNKNOWN = "unknown"  # no answer in time: the money may or may not have moved


MOVED_MONEY = frozenset({DebitOutcome.SUCCEEDED, DebitOutcome.PARTIAL})


@dataclass(frozen=True, slots=True)
class DebitRequest:
    key: str  # the idempotency key: deterministic, so a retry after a crash reuses it
    account_id: str  # the borrower's linked account (the simulator uses the borrower id)
    amount: Money
    partial_min: Money | None  # None: all or nothing; else the bank may debit what it holds, down to this
    business_date: date

    def __post_init__(self) -> None:
        assert self.amount.is_positive(), "a debit asks for a positive amount"
        if self.partial_min is not None:
            assert self.partial_min.currency == self.amount.currency, "one currency per request"
            assert self.partial_min.is_positive() and self.partial_min <= self.amount, "0 < minimum <= amount"


@dataclass(frozen=True, slots=True)
class DebitResult:
    key: str
    outcome: DebitOutcome
    debited: Money
    reference: str | None = None  # the gateway's own id for the movement

    def __post_init__(self) -> None:
        moved = self.outcome in MOVED_MONEY
        assert self.debited.is_positive() == moved, f"{self.outcome} with {self.debited} debited"


class PaymentGateway(Protocol):
    """What end of day needs from whoever moves the money."""

    name: str

    def debit(self, requests: Sequence[DebitRequest]) -> list[DebitResult]:
        """One result per request, in order; `UNKNOWN` where no answer came back."""
        ...

    def lookup(self, keys: Sequence[str]) -> dict[str, DebitResult]:
        """The final result of every key that executed; keys that never did are absent."""
        ...


def check_result(request: DebitRequest, result: DebitResult) -> None:
    """What any adapter's answer must satisfy (asserted at the port, so a bad adapter cannot book money)."""
    assert result.key == request.key, "results come back in request order"
    assert result.debited.currency == request.amount.currency, "the bank debits in the requested currency"
    assert result.debited <= request.amount, "never more than asked"
    if result.outcome is DebitOutcome.SUCCEEDED:
        assert result.debited == request.amount, "a full debit is the whole amount"
    if result.outcome is DebitOutcome.PARTIAL:
        assert request.partial_min is not None, "a partial debit only where the request allows one"
        assert request.partial_min <= result.debited < request.amount, "a partial debit respects the minimum"
