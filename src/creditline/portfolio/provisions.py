"""Provision coverage ratio (拨备覆盖率) and loan provision ratio (拨贷比), with China's bands.

Coverage = loan-loss allowance ÷ non-performing loans; loan provision ratio = allowance ÷ gross
loans. Since the CBRC's 2018 notice (银监发〔2018〕7号) the regulator sets each bank's minimums
inside 120–150% and 1.5–2.5%, by how accurately it classifies loans, how fast it disposes of
NPLs and how well capitalised it is; a bank with no individual setting is held to the top of the
bands (the pre-2018 150% and 2.5%).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.ratio import ratio

COVERAGE_BAND = (Decimal("1.2"), Decimal("1.5"))
LOAN_PROVISION_BAND = (Decimal("0.015"), Decimal("0.025"))


@dataclass(frozen=True, slots=True)
class ProvisionRequirement:
    """The minimums the regulator set for this lender, each inside its band."""

    coverage_min: Decimal = COVERAGE_BAND[1]
    loan_provision_min: Decimal = LOAN_PROVISION_BAND[1]

    def __post_init__(self) -> None:
        low, high = COVERAGE_BAND
        if not low <= self.coverage_min <= high:
            raise InvalidAssumption(f"the coverage minimum must be within {low:%} to {high:%}",
                                    field="coverage_min")
        low, high = LOAN_PROVISION_BAND
        if not low <= self.loan_provision_min <= high:
            raise InvalidAssumption(f"the loan provision minimum must be within {low:%} to {high:%}",
                                    field="loan_provision_min")


@dataclass(frozen=True, slots=True)
class ProvisionRatios:
    allowance_minor: int
    npl_minor: int
    loans_minor: int
    requirement: ProvisionRequirement = ProvisionRequirement()

    def __post_init__(self) -> None:
        assert min(self.allowance_minor, self.npl_minor, self.loans_minor) >= 0, "totals are never negative"
        assert self.npl_minor <= self.loans_minor, "NPLs are part of the loans"

    @property
    def coverage(self) -> Decimal | None:
        """None when there are no NPLs: any allowance covers nothing infinitely well."""
        return ratio(self.allowance_minor, self.npl_minor)

    @property
    def loan_provision(self) -> Decimal | None:
        return ratio(self.allowance_minor, self.loans_minor)

    @property
    def coverage_met(self) -> bool:
        coverage = self.coverage
        return coverage is None or coverage >= self.requirement.coverage_min

    @property
    def loan_provision_met(self) -> bool:
        provision = self.loan_provision
        return provision is None or provision >= self.requirement.loan_provision_min
