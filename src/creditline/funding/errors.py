"""Typed errors for mistakes in a loan tape, a pool selection, a deal structure or an assumption set.

Every error names the input that broke the rule (`field=`), so the CLI can point at the option or at
the line of the deal file (`tranches[1].coupon_rate`) and exit 2 without a traceback.
"""

from __future__ import annotations

from creditline.errors import DomainError


class FundingError(DomainError):
    code = "invalid_funding_input"


class TapeError(FundingError):
    """A loan tape row or column breaks the tape schema."""

    code = "invalid_tape"


class EmptyPool(FundingError):
    """The eligibility criteria leave no loan in the pool."""

    code = "empty_pool"


class StructureError(FundingError):
    """The deal structure is inconsistent (sizes, rates, dates, triggers)."""

    code = "invalid_structure"


class TrancheSizeMismatch(StructureError):
    code = "tranche_sizes_mismatch"


class UnknownTriggerMetric(StructureError):
    code = "unknown_trigger_metric"


class NegativeRate(FundingError):
    code = "negative_rate"


class AssumptionError(FundingError):
    """A projection or Monte Carlo assumption is out of range."""

    code = "invalid_assumption"
