"""Typed errors for loan events a user can get wrong; each names its field and has a stable code."""

from __future__ import annotations

from creditline.errors import Conflict, DomainError, NotFound


class LoanEventInvalid(DomainError):
    code = "loan_event_invalid"


class LoanNotFound(NotFound):
    code = "loan_not_found"


class LoanNotActive(LoanEventInvalid):
    """The loan is paid off or written off: nothing more can be repaid, charged or written off."""

    code = "loan_not_active"


class LoanNotOverdue(LoanEventInvalid):
    code = "loan_not_overdue"


class AmountNotPositive(LoanEventInvalid):
    code = "amount_not_positive"


class DateBeforeLoanStart(LoanEventInvalid):
    code = "date_before_loan_start"


class DateInFuture(LoanEventInvalid):
    """An event dated after the business date: the loan engine does not hold events for later."""

    code = "date_in_future"


class UnknownEvent(NotFound):
    code = "unknown_event"


class NotReversible(LoanEventInvalid):
    code = "not_reversible"


class AlreadyReversed(Conflict):
    code = "already_reversed"


class DuplicateEvent(Conflict):
    code = "duplicate_event"


class WaiverExceedsReceivable(LoanEventInvalid):
    code = "waiver_exceeds_receivable"


class InsufficientCredit(LoanEventInvalid):
    code = "insufficient_credit"


class InvalidEventData(LoanEventInvalid):
    code = "invalid_event_data"


class UnsupportedTerms(LoanEventInvalid):
    """Schedule terms the loan engine cannot accrue day by day (period basis, 30-day months)."""

    code = "unsupported_terms"
