"""The rules a new loan event must meet against the history as it stands (typed errors otherwise).

The fold itself accepts any history; these checks are what keeps impossible histories out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.errors import (
    AlreadyReversed,
    AmountNotPositive,
    DateBeforeLoanStart,
    DateInFuture,
    DuplicateEvent,
    InsufficientCredit,
    InvalidEventData,
    LoanNotActive,
    LoanNotOverdue,
    NotReversible,
    UnknownEvent,
    WaiverExceedsReceivable,
)
from creditline.lending.loan.events import AMOUNT_KINDS, EventKind, LoanEvent, effective_history, find_event
from creditline.lending.loan.fold import replay
from creditline.lending.loan.state import CLOSED_STATUSES, LoanPosition, LoanState, LoanStatus
from creditline.lending.product_allocation import Component
from creditline.lending.schedule import EmiSolve, Method, Reamortise
from creditline.lending.schedule_terms import INSTALLMENTS_MAX
from creditline.money import CurrencyMismatch

# Events that act on a loan that still owes: refused once it is paid off or written off.
_NEEDS_OPEN_LOAN = frozenset(
    {
        EventKind.REPAYMENT,
        EventKind.PREPAYMENT_REAMORTISE,
        EventKind.WAIVER,
        EventKind.FEE,
        EventKind.REAGE,
        EventKind.WRITE_OFF,
    }
)


def validate_event(
    contract: LoanContract,
    events: Sequence[LoanEvent],
    new_event: LoanEvent,
    business_date: date,
    *,
    now: LoanState | LoanPosition | None = None,
) -> None:
    """Raise the typed error for the first rule `new_event` breaks; return quietly when it may be recorded.

    `now` may pass `replay(contract, events, business_date)` when the caller has it already, or only
    its position (`view.position_of`): the rules read nothing else of it.
    """
    assert all(new_event.sequence > e.sequence for e in events), "sequence is the recording order"
    if find_event(events, new_event.event_id) is not None:
        raise DuplicateEvent(f"event {new_event.event_id} is recorded already", field="event_id")
    _check_date(contract, new_event, business_date)
    if new_event.kind in AMOUNT_KINDS:
        _check_amount(contract, new_event)
    if new_event.kind is EventKind.DISBURSEMENT:
        _check_disbursement(contract, events, new_event)
    elif new_event.kind is EventKind.REVERSAL:
        _check_reversal(events, new_event)
    else:
        _check_against_state(contract, events, new_event, business_date, now)
    if new_event.kind is EventKind.REVERSAL or new_event.effective_date < business_date:
        _check_refunds_stand(contract, [*events, new_event], new_event, business_date)


def _check_refunds_stand(
    contract: LoanContract, events: Sequence[LoanEvent], new_event: LoanEvent, business_date: date
) -> None:
    """Money paid back out stays paid: an event that changes the past must leave the credit every
    refund paid out (the fold would refund only what there is, and the journal take the rest back)."""
    refunds = [e for e in effective_history(events) if e.kind is EventKind.CREDIT_REFUND]
    if not refunds:
        return
    paid_out = sum(e.amount.minor for e in refunds if e.amount is not None)
    if replay(contract, events, business_date).totals.credit_refunded.minor >= paid_out:
        return
    if new_event.kind is EventKind.REVERSAL:
        raise NotReversible(
            f"event {new_event.reverses} paid for credit already refunded to the borrower; reverse the refund first",
            field="reverses",
        )
    raise InsufficientCredit(
        f"on {new_event.effective_date} the credit balance does not cover what has been refunded",
        field="amount" if new_event.kind is EventKind.CREDIT_REFUND else "date",
    )


def _check_date(contract: LoanContract, event: LoanEvent, business_date: date) -> None:
    start = contract.terms.disbursed
    if event.effective_date < start:
        raise DateBeforeLoanStart(f"{event.effective_date} is before the loan began on {start}", field="date")
    if event.effective_date > business_date:
        raise DateInFuture(f"{event.effective_date} is after the business date {business_date}", field="date")


def _check_amount(contract: LoanContract, event: LoanEvent) -> None:
    if event.amount is None:
        raise AmountNotPositive(f"a {event.kind} needs an amount", field="amount")
    if event.amount.currency != contract.terms.principal.currency:
        raise CurrencyMismatch(
            f"{event.amount.currency.code} given; the loan is in {contract.currency_code}", field="currency"
        )
    if not event.amount.is_positive():
        raise AmountNotPositive(f"must be more than zero, got {event.amount.amount_str()}", field="amount")


def _check_disbursement(contract: LoanContract, events: Sequence[LoanEvent], event: LoanEvent) -> None:
    if any(e.kind is EventKind.DISBURSEMENT for e in events):
        raise DuplicateEvent("the loan is disbursed already", field="kind")
    if event.amount != contract.terms.principal or event.effective_date != contract.terms.disbursed:
        raise InvalidEventData("a loan disburses its principal on its disbursement date", field="amount")


def _check_reversal(events: Sequence[LoanEvent], event: LoanEvent) -> None:
    if not event.reverses:
        raise InvalidEventData("a reversal names the event it reverses", field="reverses")
    target = find_event(events, event.reverses)
    if target is None:
        raise UnknownEvent(f"no event {event.reverses} on this loan", field="reverses")
    if target.kind in (EventKind.DISBURSEMENT, EventKind.REVERSAL):
        raise NotReversible(f"a {target.kind} cannot be reversed", field="reverses")
    if any(e.kind is EventKind.REVERSAL and e.reverses == target.event_id for e in events):
        raise AlreadyReversed(f"event {target.event_id} is reversed already", field="reverses")
    if event.effective_date < target.effective_date:  # a payment is not returned before it was made
        raise InvalidEventData(
            f"{event.effective_date} is before the event it reverses ({target.effective_date})", field="date"
        )


def _check_against_state(
    contract: LoanContract,
    events: Sequence[LoanEvent],
    event: LoanEvent,
    business_date: date,
    now: LoanState | LoanPosition | None,
) -> None:
    if now is None:
        now = replay(contract, events, business_date)
    if event.kind in _NEEDS_OPEN_LOAN and now.status in CLOSED_STATUSES:
        raise LoanNotActive(f"the loan is {now.status}; nothing more can be done to it", field="loan")
    on_day = now if event.effective_date == business_date else replay(contract, events, event.effective_date)
    if event.kind is EventKind.WAIVER:
        _check_waiver(event, on_day)
    elif event.kind is EventKind.PREPAYMENT_REAMORTISE:
        _check_prepayment(contract, event)
    elif event.kind is EventKind.REAGE:
        _check_reage(event, on_day)
    elif event.kind is EventKind.WRITE_OFF:
        _check_write_off_date(events, event)
    elif (
        event.kind is EventKind.CREDIT_REFUND
        and event.amount is not None
        and event.amount > now.credit_balance
    ):
        raise InsufficientCredit(
            f"{event.amount.amount_str()} is more than the credit balance {now.credit_balance.amount_str()}",
            field="amount",
        )


def _check_waiver(event: LoanEvent, state: LoanState | LoanPosition) -> None:
    text = event.datum("component", "")
    receivable = {
        Component.INTEREST.value: state.interest_receivable,
        Component.PENALTY.value: state.penalty_receivable,
        Component.FEE.value: state.fee_receivable,
    }
    if text not in receivable:
        raise InvalidEventData("waive interest, penalty or fee (principal is written off)", field="component")
    owed = receivable[text]
    if event.amount is not None and event.amount > owed:
        raise WaiverExceedsReceivable(
            f"{event.amount.amount_str()} is more than the {text} receivable {owed.amount_str()}",
            field="amount",
        )


def _check_write_off_date(events: Sequence[LoanEvent], event: LoanEvent) -> None:
    """A write-off ends the loan, so nothing that needs it open may come after it: backdated before a
    repayment, it would turn that repayment into a credit balance owed back to the borrower and write
    off the principal the repayment had settled."""
    later = [
        e.effective_date
        for e in effective_history(events)
        if e.kind in _NEEDS_OPEN_LOAN and e.effective_date > event.effective_date
    ]
    if later:
        raise InvalidEventData(
            f"the loan has events up to {max(later)}; a write-off cannot be dated before them", field="date"
        )


def _check_prepayment(contract: LoanContract, event: LoanEvent) -> None:
    text = event.datum("mode", Reamortise.KEEP_TERM.value)
    try:
        mode = Reamortise(text)
    except ValueError:
        raise InvalidEventData(f"{text!r} is not keep-term or keep-installment", field="mode") from None
    levelled = (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL)
    if mode is Reamortise.KEEP_INSTALLMENT and contract.terms.method not in levelled:
        raise InvalidEventData(
            "keep-installment needs an equal-installment or equal-principal loan", field="mode"
        )


def _check_reage(event: LoanEvent, state: LoanState | LoanPosition) -> None:
    text = event.datum("installments", "")
    if not (text or "").isdigit() or not 1 <= int(text or 0) <= INSTALLMENTS_MAX:
        raise InvalidEventData(
            f"installments must be a whole number from 1 to {INSTALLMENTS_MAX}", field="installments"
        )
    solve = event.datum("emi_solve")
    if solve is not None and solve not in {member.value for member in EmiSolve}:
        raise InvalidEventData(f"emi_solve must be nominal or actual, got {solve[:20]!r}", field="emi_solve")
    if state.status is not LoanStatus.OVERDUE:
        raise LoanNotOverdue(f"only an overdue loan is re-aged; this one is {state.status}", field="loan")
