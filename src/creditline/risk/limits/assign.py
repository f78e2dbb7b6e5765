"""Assign a credit limit: the least of what risk, affordability, regulation and prudence allow.

Every constraint is computed in integer minor units with exact ratios and rounded down, so the
limit can only err on the borrower's (and the lender's) side. The binding constraint is returned
with the figures, for the explanation a borrower may ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditline.money import Money, currency
from creditline.risk.limits.errors import InvalidLimitInput
from creditline.risk.limits.policy import LimitPolicy
from creditline.risk.limits.ratio import floor_divide, floor_times, parse_ratio

MONTHS_IN_YEAR = 12


@dataclass(frozen=True, slots=True)
class LimitInputs:
    band: str
    income_monthly_minor: int
    obligations_monthly_minor: int  # existing scheduled repayments, all lenders
    online_microloan_balance_minor: int  # existing online micro-loan balance, all lenders
    income_annual_average_minor: int | None = None  # 3-year average when known; else 12 × monthly


@dataclass(frozen=True, slots=True)
class LimitDecision:
    limit: Money
    binding: str  # which constraint set the limit
    constraints_minor: dict[str, int]  # every constraint's ceiling, before rounding
    policy_version: str


def assign_limit(inputs: LimitInputs, policy: LimitPolicy) -> LimitDecision:
    _check(inputs, policy)
    cur = currency(policy.currency)
    ceilings = _ceilings(inputs, policy, cur.minor_per_major)
    binding = min(ceilings, key=lambda name: (ceilings[name], name))
    step_minor = policy.round_to_major * cur.minor_per_major
    limit_minor = max(0, ceilings[binding]) // step_minor * step_minor
    if limit_minor < policy.limit_min_major * cur.minor_per_major:
        limit_minor, binding = 0, binding if ceilings[binding] <= 0 else "limit_min"
    return LimitDecision(Money(limit_minor, cur), binding, ceilings, policy.version)


def _ceilings(inputs: LimitInputs, policy: LimitPolicy, minor_per_major: int) -> dict[str, int]:
    multiple = parse_ratio(policy.band_income_multiples[inputs.band])
    free_monthly_minor = floor_times(inputs.income_monthly_minor, policy.ratio("debt_to_income_max"))
    free_monthly_minor -= inputs.obligations_monthly_minor
    ceilings = {
        "band_income_multiple": floor_times(inputs.income_monthly_minor, multiple),
        "affordability": floor_divide(free_monthly_minor, policy.ratio("payment_per_limit_monthly")),
        "initial_limit_max": policy.initial_limit_max_major * minor_per_major,
    }
    caps = policy.caps
    if caps.balance_max_major is not None:
        cap_minor = caps.balance_max_major * minor_per_major
        ceilings["jurisdiction_balance_cap"] = cap_minor - inputs.online_microloan_balance_minor
    if caps.annual_income_share_max is not None:
        annual_minor = inputs.income_annual_average_minor
        if annual_minor is None:
            annual_minor = inputs.income_monthly_minor * MONTHS_IN_YEAR
        share_minor = floor_times(annual_minor, parse_ratio(caps.annual_income_share_max))
        ceilings["jurisdiction_income_cap"] = share_minor - inputs.online_microloan_balance_minor
    return ceilings


def _check(inputs: LimitInputs, policy: LimitPolicy) -> None:
    if inputs.band not in policy.band_income_multiples:
        raise InvalidLimitInput(f"band {inputs.band!r} is not in {policy.name} {policy.version}", field="band")
    for name in ("income_monthly_minor", "obligations_monthly_minor", "online_microloan_balance_minor"):
        value = getattr(inputs, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidLimitInput(f"{name} must be a non-negative integer", field=name)
