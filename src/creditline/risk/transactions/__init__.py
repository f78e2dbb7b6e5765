"""Transaction monitoring: drawdowns and changes of repayment account scored against the borrower's habits.

Pure and fast: `assess(profile, activity, rules)` reads only a compact `Profile` of running
statistics (no history scan) and returns the rules that fired, a score and an action — allow,
step up (a passkey assertion with user verification), or hold for review; `observe` folds the
activity into the profile. `simulation` generates ordinary behaviour and account takeovers and
measures precision and recall on them.
"""

from creditline.risk.transactions.activity import Activity, ActivityKind
from creditline.risk.transactions.errors import ActivityInvalid, ProfileInvalid, RulesInvalid
from creditline.risk.transactions.profile import Profile, observe
from creditline.risk.transactions.rules import DEFAULT_WEIGHTS, RULE_IDS, MonitoringRules, rules_from_mapping
from creditline.risk.transactions.score import Action, Assessment, assess

__all__ = [
    "DEFAULT_WEIGHTS",
    "RULE_IDS",
    "Action",
    "Activity",
    "ActivityInvalid",
    "ActivityKind",
    "Assessment",
    "MonitoringRules",
    "Profile",
    "ProfileInvalid",
    "RulesInvalid",
    "assess",
    "observe",
    "rules_from_mapping",
]
