"""Limits: the initial credit limit from risk band, income, obligations and the jurisdiction's caps."""

from creditline.risk.limits.assign import LimitDecision, LimitInputs, assign_limit
from creditline.risk.limits.errors import InvalidLimitInput, InvalidLimitPolicy
from creditline.risk.limits.policy import (
    JurisdictionCaps,
    LimitPolicy,
    builtin_limit_policy,
    parse_limit_policy,
)

__all__ = [
    "InvalidLimitInput",
    "InvalidLimitPolicy",
    "JurisdictionCaps",
    "LimitDecision",
    "LimitInputs",
    "LimitPolicy",
    "assign_limit",
    "builtin_limit_policy",
    "parse_limit_policy",
]
