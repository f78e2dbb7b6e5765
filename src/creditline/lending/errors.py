"""Typed errors for schedule terms and cash flows a user can get wrong."""

from __future__ import annotations

from creditline.errors import DomainError


class ScheduleTermsInvalid(DomainError):
    """A schedule option breaks a rule; `field` names the option."""

    code = "schedule_terms_invalid"


class PrincipalNotPositive(ScheduleTermsInvalid):
    code = "principal_not_positive"


class InstallmentsOutOfRange(ScheduleTermsInvalid):
    code = "installments_out_of_range"


class FirstDueNotAfterDisbursement(ScheduleTermsInvalid):
    code = "first_due_not_after_disbursement"


class OptionInvalid(ScheduleTermsInvalid):
    code = "option_invalid"


class CashFlowInvalid(DomainError):
    """A cash flow given for an APR is malformed (no advance, no payments, dates out of order...)."""

    code = "cash_flow_invalid"


class AprNotFound(DomainError):
    """No rate makes the payments worth the advance (e.g. payments sum to less than the advance)."""

    code = "apr_not_found"
