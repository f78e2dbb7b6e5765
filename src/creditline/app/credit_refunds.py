"""Refund a borrower's credit balance: money they overpaid, kept as a credit balance, paid back out.

A credit balance lives on the loan the overpayment landed on (`borrower_credit` is a per-loan
account), so a borrower's balance in a currency is the sum over their loans. A refund takes it from
those loans in loan-id order, each loan recording a `credit-refund` event for its part (the loan's
snapshot, checkpoint and tamper-evident record with it), and books the whole refund as one balanced
journal entry — `borrower_credit` debited per loan, `settlement_cash` credited — in the same
transaction, under the client's idempotency key: a retry returns the first result, the same key for
another request is refused.

Refused with nothing changed: an amount that is not positive, more than the balance
(`insufficient_credit`), a borrower without a credit line (`borrower_not_found`), a currency the
borrower holds nothing in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from creditline.app.common import business_date, new_id
from creditline.app.idempotency import check_key, first_result, journal_key, remember
from creditline.errors import DomainError
from creditline.store import UnitOfWork

SCOPE = "refund-credit"
LOANS_MAX = 1_000  # loans holding a borrower's credit one refund may touch (a borrower has a handful)


@dataclass(frozen=True, slots=True)
class RefundCredit:
    borrower_id: str
    amount: str  # major units as text
    key: str
    currency: str | None = None  # required only when the borrower has lines in several currencies


def refund_credit(engine: Engine, command: RefundCredit) -> dict[str, Any]:
    from creditline.app.repayment_sources import require_borrower
    from creditline.money import Money

    key = check_key(command.key)
    with UnitOfWork(engine) as uow:
        today = business_date(uow)  # takes the EOD lock shared: the date cannot move under the refund
        require_borrower(uow, command.borrower_id)
        code = _currency(uow, command.borrower_id, command.currency)
        amount = Money.parse(command.amount, code, field="amount")
        if not amount.is_positive():
            raise DomainError("must be more than zero", field="amount", code="amount_not_positive")
        request = {"borrower": command.borrower_id, "currency": code, "amount_minor": amount.minor}
        # The loans are locked before the key is read: a retry racing the first request waits here for
        # its commit and then finds its result, rather than refunding again.
        holders = _holders(uow, command.borrower_id, code)
        if (prior := first_result(uow, SCOPE, key, request)) is not None:
            return prior
        refunds, held_minor = _take(uow, holders, amount, today)
        entry = _entry(command.borrower_id, key, refunds, amount, today)
        uow.journal.add(entry)
        result = {
            "borrower_id": command.borrower_id, "currency": code, "refunded": amount.amount_str(),
            "credit_balance": Money.of_minor(held_minor - amount.minor, code).amount_str(),
            "entry_id": entry.entry_id, "business_date": today.isoformat(),
            "loans": [{"loan_id": r["loan_id"], "event_id": r["event"].event_id,
                       "refunded": r["event"].amount.amount_str()} for r in refunds],
        }  # fmt: skip
        remember(uow, SCOPE, key, request, result, borrower_id=command.borrower_id)
        uow.commit()
    return result


def _currency(uow: UnitOfWork, borrower_id: str, given: str | None) -> str:
    """The refund's currency: the one given (the borrower must hold a line in it), else the borrower's only one."""
    from creditline.store.tables import credit_lines

    c = credit_lines.c
    held = sorted(uow.connection.execute(select(c.currency).where(c.borrower_id == borrower_id).distinct()).scalars())
    if given is not None:
        code = given.strip().upper()  # as `money.currency` reads an ISO code: ' cny ' is CNY
        if code not in held:
            raise DomainError(f"the borrower holds nothing in {given!r} (lines in {', '.join(held)})",
                              field="currency", code="currency_not_held")  # fmt: skip
        return code
    if len(held) != 1:
        raise DomainError(f"the borrower has lines in {', '.join(held)}: name one", field="currency",
                          code="currency_required")  # fmt: skip
    return held[0]


def _holders(uow: UnitOfWork, borrower_id: str, code: str) -> list[str]:
    """The borrower's loans holding credit in `code`, locked in loan-id order (the order every refund
    takes them in, so two refunds cannot deadlock; no line is locked: a refund moves no principal).
    A credit balance only grows by an event, which rewrites the snapshot, so the snapshot's column
    finds every holder; what each holds today is its replay's."""
    from creditline.store.tables import loans

    c = loans.c
    query = (
        select(c.loan_id)
        .where(c.borrower_id == borrower_id, c.currency == code, c.credit_balance_minor > 0)
        .order_by(c.loan_id)
        .limit(LOANS_MAX)
        .with_for_update()
    )
    return list(uow.connection.execute(query).scalars())


def _take(uow: UnitOfWork, holders: list[str], amount: Any, today: Any) -> tuple[list[dict[str, Any]], int]:
    """A `credit-refund` event on each loan for its part of `amount`, written with the loan's new state;
    and the credit the borrower held before (minor units)."""
    from creditline.app.loan_command import loan_contract
    from creditline.lending.loan import replay
    from creditline.lending.loan.errors import InsufficientCredit
    from creditline.lending.loan.events import EventKind, LoanEvent
    from creditline.lending.loan.fast_path import record_replayed
    from creditline.money import Money

    held = []
    for loan_id in holders:
        record = uow.loans.get(loan_id)
        assert record is not None, "a locked loan exists"
        contract, events = loan_contract(uow, record), uow.loans.events(loan_id)
        held.append((record, contract, events, replay(contract, events, today).credit_balance))
    total = sum((credit.minor for *_, credit in held), 0)
    if amount.minor > total:
        shown = Money.of_minor(total, amount.currency).amount_str()
        raise InsufficientCredit(f"{amount.amount_str()} is more than the credit balance {shown}", field="amount")
    refunds, left = [], amount
    for record, contract, events, credit in held:
        part = min(left, credit)
        if not part.is_positive():
            continue
        sequence = max((e.sequence for e in events), default=0) + 1
        event = LoanEvent(new_id("EV"), EventKind.CREDIT_REFUND, today, sequence, part)
        applied = record_replayed(contract, events, event, today)
        uow.loans.add_events(record.loan_id, record.borrower_id, [event], today)
        uow.loans.save_state(record.loan_id, applied.after, record.version)
        uow.loans.save_checkpoint(applied.checkpoint, record.borrower_id)
        refunds.append({"loan_id": record.loan_id, "event": event, "before": record.totals, "after": applied.after})
        left = left - part
    assert left.is_zero() and refunds, "the loans' credit covered the refund"
    return refunds, total


def _entry(borrower_id: str, key: str, refunds: list[dict[str, Any]], amount: Any, today: Any) -> Any:
    """One balanced entry for the whole refund: each loan's `borrower_credit` debited, the cash netted."""
    from creditline.ledger import JournalEntry, Posting, postings_for_totals_delta, shard_of
    from creditline.money import Money

    shard = shard_of(borrower_id)
    net: dict[tuple[Any, str | None], int] = defaultdict(int)
    for refund in refunds:
        delta = refund["after"].totals.minus(refund["before"]).as_dict()
        for posting in postings_for_totals_delta(delta, shard=shard, loan_id=refund["loan_id"]):
            net[(posting.account, posting.loan_id)] += posting.amount.minor
    postings = tuple(Posting(account, Money.of_minor(minor, amount.currency), shard, loan_id)
                     for (account, loan_id), minor in net.items() if minor)  # fmt: skip
    debited = sum(p.amount.minor for p in postings if p.amount.minor > 0)
    assert debited == amount.minor, "the entry moves exactly the refund"
    return JournalEntry(
        entry_id=new_id("JE"), idempotency_key=journal_key(SCOPE, key), business_date=today,
        reference=f"borrower-credit:{borrower_id}", postings=postings, borrower_id=borrower_id,
        memo=f"credit refund of {amount.currency.code} {amount.amount_str()} to borrower {borrower_id} from {len(refunds)} loan(s)",
    )  # fmt: skip


