"""Typed errors for product files and for drawdown requests a product does not allow."""

from __future__ import annotations

from creditline.errors import DomainError, NotFound


class ProductInvalid(DomainError):
    """A product file breaks a rule; `field` names the setting (`allocation.order`)."""

    code = "product_invalid"


class ProductNotFound(NotFound):
    code = "product_not_found"


class DrawdownRejected(DomainError):
    """A drawdown request the product does not offer."""

    code = "drawdown_rejected"


class DrawdownBelowMinimum(DrawdownRejected):
    code = "drawdown_below_minimum"


class DrawdownAboveMaximum(DrawdownRejected):
    code = "drawdown_above_maximum"


class TermNotOffered(DrawdownRejected):
    code = "term_not_offered"


class MethodNotOffered(DrawdownRejected):
    code = "method_not_offered"


class RateOutOfRange(DrawdownRejected):
    code = "rate_out_of_range"


class AprAboveCap(DrawdownRejected):
    """The drawdown's annualised rate (IRR method, as disclosed to the borrower) is above the product's cap."""

    code = "apr_above_cap"
