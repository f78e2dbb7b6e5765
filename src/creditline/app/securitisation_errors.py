"""Typed errors of securitising the platform's own loans and settling with partners (docs/securitisation.md)."""

from __future__ import annotations

from creditline.errors import Conflict, NotFound
from creditline.funding.errors import FundingError


class DealNotFound(NotFound):
    code = "deal_not_found"


class LoanAlreadySold(Conflict):
    """A loan of the pool already belongs to a trust."""

    code = "loan_already_sold"


class LoanNotOwned(FundingError):
    """A tape row names a loan the books do not hold (closed, unknown, or another currency)."""

    code = "loan_not_on_books"


class BeyondOwnShare(FundingError):
    """A tape row offers more of a co-lent loan than the platform's own share."""

    code = "beyond_own_share"


class TapeStale(FundingError):
    """A tape row's balance is not the books' balance now: export the tape again."""

    code = "tape_stale"


class SaleRefused(FundingError):
    """The deal cannot be sold from the books as it is written (dates, revolving, statuses, tranches kept)."""

    code = "sale_refused"


class SnapshotMissing(FundingError):
    code = "snapshot_missing"


class RemittanceOutOfOrder(FundingError):
    """A partner remittance for a day before one already remitted."""

    code = "remittance_out_of_order"
