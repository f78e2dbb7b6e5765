"""Policy: knock-out, referral and banding rules as versioned decision tables an analyst edits."""

from creditline.risk.policy.errors import InvalidPolicyTable, PolicyInputMissing, UnknownPolicy
from creditline.risk.policy.policy_set import (
    Outcome,
    PolicyDecision,
    PolicySet,
    builtin_policy,
    decide_outcome,
    load_policy_file,
    parse_policy_set,
)
from creditline.risk.policy.table import DecisionTable, Hit, TableSpec, parse_table

__all__ = [
    "DecisionTable",
    "Hit",
    "InvalidPolicyTable",
    "Outcome",
    "PolicyDecision",
    "PolicyInputMissing",
    "PolicySet",
    "TableSpec",
    "UnknownPolicy",
    "builtin_policy",
    "decide_outcome",
    "load_policy_file",
    "parse_policy_set",
    "parse_table",
]
