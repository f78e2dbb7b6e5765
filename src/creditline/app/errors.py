"""Errors the use cases raise (the domain's own typed errors pass through unchanged)."""

from __future__ import annotations

from creditline.errors import Conflict, DomainError, NotFound


class IdempotencyConflict(Conflict):
    """The client key was already used for a different request."""

    code = "idempotency_key_reused"


class LineNotFound(NotFound):
    code = "line_not_found"


class LoanNotFound(NotFound):
    code = "loan_not_found"


class ProductNotFound(NotFound):
    code = "product_not_found"


class LineExists(Conflict):
    code = "line_exists"


class BusinessDateMissing(DomainError):
    code = "business_date_missing"


class EodDateInvalid(DomainError):
    code = "eod_date_invalid"


class DateInFuture(DomainError):
    code = "date_after_business_date"
