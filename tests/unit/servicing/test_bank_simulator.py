"""The simulated bank: deterministic by seed, idempotent per key, honest about timeouts and balances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditline.money import Money
from creditline.servicing.bank_simulator import BankBehaviour, InMemoryBankBook, SimulatedBank
from creditline.servicing.gateway import DebitOutcome, DebitRequest, DebitResult, check_result

DAY = date(2025, 3, 1)


def request(key: str, account: str = "A", amount: str = "100.00", minimum: str | None = "10.00") -> DebitRequest:
    return DebitRequest(key, account, Money.parse(amount, "CNY"), None if minimum is None else Money.parse(minimum, "CNY"),
                        DAY)


def test_a_funded_account_pays_in_full_then_partly_then_not_at_all() -> None:
    book = InMemoryBankBook(accounts={"A": 15_000})
    bank = SimulatedBank(book, BankBehaviour(timeout_rate=Decimal(0)))
    results = bank.debit([request("k1"), request("k2"), request("k3")])
    assert [(r.outcome, r.debited.minor) for r in results] == [
        (DebitOutcome.SUCCEEDED, 10_000), (DebitOutcome.PARTIAL, 5_000), (DebitOutcome.INSUFFICIENT_FUNDS, 0)]
    assert book.accounts["A"] == 0



def test_only_the_balances_a_debit_moved_are_written_back() -> None:
    saved: list[dict[str, int]] = []

    class Watched(InMemoryBankBook):
        def save(self, debits, balances) -> None:  # type: ignore[no-untyped-def]
            saved.append(dict(balances))
            super().save(debits, balances)

    book = Watched(accounts={"A": 15_000, "B": 0, "C": 5_000})
    bank = SimulatedBank(book, BankBehaviour(timeout_rate=Decimal(0)))
    bank.debit([request("k1", "A"), request("k2", "B"), request("k3", "C", minimum=None)])
    assert saved == [{"A": 5_000}]  # B had nothing to give, C not enough for all-or-nothing
    assert book.accounts == {"A": 5_000, "B": 0, "C": 5_000}

def test_all_or_nothing_requests_never_debit_partly() -> None:
    bank = SimulatedBank(InMemoryBankBook(accounts={"A": 9_999}), BankBehaviour(timeout_rate=Decimal(0)))
    (result,) = bank.debit([request("k", minimum=None)])
    assert (result.outcome, result.debited.minor) == (DebitOutcome.INSUFFICIENT_FUNDS, 0)


def test_the_same_key_twice_returns_the_first_result_and_moves_no_more_money() -> None:
    book = InMemoryBankBook(accounts={"A": 50_000})
    bank = SimulatedBank(book, BankBehaviour(timeout_rate=Decimal(0)))
    first = bank.debit([request("k")])
    again = bank.debit([request("k")])
    assert first == again and book.accounts["A"] == 40_000 and book.records["k"].calls == 2


def test_a_timeout_either_executed_or_not_and_lookup_tells_which() -> None:
    book = InMemoryBankBook(accounts={f"A{i}": 100_000 for i in range(400)})
    bank = SimulatedBank(book, BankBehaviour(seed=5, timeout_rate=Decimal("0.5")))
    requests = [request(f"k{i}", f"A{i}") for i in range(400)]
    results = bank.debit(requests)
    unknown = [r.key for r in results if r.outcome is DebitOutcome.UNKNOWN]
    assert 150 < len(unknown) < 250  # half of the first calls time out
    found = bank.lookup(unknown)
    executed = [k for k in unknown if k in found]
    assert 0 < len(executed) < len(unknown)  # some executed with the answer lost, some never ran
    assert all(found[k].outcome is DebitOutcome.SUCCEEDED for k in executed)
    assert sum(100_000 - book.accounts[f"A{k[1:]}"] for k in unknown) == 10_000 * len(executed)
    resent = {r.key: r for r in bank.debit([q for q in requests if q.key in unknown])}
    assert all(resent[k] == found[k] for k in executed)  # a resend answers with what happened
    assert all(resent[k].outcome is DebitOutcome.SUCCEEDED for k in unknown if k not in found)  # now it runs
    assert sum(100_000 - b for b in book.accounts.values()) == 10_000 * 400  # each debited exactly once


def test_unfunded_accounts_follow_the_behaviour_and_the_seed() -> None:
    behaviour = BankBehaviour(seed=11, timeout_rate=Decimal(0), short_rate=Decimal("0.2"),
                              partial_share=Decimal("0.5"), declined_rate=Decimal("0.01"))
    requests = [request(f"k{i}", f"U{i}") for i in range(5_000)]
    results = SimulatedBank(InMemoryBankBook(), behaviour).debit(requests)
    counts = {o: sum(r.outcome is o for r in results) for o in DebitOutcome}
    assert 0.78 < counts[DebitOutcome.SUCCEEDED] / 5_000 < 0.82
    assert 0.08 < counts[DebitOutcome.INSUFFICIENT_FUNDS] / 5_000 < 0.12
    assert 0.07 < counts[DebitOutcome.PARTIAL] / 5_000 < 0.11
    assert 0.005 < counts[DebitOutcome.DECLINED] / 5_000 < 0.015
    assert all(1_000 <= r.debited.minor < 10_000 for r in results if r.outcome is DebitOutcome.PARTIAL)
    assert SimulatedBank(InMemoryBankBook(), behaviour).debit(requests) == results  # same seed, same fate
    other = SimulatedBank(InMemoryBankBook(), BankBehaviour(seed=12, timeout_rate=Decimal(0))).debit(requests)
    assert other != results


def test_a_short_day_is_used_up_by_its_first_debit() -> None:
    behaviour = BankBehaviour(seed=2, timeout_rate=Decimal(0), short_rate=Decimal(1), partial_share=Decimal(1),
                              declined_rate=Decimal(0))
    bank = SimulatedBank(InMemoryBankBook(), behaviour)
    first, second = bank.debit([request("k1", "U"), request("k2", "U")])
    assert first.outcome is DebitOutcome.PARTIAL and second.outcome is DebitOutcome.INSUFFICIENT_FUNDS


def test_the_port_refuses_an_adapter_answer_that_could_book_money_wrongly() -> None:
    asked = request("k", minimum=None)
    with pytest.raises(AssertionError):
        check_result(asked, DebitResult("k", DebitOutcome.PARTIAL, Money.parse("5.00", "CNY")))
    with pytest.raises(AssertionError):
        check_result(asked, DebitResult("k", DebitOutcome.SUCCEEDED, Money.parse("100.01", "CNY")))
    with pytest.raises(AssertionError):
        DebitResult("k", DebitOutcome.INSUFFICIENT_FUNDS, Money.parse("1.00", "CNY"))


def test_an_unfunded_accounts_debit_may_be_returned_two_days_later_and_a_funded_ones_never() -> None:
    book = InMemoryBankBook(accounts={"F": 1_000_000})
    never_short = {"timeout_rate": Decimal(0), "short_rate": Decimal(0), "declined_rate": Decimal(0)}
    bank = SimulatedBank(book, BankBehaviour(return_rate=Decimal(1), **never_short))
    paid, funded = bank.debit([request("k1", "U"), request("k2", "F")])
    assert paid.outcome is DebitOutcome.SUCCEEDED and funded.outcome is DebitOutcome.SUCCEEDED  # the answer is unchanged
    assert (book.records["k1"].returned_on, book.records["k1"].return_reason) == (date(2025, 3, 3), "R01")
    assert book.records["k2"].returned_on is None  # its balance was checked: the money was there
    assert book.returns(DAY) == [] and [line["debit_key"] for line in book.returns(date(2025, 3, 3))] == ["k1"]
    (line,) = book.returns(date(2025, 3, 3))
    assert (line["returned_minor"], line["reason"], line["business_date"], line["account_id"]) == (10_000, "R01", DAY, "U")
    assert bank.debit([request("k1", "U")]) == [paid] and book.records["k1"].returned_on == date(2025, 3, 3)  # kept


def test_returns_are_drawn_by_key_and_never_of_money_not_taken() -> None:
    behaviour = BankBehaviour(seed=4, timeout_rate=Decimal(0), short_rate=Decimal("0.5"), partial_share=Decimal(0),
                              declined_rate=Decimal(0), return_rate=Decimal("0.3"))  # fmt: skip
    requests = [request(f"k{i}", f"U{i}", minimum=None) for i in range(400)]
    book, other = InMemoryBankBook(), InMemoryBankBook()
    SimulatedBank(book, behaviour).debit(requests)
    SimulatedBank(other, behaviour).debit(list(reversed(requests)))
    returned = {k for k, r in book.records.items() if r.returned_on is not None}
    assert returned == {k for k, r in other.records.items() if r.returned_on is not None}
    assert all(book.records[k].debited_minor > 0 for k in returned)
    assert 0.2 < len(returned) / sum(1 for r in book.records.values() if r.debited_minor) < 0.4
