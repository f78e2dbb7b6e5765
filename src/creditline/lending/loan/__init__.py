"""Loans: the lifecycle as a pure fold over dated events, and end-of-day accrual in two speeds.

- `replay(contract, events, as_of) -> LoanState` is the source of truth (see `fold.py`);
- `validate_event(...)` keeps impossible events out (typed errors);
- `record_event(...)` validates a new event and returns the loan before and after it (one fold when the
  event is dated on the business date), for commands that post `after.totals.minus(before.totals)`;
- `payoff_quote(...)` prices an early payoff (interest only for the days used);
- `accrue_one_day(state)` / `batch.accrue_batch(arrays)` advance a snapshot by a day without replaying,
  and equal `replay` a day later (property-tested).

Contract notes (names as agreed with the ledger/store/app side; these are additions, all compatible):
- `EventKind` also has FEE and CREDIT_REFUND; `LoanTotals` also has `credit_refunded` and `fees_written_off`.
- `LoanState.accrual` is the snapshot EOD advances (`AccrualState.to_json()` for the store).
- Penalty is a loan-level receivable (`InstallmentState` has no penalty column).
"""

from creditline.lending.loan.accrual import accrue_one_day, accrue_to
from creditline.lending.loan.batch import AccrualBatch, accrue_batch, accrue_batch_to
from creditline.lending.loan.contract import LoanContract
from creditline.lending.loan.errors import (
    AlreadyReversed,
    AmountNotPositive,
    DateBeforeLoanStart,
    DateInFuture,
    DuplicateEvent,
    InsufficientCredit,
    InvalidEventData,
    LoanEventInvalid,
    LoanNotActive,
    LoanNotFound,
    LoanNotOverdue,
    NotReversible,
    UnknownEvent,
    UnsupportedTerms,
    WaiverExceedsReceivable,
)
from creditline.lending.loan.events import EventKind, LoanEvent, effective_history
from creditline.lending.loan.fold import payoff_quote, replay
from creditline.lending.loan.pricing import AccrualPricing
from creditline.lending.loan.record import Recorded, record_event
from creditline.lending.loan.state import (
    CLOSED_STATUSES,
    AccrualState,
    InstallmentState,
    InstallmentStatus,
    LoanState,
    LoanStatus,
    LoanTotals,
    PayoffQuote,
)
from creditline.lending.loan.validation import validate_event

__all__ = [
    "CLOSED_STATUSES",
    "AccrualBatch",
    "AccrualPricing",
    "AccrualState",
    "AlreadyReversed",
    "AmountNotPositive",
    "DateBeforeLoanStart",
    "DateInFuture",
    "DuplicateEvent",
    "EventKind",
    "InstallmentState",
    "InstallmentStatus",
    "InsufficientCredit",
    "InvalidEventData",
    "LoanContract",
    "LoanEvent",
    "LoanEventInvalid",
    "LoanNotActive",
    "LoanNotFound",
    "LoanNotOverdue",
    "LoanState",
    "LoanStatus",
    "LoanTotals",
    "NotReversible",
    "PayoffQuote",
    "Recorded",
    "UnknownEvent",
    "UnsupportedTerms",
    "WaiverExceedsReceivable",
    "accrue_batch",
    "accrue_batch_to",
    "accrue_one_day",
    "accrue_to",
    "effective_history",
    "payoff_quote",
    "record_event",
    "replay",
    "validate_event",
]
