"""Debit attempts against the bank's statement: a clean book has no breaks; every kind of break is found."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from creditline.servicing.bank_simulator import BankBehaviour, InMemoryBankBook, SimulatedBank
from creditline.servicing.debit_reconciliation import breaks
from creditline.servicing.gateway import DebitRequest

DAY = date(2025, 2, 1)


def attempt(key: str, outcome: str, requested: int, debited: int, applied: int = 1) -> dict[str, Any]:
    return {"attempt_key": key, "outcome": outcome, "requested_minor": requested, "debited_minor": debited,
            "currency": "CNY", "applied": applied}  # fmt: skip


def line(key: str, outcome: str, requested: int, debited: int, account: str = "A1") -> dict[str, Any]:
    return {"debit_key": key, "account_id": account, "outcome": outcome, "requested_minor": requested,
            "debited_minor": debited, "currency": "CNY"}  # fmt: skip


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 12_000)), min_size=1, max_size=30))
def test_what_the_bank_answered_recorded_as_answered_reconciles(asks: list[tuple[int, int]]) -> None:
    from creditline.money import Money

    book = InMemoryBankBook()
    bank = SimulatedBank(book, BankBehaviour(seed=7))
    for i, (_, balance) in enumerate(asks):
        book.accounts[f"A{i}"] = balance
    requests = [DebitRequest(f"k{i}", f"A{i}", Money.of_minor(asked, "CNY"), Money.of_minor(min(10, asked), "CNY"), DAY)
                for i, (asked, _) in enumerate(asks)]  # fmt: skip
    results = bank.debit(requests)
    ours = [attempt(r.key, str(r.outcome), q.amount.minor, r.debited.minor) for r, q in zip(results, requests, strict=True)
            if str(r.outcome) != "unknown"]  # fmt: skip
    lost = {r.key for r in results if str(r.outcome) == "unknown"}
    ours += [attempt(k, found.outcome, found.requested_minor, found.debited_minor) for k, found in book.records.items()
             if k in lost and found.executed]  # fmt: skip
    ours += [
        attempt(k, "not_executed", book.records[k].requested_minor, 0)
        for k in lost
        if not book.records[k].executed
    ]
    assert breaks(ours, bank_statement(book)) == []


def bank_statement(book: InMemoryBankBook) -> list[dict[str, Any]]:
    return book.statement(DAY)


def test_every_kind_of_break() -> None:
    ours = [
        attempt("same", "succeeded", 500, 500),
        attempt("amount", "partial", 500, 200),
        attempt("status", "insufficient_funds", 500, 0),
        attempt("gone", "succeeded", 500, 500),
        attempt("open", "pending", 500, 0),
        attempt("unapplied", "succeeded", 500, 500, applied=0),
        attempt("lost", "not_executed", 500, 0),
    ]
    statement = [
        line("same", "succeeded", 500, 500),
        line("amount", "partial", 500, 199),
        line("status", "partial", 500, 100),
        line("ghost", "succeeded", 300, 300),
        line("unapplied", "succeeded", 500, 500),
        line("lost", "not_executed", 500, 0),
        line("never", "not_executed", 500, 0),  # a lost instruction we never had: nothing moved, no break
    ]
    found = {b.key: b.kind for b in breaks(ours, statement)}
    assert found == {"amount": "amount_mismatch", "status": "status_mismatch", "gone": "missing_at_bank",
                     "ghost": "missing_in_books", "open": "open", "unapplied": "not_applied"}  # fmt: skip


def test_money_marked_for_refund_is_not_on_a_loan_and_is_a_break() -> None:
    """A debit for a loan that no longer takes a repayment is marked applied with path `refund`: the money
    left the borrower's account and is on no loan (refunds are the operator's). The statement matched it,
    so the day reconciled clean while the books did not hold the money."""
    from creditline.servicing.debit_reconciliation import break_of

    ours = attempt("ad:L1:2025-02-01:1", "succeeded", 500, 500) | {"applied_path": "refund"}
    found = break_of(ours, line("ad:L1:2025-02-01:1", "succeeded", 500, 500))
    assert found is not None and (found.kind, found.ours) == ("not_applied", "succeeded 500/500 CNY, refund due")
    assert break_of(ours | {"applied_path": "replay"}, line("ad:L1:2025-02-01:1", "succeeded", 500, 500)) is None


def returned(key: str, minor: int, currency: str = "CNY") -> dict[str, Any]:
    return {"debit_key": key, "account_id": "A1", "business_date": DAY, "returned_on": date(2025, 2, 3),
            "currency": currency, "returned_minor": minor, "reason": "R01"}  # fmt: skip


def applied(key: str, debited: int, path: str | None = "batch", event: str | None = "EV1") -> dict[str, Any]:
    return {"attempt_key": key, "loan_id": "LO1", "outcome": "succeeded", "requested_minor": debited,
            "debited_minor": debited, "currency": "CNY", "applied_path": path, "event_id": event}  # fmt: skip


def test_a_returned_debit_on_a_loan_is_to_be_reversed_and_every_other_return_is_a_named_break() -> None:
    from creditline.servicing.debit_reconciliation import Break, ReturnToBook, return_of

    to_book = return_of(applied("k1", 500), returned("k1", 500))
    assert isinstance(to_book, ReturnToBook)
    assert (to_book.loan_id, to_book.event_id, to_book.returned_minor, to_book.reason) == ("LO1", "EV1", 500, "R01")
    assert return_of(applied("k1", 500, path="replay", event="EV9"), returned("k1", 500)).event_id == "EV9"  # type: ignore[union-attr]
    cases = {
        "return_unmatched": return_of(None, returned("k2", 500)),
        "return_mismatch": return_of(applied("k3", 500), returned("k3", 400)),
        "return_not_applied": return_of(applied("k4", 500, path="refund", event=None), returned("k4", 500)),
    }
    for kind, found in cases.items():
        assert isinstance(found, Break) and found.kind == kind, (kind, found)
        assert "R01" in found.theirs and "2025-02-03" in found.theirs
    assert return_of(applied("k5", 500), returned("k5", 500, "USD")).kind == "return_mismatch"  # type: ignore[union-attr]
