"""Applying redeemed coupons' savings as installments fall due (`creditline coupon settle`).

Each saving is an interest waiver on the loan, recorded through the loan's own event history (so
replay, the snapshot and reconciliation see it like any waiver) and posted with the coupon rule:
the promotional-discount contra-income account instead of interest income. It is applied on the
installment's due date, before collection (end of day should call `settle` right after it opens
the date), and never for more than the interest receivable: what cannot be applied yet waits for
the next run; savings on a loan that closed early are forfeited and go back to the budget.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine

from creditline.app.catalogue import contract_of
from creditline.app.common import business_date, new_id
from creditline.store import UnitOfWork
from creditline.store.promotions_repository import PromotionsRepository

LOANS_PER_PAGE = 10_000
PAGES_PER_RUN_MAX = 1_000  # ten million loans a day; a loan whose saving waits never hides the ones after it
RESERVATIONS_PER_RUN_MAX = 1_000


def settle(engine: Engine) -> dict[str, Any]:
    """Apply every saving due by the business date; release reservations of drawdowns that never happened."""
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
    applied = forfeited = loans = 0
    after = ""
    for _ in range(PAGES_PER_RUN_MAX):
        with UnitOfWork(engine, read_only=True) as uow:
            loan_ids = PromotionsRepository(uow.connection).loans_with_benefits_due(on, LOANS_PER_PAGE, after)
        for loan_id in loan_ids:
            moved = apply_due_savings(engine, loan_id)
            applied += moved["applied_minor"]
            forfeited += moved["forfeited_minor"]
        loans += len(loan_ids)
        if len(loan_ids) < LOANS_PER_PAGE:
            break
        after = loan_ids[-1]
    released = release_stale_reservations(engine)
    return {
        "business_date": on.isoformat(),
        "loans": loans,
        "applied_minor": applied,
        "forfeited_minor": forfeited,
        "reservations_released": released,
    }


def apply_due_savings(engine: Engine, loan_id: str) -> dict[str, int]:
    """One loan, one unit of work: the savings due by today as one interest waiver (or their forfeit)."""
    from creditline.lending.loan import CLOSED_STATUSES, replay

    with UnitOfWork(engine) as uow:
        today = business_date(uow)
        head = uow.loans.get(loan_id, for_update=True)
        assert head is not None, "benefit lines name an existing loan"
        repo = PromotionsRepository(uow.connection)
        pending = [b for b in repo.benefits_of_loan(loan_id) if b["status"] == "pending"]
        contract = contract_of(uow, head)
        events = uow.loans.events(loan_id)
        state = replay(contract, events, today)
        if state.status in CLOSED_STATUSES:
            forfeited = _forfeit(repo, pending)
            uow.commit()
            return {"applied_minor": 0, "forfeited_minor": forfeited}
        due = [b for b in pending if b["apply_on"] <= today]
        wanted = sum(b["amount_minor"] - b["applied_minor"] for b in due)
        amount = min(wanted, state.interest_receivable.minor)
        if amount > 0:
            _waive(uow, head, contract, events, amount, sorted({b["coupon_id"] for b in due}), today)
            _spread(repo, due, amount)
        uow.commit()
    return {"applied_minor": amount, "forfeited_minor": 0}


def _waive(uow: UnitOfWork, head: Any, contract: Any, events: list[Any], amount_minor: int, coupon_ids: list[str], today: Any) -> None:
    from creditline.ledger import JournalEntry, shard_of
    from creditline.lending.loan import EventKind, LoanEvent, replay, validate_event
    from creditline.money import Money
    from creditline.promotions import coupon_postings

    sequence = max((e.sequence for e in events), default=0) + 1
    data = (("component", "interest"), ("coupon", ",".join(coupon_ids)))
    event = LoanEvent(new_id("EV"), EventKind.WAIVER, today, sequence, Money(amount_minor, head.currency), None, data)
    validate_event(contract, events, event, today)
    after = replay(contract, [*events, event], today)
    postings = coupon_postings(after.totals.minus(head.totals).as_dict(), shard=shard_of(head.borrower_id), loan_id=head.loan_id)
    entry = JournalEntry(
        entry_id=new_id("JE"), idempotency_key=f"coupon:{event.event_id}", business_date=today,
        reference=f"loan-event:{event.event_id}", postings=tuple(postings), borrower_id=head.borrower_id,
        memo=f"coupon saving on loan {head.loan_id}",
    )  # fmt: skip
    uow.loans.add_events(head.loan_id, head.borrower_id, [event], today)
    uow.loans.save_state(head.loan_id, after, head.version)
    uow.journal.add(entry)


def _spread(repo: PromotionsRepository, due: list[dict[str, Any]], amount_minor: int) -> None:
    """Mark `amount_minor` applied over the due lines, oldest first; count it spent per coupon and campaign."""
    left = amount_minor
    by_coupon: dict[str, int] = defaultdict(int)
    for line in due:
        if left == 0:
            break
        part = min(line["amount_minor"] - line["applied_minor"], left)
        applied = line["applied_minor"] + part
        status = "applied" if applied == line["amount_minor"] else "pending"
        repo.update_benefit(line["coupon_id"], line["installment"], applied_minor=applied, status=status)
        by_coupon[line["coupon_id"]] += part
        left -= part
    for coupon_id, part in sorted(by_coupon.items()):
        row = repo.coupon(coupon_id, for_update=True)
        assert row is not None
        repo.update_coupon(coupon_id, applied_minor=row["applied_minor"] + part)
        repo.spend(row["campaign_id"], part)


def _forfeit(repo: PromotionsRepository, pending: list[dict[str, Any]]) -> int:
    """A closed loan owes no more interest: its pending savings go back to their campaigns' budgets."""
    by_coupon: dict[str, int] = defaultdict(int)
    for line in pending:
        by_coupon[line["coupon_id"]] += line["amount_minor"] - line["applied_minor"]
        repo.update_benefit(line["coupon_id"], line["installment"], applied_minor=line["applied_minor"], status="forfeited")
    for coupon_id, part in sorted(by_coupon.items()):
        row = repo.coupon(coupon_id, for_update=True)
        assert row is not None
        repo.update_coupon(coupon_id, released_minor=row["released_minor"] + part)
        repo.release_budget(row["campaign_id"], part)
    return sum(by_coupon.values())


def release_stale_reservations(engine: Engine) -> int:
    """Reservations from an earlier business date whose drawdown never happened go back to issued."""
    from creditline.app.coupons import release_reservation

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        stale = PromotionsRepository(uow.connection).stale_reservations(on, RESERVATIONS_PER_RUN_MAX)
        drawn = {row["coupon_id"] for row in stale if uow.idempotency.get("draw", row["draw_key"]) is not None}
    released = 0
    for row in stale:
        if row["coupon_id"] not in drawn:
            released += release_reservation(engine, row["coupon_id"], row["draw_key"], reserved_before=on)
    return released
