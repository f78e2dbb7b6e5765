"""A simulated bank behind the payment-gateway port, deterministic by seed.

It keeps books of its own (`BankBook`: accounts and every debit instruction it received) and
answers like a bank does: the whole amount, a partial debit of what the account holds, insufficient
funds, a declined mandate, or no answer at all (a timeout). Every draw is a keyed hash of the seed
and the question, so the same instruction on the same day always meets the same fate.

- A **funded** account (the simulator deposits salaries into it) holds a real balance; debits take
  from it and nothing else decides.
- An **unfunded** account (any other borrower: plain `creditline eod` on a demo database) has, each
  day, plenty of money, or a shortfall: nothing, or some share of what is asked for, which the day's
  debits then use up (`BankBehaviour` sets how often).
- Each **repayment source** is an account of its own (the gateway debits the source's account id), so
  a borrower's salary account and wallet hold separate balances; inflows are on record
  (`InMemoryBankBook.inflows`, `sim_bank_inflows`) for learning paydays, and `statement(day)` lists
  the day's instructions per account for reconciliation.
- A **returned debit**: a debit an unfunded account paid is, now and then, returned by the bank
  `RETURN_LAG_DAYS` later as `R01` (insufficient funds): the money was never there. The fate is drawn
  when the debit executes, like every other, and kept on the bank's record (`returned_on`,
  `return_reason`); `returns(day)` lists the day's returns. A funded account's balance was checked,
  so its debits are never returned.
- A **timeout** happens on the first call of an instruction only. Half the time (by default) the bank
  executed it and the answer was lost; otherwise it never got there. `lookup` tells them apart, and a
  second call with the same key returns what the first one did (or, if it never executed, executes it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from creditline.money import Money
from creditline.servicing.gateway import DebitOutcome, DebitRequest, DebitResult, check_result

SCALE = 2**32  # draws are integers in [0, SCALE); a probability p becomes the threshold p × SCALE
NOT_EXECUTED = "not_executed"  # a timed-out instruction the bank never acted on
RETURN_LAG_DAYS = 2  # a return reaches the statement this many days after the debit
RETURN_INSUFFICIENT_FUNDS = "R01"


def draw(seed: int, *parts: str) -> int:
    """A uniform integer in [0, 2**32) from the seed and the question (BLAKE2b, not Python's hash)."""
    text = "\x1f".join((str(seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=4, person=b"creditline-bank").digest(), "big")


def threshold(probability: Decimal) -> int:
    assert 0 <= probability <= 1, "a probability is in [0, 1]"
    return int(probability * SCALE)


@dataclass(frozen=True, slots=True)
class BankBehaviour:
    seed: int = 0
    timeout_rate: Decimal = Decimal("0.002")  # first calls that get no answer
    lost_answer_share: Decimal = Decimal("0.5")  # of those, the share the bank executed anyway
    short_rate: Decimal = Decimal("0.06")  # unfunded account-days without enough money
    partial_share: Decimal = Decimal("0.4")  # of short days, those holding part of what is asked
    declined_rate: Decimal = Decimal("0.002")  # unfunded account-days on which the mandate fails
    return_rate: Decimal = Decimal("0.002")  # unfunded accounts' debits returned later (R01)


@dataclass(frozen=True, slots=True)
class BankDebit:
    """The bank's record of one instruction."""

    key: str
    account_id: str
    business_date: date
    currency: str
    requested_minor: int
    debited_minor: int
    outcome: str  # a DebitOutcome value, or NOT_EXECUTED
    calls: int
    reference: str
    returned_on: date | None = None  # the day the bank returned the money, when it did
    return_reason: str | None = None

    @property
    def executed(self) -> bool:
        return self.outcome != NOT_EXECUTED

    def result(self) -> DebitResult:
        assert self.executed, "only an executed instruction has a result"
        return DebitResult(self.key, DebitOutcome(self.outcome), Money.of_minor(self.debited_minor, self.currency),
                           self.reference)


class BankSession(Protocol):
    """One atomic read-decide-write of the bank's books."""

    def debits(self, keys: Sequence[str]) -> dict[str, BankDebit]: ...

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        """Funded accounts only."""
        ...

    def debited_on(self, account_ids: Sequence[str], day: date) -> dict[str, int]:
        """Minor units executed from each account on `day`."""
        ...

    def save(self, debits: Sequence[BankDebit], balances: Mapping[str, int]) -> None: ...


class BankBook(Protocol):
    def session(self) -> AbstractContextManager[BankSession]: ...


@dataclass
class InMemoryBankBook:
    """The bank's books in a dict (unit tests; the store has the durable one)."""

    accounts: dict[str, int] = field(default_factory=dict)
    records: dict[str, BankDebit] = field(default_factory=dict)
    inflows: list[tuple[str, date, int]] = field(default_factory=list)  # (account, day, minor)

    @contextmanager
    def session(self) -> Iterator[InMemoryBankBook]:
        yield self

    def debits(self, keys: Sequence[str]) -> dict[str, BankDebit]:
        return {k: self.records[k] for k in keys if k in self.records}

    def balances(self, account_ids: Sequence[str]) -> dict[str, int]:
        return {a: self.accounts[a] for a in account_ids if a in self.accounts}

    def debited_on(self, account_ids: Sequence[str], day: date) -> dict[str, int]:
        wanted, found = set(account_ids), dict.fromkeys(account_ids, 0)
        for record in self.records.values():
            if record.account_id in wanted and record.business_date == day and record.executed:
                found[record.account_id] += record.debited_minor
        return found

    def save(self, debits: Sequence[BankDebit], balances: Mapping[str, int]) -> None:
        self.records.update({d.key: d for d in debits})
        self.accounts.update(balances)

    def deposit(self, account_id: str, minor: int, day: date) -> None:
        """Money arriving (a salary, a transfer): the balance grows and the inflow is on record."""
        assert minor > 0, "an inflow is positive"
        self.accounts[account_id] = self.accounts.get(account_id, 0) + minor
        self.inflows.append((account_id, day, minor))

    def statement(self, day: date) -> list[dict[str, object]]:
        """The bank's statement of the day's debit instructions (the shape `store.bank_statement` reads)."""
        return [statement_line(r) for r in sorted(self.records.values(), key=lambda r: (r.account_id, r.key))
                if r.business_date == day]  # fmt: skip

    def returns(self, day: date) -> list[dict[str, object]]:
        """The debits the bank returned on `day` (the shape `store.tables_servicing_bank.bank_returns` reads)."""
        return [return_line(r) for r in sorted(self.records.values(), key=lambda r: r.key) if r.returned_on == day]


def statement_line(record: BankDebit) -> dict[str, object]:
    """One line of a statement: per account (source), the date, key, amounts and status."""
    return {"account_id": record.account_id, "business_date": record.business_date, "debit_key": record.key,
            "currency": record.currency, "requested_minor": record.requested_minor,
            "debited_minor": record.debited_minor, "outcome": record.outcome}  # fmt: skip


def return_line(record: BankDebit) -> dict[str, object]:
    """One returned debit: its key, account, the day it was debited and returned, the amount and reason."""
    assert record.returned_on is not None and record.debited_minor > 0, "only money taken can be returned"
    return {"debit_key": record.key, "account_id": record.account_id, "business_date": record.business_date,
            "returned_on": record.returned_on, "currency": record.currency, "returned_minor": record.debited_minor,
            "reason": record.return_reason}  # fmt: skip


class SimulatedBank:
    """`PaymentGateway` over a `BankBook`."""

    name = "simulated-bank"

    def __init__(self, book: BankBook, behaviour: BankBehaviour = BankBehaviour()) -> None:
        self.book = book
        self.behaviour = behaviour

    def debit(self, requests: Sequence[DebitRequest]) -> list[DebitResult]:
        if not requests:
            return []
        with self.book.session() as books:
            known = books.debits([r.key for r in requests])
            accounts = sorted({r.account_id for r in requests})
            funded = books.balances(accounts)
            opening = dict(funded)
            spent: dict[tuple[str, date], int] = {}
            for day in {r.business_date for r in requests}:
                for account, minor in books.debited_on(accounts, day).items():
                    spent[(account, day)] = minor
            results, written = [], {}
            for request in requests:
                prior = written.get(request.key) or known.get(request.key)
                record, answered = self._one(request, prior, funded, spent)
                written[request.key] = record
                results.append(answered)
                check_result(request, answered)
            # Only the balances a debit moved are written back (the others would be written unchanged).
            books.save(list(written.values()), {a: m for a, m in funded.items() if m != opening[a]})
        return results

    def lookup(self, keys: Sequence[str]) -> dict[str, DebitResult]:
        with self.book.session() as books:
            return {k: d.result() for k, d in books.debits(list(keys)).items() if d.executed}

    # -- one instruction -------------------------------------------------------------------------
    def _one(
        self, request: DebitRequest, prior: BankDebit | None, funded: dict[str, int], spent: dict[tuple[str, date], int]
    ) -> tuple[BankDebit, DebitResult]:
        if prior is not None and prior.executed:
            return replace(prior, calls=prior.calls + 1), prior.result()
        calls = 1 if prior is None else prior.calls + 1
        seed = self.behaviour.seed
        timed_out = calls == 1 and draw(seed, "timeout", request.key) < threshold(self.behaviour.timeout_rate)
        if timed_out and draw(seed, "lost", request.key) >= threshold(self.behaviour.lost_answer_share):
            unknown = DebitResult(request.key, DebitOutcome.UNKNOWN, Money.zero(request.amount.currency))
            return self._record(request, NOT_EXECUTED, 0, calls), unknown
        outcome, debited = self._execute(request, funded, spent)
        record = self._record(request, str(outcome), debited, calls)
        if debited and request.account_id not in funded and self._returned(request):
            record = replace(record, returned_on=request.business_date + timedelta(days=RETURN_LAG_DAYS),
                             return_reason=RETURN_INSUFFICIENT_FUNDS)  # fmt: skip
        if timed_out:
            return record, DebitResult(request.key, DebitOutcome.UNKNOWN, Money.zero(request.amount.currency))
        return record, record.result()

    def _execute(
        self, request: DebitRequest, funded: dict[str, int], spent: dict[tuple[str, date], int]
    ) -> tuple[DebitOutcome, int]:
        account, day = request.account_id, request.business_date
        if account in funded:
            available = funded[account]
        else:
            if draw(self.behaviour.seed, "declined", account, day.isoformat()) < threshold(self.behaviour.declined_rate):
                return DebitOutcome.DECLINED, 0
            available = self._unfunded_available(request, spent.get((account, day), 0))
        wanted = request.amount.minor
        minimum = request.partial_min.minor if request.partial_min is not None else wanted
        debited = wanted if available >= wanted else (available if available >= minimum else 0)
        if account in funded:
            funded[account] -= debited
        spent[(account, day)] = spent.get((account, day), 0) + debited
        if debited == wanted:
            return DebitOutcome.SUCCEEDED, debited
        return (DebitOutcome.PARTIAL, debited) if debited else (DebitOutcome.INSUFFICIENT_FUNDS, 0)

    def _returned(self, request: DebitRequest) -> bool:
        """Whether an unfunded account's debit bounces later: the money it seemed to hold was not there."""
        return draw(self.behaviour.seed, "return", request.key) < threshold(self.behaviour.return_rate)

    def _unfunded_available(self, request: DebitRequest, spent_today: int) -> int:
        """What an unfunded account holds for this instruction: plenty, or on a short day nothing, or a
        share of the first amount asked for that day (which that debit then uses up)."""
        seed, account, day = self.behaviour.seed, request.account_id, request.business_date.isoformat()
        if draw(seed, "short", account, day) >= threshold(self.behaviour.short_rate):
            return request.amount.minor  # plenty: whatever is asked
        if spent_today or draw(seed, "partial", account, day) >= threshold(self.behaviour.partial_share):
            return 0
        share = draw(seed, "share", account, day)  # of what is asked, 10% to 90%
        return request.amount.minor * (SCALE // 10 + share * 8 // 10) // SCALE

    def _record(self, request: DebitRequest, outcome: str, debited: int, calls: int) -> BankDebit:
        reference = "SB" + hashlib.blake2b(request.key.encode(), digest_size=10).hexdigest()
        return BankDebit(request.key, request.account_id, request.business_date, request.amount.currency.code,
                         request.amount.minor, debited, outcome, calls, reference)
