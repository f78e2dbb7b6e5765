"""Bad input gives typed errors that name the field, with stable codes; the fold refuses nothing valid."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from loan_helpers import History, cny, contract, contract_of

from creditline.errors import DomainError
from creditline.lending.loan import (
    AlreadyReversed,
    AmountNotPositive,
    DateBeforeLoanStart,
    DateInFuture,
    DuplicateEvent,
    EventKind,
    InsufficientCredit,
    InvalidEventData,
    LoanEvent,
    LoanNotActive,
    LoanNotOverdue,
    NotReversible,
    UnknownEvent,
    UnsupportedTerms,
    WaiverExceedsReceivable,
    payoff_quote,
    replay,
    validate_event,
)
from creditline.lending.schedule import ScheduleTerms
from creditline.money import CurrencyMismatch, Money, Rate

START = date(2025, 1, 15)
TODAY = date(2025, 3, 1)


def event(kind: EventKind, on: date = TODAY, amount: str | None = "100.00", **extra: object) -> LoanEvent:
    money = Money.parse(amount, "CNY") if amount is not None else None
    data = tuple((k, str(v)) for k, v in extra.pop("data", {}).items())  # type: ignore[union-attr]
    return LoanEvent(str(extra.pop("event_id", "new")), kind, on, 99, money, data=data, **extra)  # type: ignore[arg-type]


def check(history: History, new: LoanEvent, error: type[DomainError], code: str, field: str) -> None:
    with pytest.raises(error) as caught:
        validate_event(history.contract, history.events, new, TODAY)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert isinstance(caught.value, DomainError)


def test_a_valid_repayment_passes() -> None:
    history = History(contract())
    validate_event(history.contract, history.events, event(EventKind.REPAYMENT), TODAY)


def test_amounts_must_be_positive_and_in_the_loan_currency() -> None:
    history = History(contract())
    check(
        history,
        event(EventKind.REPAYMENT, amount="-5.00"),
        AmountNotPositive,
        "amount_not_positive",
        "amount",
    )
    check(
        history, event(EventKind.REPAYMENT, amount="0.00"), AmountNotPositive, "amount_not_positive", "amount"
    )
    check(
        history, event(EventKind.REPAYMENT, amount=None), AmountNotPositive, "amount_not_positive", "amount"
    )
    usd = LoanEvent("new", EventKind.REPAYMENT, TODAY, 99, Money.parse("5", "USD"))
    check(history, usd, CurrencyMismatch, "currency_mismatch", "currency")


def test_dates_before_the_loan_or_after_the_business_date() -> None:
    history = History(contract())
    early = event(EventKind.REPAYMENT, on=START - timedelta(days=1))
    check(history, early, DateBeforeLoanStart, "date_before_loan_start", "date")
    check(
        history,
        event(EventKind.REPAYMENT, on=TODAY + timedelta(days=1)),
        DateInFuture,
        "date_in_future",
        "date",
    )
    with pytest.raises(DateBeforeLoanStart):
        replay(history.contract, history.events, START - timedelta(days=1))


def test_repaying_a_closed_loan() -> None:
    loan = contract(term=3)
    history = History(loan)
    quote = payoff_quote(loan, history.events, START + timedelta(days=10))
    history.repay(START + timedelta(days=10), quote.total.amount_str())
    check(history, event(EventKind.REPAYMENT), LoanNotActive, "loan_not_active", "loan")
    check(history, event(EventKind.WRITE_OFF, amount=None), LoanNotActive, "loan_not_active", "loan")
    check(history, event(EventKind.CREDIT_REFUND), InsufficientCredit, "insufficient_credit", "amount")


def test_a_write_off_is_not_dated_before_a_later_repayment() -> None:
    loan = contract(amount="1000.00", term=3)
    history = History(loan)
    history.repay(date(2025, 2, 20), "300.00")
    # dated before the repayment, the write-off once turned the 300.00 paid into a credit balance
    # owed back to the borrower and wrote off all 1,000.00 of principal
    backdated = event(EventKind.WRITE_OFF, on=date(2025, 2, 19), amount=None)
    check(history, backdated, InvalidEventData, "invalid_event_data", "date")
    on_the_day = event(EventKind.WRITE_OFF, on=date(2025, 2, 20), amount=None)
    validate_event(loan, history.events, on_the_day, TODAY)
    state = replay(loan, [*history.events, on_the_day], TODAY)
    assert state.credit_balance.is_zero()
    assert state.totals.principal_repaid == cny("284.01")  # after 0.49 penalty and 15.50 interest
    assert state.totals.principal_written_off == cny("715.99")


def test_a_reversal_dated_before_the_event_it_reverses_is_refused() -> None:
    """A payment cannot be returned before it was made: `loan reverse --date` earlier than the repayment
    was recorded as given (the fold drops the pair whatever the reversal's date, so nothing showed it)."""
    history = History(contract())
    payment = history.repay(date(2025, 2, 10), "50.00")
    early = event(EventKind.REVERSAL, on=date(2025, 2, 9), amount=None, reverses=payment.event_id)
    check(history, early, InvalidEventData, "invalid_event_data", "date")
    for same_day_or_later in (date(2025, 2, 10), TODAY):
        validate_event(history.contract, history.events, event(EventKind.REVERSAL, on=same_day_or_later, amount=None,
                                                               reverses=payment.event_id), TODAY)  # fmt: skip


def test_reversals_of_unknown_or_unreversible_events() -> None:
    history = History(contract())
    payment = history.repay(date(2025, 2, 1), "50.00")
    check(
        history,
        event(EventKind.REVERSAL, amount=None, reverses="nope"),
        UnknownEvent,
        "unknown_event",
        "reverses",
    )
    check(
        history,
        event(EventKind.REVERSAL, amount=None, reverses="e1"),
        NotReversible,
        "not_reversible",
        "reverses",
    )
    check(history, event(EventKind.REVERSAL, amount=None), InvalidEventData, "invalid_event_data", "reverses")
    history.reverse(date(2025, 2, 2), payment)
    again = event(EventKind.REVERSAL, amount=None, reverses=payment.event_id)
    check(history, again, AlreadyReversed, "already_reversed", "reverses")
    check(history, event(EventKind.REPAYMENT, event_id="e2"), DuplicateEvent, "duplicate_event", "event_id")
    check(
        history,
        event(EventKind.DISBURSEMENT, amount="12000.00", on=START),
        DuplicateEvent,
        "duplicate_event",
        "kind",
    )


def test_no_event_takes_back_a_credit_balance_already_refunded() -> None:
    # 12,200.00 repaid on 1 Feb leaves a credit balance; 50.00 of it is paid back out on 10 Feb.
    # Reversing the repayment, or a refund dated before the credit existed, silently refunded less in
    # the replay: the journal took the 50.00 paid out back into cash (credit_refunded fell), or never
    # recorded the new refund at all.
    history = History(contract())
    payment = history.repay(date(2025, 2, 1), "12200.00")
    history.add(EventKind.CREDIT_REFUND, date(2025, 2, 10), "50.00")
    reversal = event(EventKind.REVERSAL, amount=None, reverses=payment.event_id)
    check(history, reversal, NotReversible, "not_reversible", "reverses")
    early_refund = event(EventKind.CREDIT_REFUND, on=date(2025, 1, 20), amount="10.00")
    check(history, early_refund, InsufficientCredit, "insufficient_credit", "amount")
    state = replay(history.contract, history.events, TODAY)
    validate_event(history.contract, history.events, event(EventKind.CREDIT_REFUND, on=date(2025, 2, 5),
                   amount=state.credit_balance.amount_str()), TODAY)  # fmt: skip
    refund = history.add(EventKind.CREDIT_REFUND, date(2025, 2, 11), "1.00")
    validate_event(history.contract, history.events, event(EventKind.REVERSAL, amount=None, reverses=refund.event_id), TODAY)


def test_waivers_reage_and_prepayment_data() -> None:
    history = History(contract())
    too_much = event(EventKind.WAIVER, amount="999.00", data={"component": "interest"})
    check(history, too_much, WaiverExceedsReceivable, "waiver_exceeds_receivable", "amount")
    principal = event(EventKind.WAIVER, data={"component": "principal"})
    check(history, principal, InvalidEventData, "invalid_event_data", "component")
    not_yet_due = event(EventKind.REAGE, on=date(2025, 2, 1), amount=None, data={"installments": "6"})
    check(history, not_yet_due, LoanNotOverdue, "loan_not_overdue", "loan")
    validate_event(
        history.contract,
        history.events,
        event(EventKind.REAGE, amount=None, data={"installments": "6"}),
        TODAY,
    )
    check(
        history,
        event(EventKind.REAGE, amount=None, data={"installments": "0"}),
        InvalidEventData,
        "invalid_event_data",
        "installments",
    )
    bad_solve = event(EventKind.REAGE, amount=None, data={"installments": "6", "emi_solve": "exact"})
    check(history, bad_solve, InvalidEventData, "invalid_event_data", "emi_solve")
    validate_event(
        history.contract,
        history.events,
        event(EventKind.REAGE, amount=None, data={"installments": "360", "emi_solve": "actual"}),
        TODAY,
    )
    bad_mode = event(EventKind.PREPAYMENT_REAMORTISE, data={"mode": "sideways"})
    check(history, bad_mode, InvalidEventData, "invalid_event_data", "mode")


def test_terms_the_engine_cannot_accrue_daily_are_refused() -> None:
    terms = ScheduleTerms(
        principal=cny("1000.00"), rate=Rate.annual_percent("12"), installments=6, disbursed=START
    )
    with pytest.raises(UnsupportedTerms) as caught:
        contract_of(terms)  # the schedule's default basis is "period"
    assert caught.value.field == "interest_basis"
