"""Monitoring rules as versioned data: thresholds, weights, and the scores that step up or hold.

Every rule has a weight in (0, 1); the score is the noisy-OR of the weights of the rules that fire,
1 − Π(1 − wᵢ), so independent weak signals add up and one strong signal (the takeover pattern) is
enough on its own. A score at `step_up_at` or more asks for a passkey assertion with user
verification; at `hold_at` or more the activity waits for a person.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from creditline.risk.transactions.errors import RulesInvalid

VELOCITY_REMEMBERED = 16  # profile.RECENT_MAX: the activities a profile keeps times of

RULE_IDS = (
    "odd_hour",
    "amount_above_habit",
    "amount_near_available",
    "new_device",
    "new_account",
    "device_recently_added",
    "account_recently_changed",
    "velocity_hour",
    "velocity_day",
    "takeover_pattern",
    "takeover_account_change",
)

DEFAULT_WEIGHTS: dict[str, float] = {
    "odd_hour": 0.20,
    "amount_above_habit": 0.30,
    "amount_near_available": 0.20,
    "new_device": 0.30,
    "new_account": 0.30,
    "device_recently_added": 0.30,
    "account_recently_changed": 0.35,
    "velocity_hour": 0.40,
    "velocity_day": 0.25,
    "takeover_pattern": 0.90,
    "takeover_account_change": 0.45,
}


@dataclass(frozen=True, slots=True)
class MonitoringRules:
    version: str = "txmon-1"
    history_min: int = 5  # activities before the borrower's own habits are trusted
    odd_hour_share_max: float = 0.03  # an hour the borrower used less often than this is odd...
    night_hours: tuple[int, ...] = (1, 2, 3, 4, 5)  # ...and, before history, these hours are
    amount_z_max: float = 3.0  # log-amount z-score above the borrower's habit
    amount_log_std_min: float = 0.25  # a borrower who always draws the same amount is not infinitely sure
    near_available_share: float = 0.90  # a drawdown taking this much of what is left drains the line
    recent_s: int = 72 * 3600  # a device or account this new is still suspect
    velocity_hour_max: int = 2  # more activities than this within an hour (this one included) fire
    velocity_day_max: int = 5  # ... within a day
    step_up_at: Decimal = Decimal("0.45")
    hold_at: Decimal = Decimal("0.80")
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def __post_init__(self) -> None:
        if set(self.weights) != set(RULE_IDS):
            raise RulesInvalid(f"weights must name exactly {', '.join(RULE_IDS)}", field="weights")
        if any(not 0.0 < weight < 1.0 for weight in self.weights.values()):
            raise RulesInvalid("every weight is above 0 and below 1", field="weights")
        if not Decimal(0) < self.step_up_at <= self.hold_at <= Decimal(1):
            raise RulesInvalid("need 0 < step_up_at <= hold_at <= 1", field="step_up_at")
        if self.history_min < 1 or self.velocity_hour_max < 1 or self.velocity_day_max < self.velocity_hour_max:
            raise RulesInvalid("history and velocity limits must be positive and ordered", field="velocity_day_max")
        if self.velocity_day_max >= VELOCITY_REMEMBERED:
            raise RulesInvalid(f"a profile remembers {VELOCITY_REMEMBERED} activities", field="velocity_day_max")
        if any(not 0 <= hour <= 23 for hour in self.night_hours):
            raise RulesInvalid("night hours are 0-23", field="night_hours")

    @property
    def digest(self) -> str:
        data = asdict(self) | {"step_up_at": str(self.step_up_at), "hold_at": str(self.hold_at)}
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def rules_from_mapping(data: Mapping[str, Any]) -> MonitoringRules:
    """Rules from parsed YAML/JSON: unknown keys are refused, thresholds as text or numbers."""
    known = {item.name for item in fields(MonitoringRules)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RulesInvalid(f"unknown settings {unknown}", field=unknown[0])
    values = dict(data)
    for name in ("step_up_at", "hold_at"):
        if name in values:
            values[name] = Decimal(str(values[name]))
    if "weights" in values:
        values["weights"] = DEFAULT_WEIGHTS | dict(values["weights"])
    if "night_hours" in values:
        values["night_hours"] = tuple(values["night_hours"])
    return MonitoringRules(**values)
