"""Scoring one activity against the borrower's own profile: the rules that fire, a score, an action.

Each rule is a few comparisons on the profile's running statistics, so a score costs microseconds
and never reads history. The account-takeover pattern — a new or newly added device, money going to
a new or newly changed account, and a drawdown that empties the line — is one rule strong enough
to hold the drawdown for review on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from creditline.risk.transactions.activity import Activity, ActivityKind
from creditline.risk.transactions.profile import Profile
from creditline.risk.transactions.rules import MonitoringRules

SCORE_PLACES = Decimal("0.0001")
HOUR_SECONDS = 3600
DAY_SECONDS = 86_400


class Action(StrEnum):
    ALLOW = "allow"
    STEP_UP = "step-up"  # a passkey assertion with user verification first
    HOLD = "hold"  # a person reviews it first


@dataclass(frozen=True, slots=True)
class Assessment:
    score: Decimal
    rules: tuple[str, ...]
    action: Action
    rules_version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "score": format(self.score, "f"),
            "rules": list(self.rules),
            "action": str(self.action),
            "rules_version": self.rules_version,
        }


def assess(profile: Profile, activity: Activity, rules: MonitoringRules) -> Assessment:
    fired = _fired(profile, activity, rules)
    keep = 1.0
    for rule in fired:
        keep *= 1.0 - rules.weights[rule]
    score = Decimal(repr(1.0 - keep)).quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)
    if score >= rules.hold_at:
        action = Action.HOLD
    elif score >= rules.step_up_at:
        action = Action.STEP_UP
    else:
        action = Action.ALLOW
    return Assessment(score, tuple(fired), action, rules.version)


def _fired(profile: Profile, activity: Activity, rules: MonitoringRules) -> list[str]:
    fired: list[str] = []
    if _odd_hour(profile, activity.local_hour, rules):
        fired.append("odd_hour")
    device_first = profile.first_seen(profile.devices, activity.device)
    new_device = device_first is None and bool(profile.devices)
    # Recently added: a device that joined an existing one lately (a new borrower's first device is not).
    fresh_device = (
        device_first is not None
        and activity.at_s - device_first < rules.recent_s
        and device_first > min(first for _, first, _ in profile.devices)
    )
    account_first = profile.first_seen(profile.accounts, activity.account)
    new_account = account_first is None and bool(profile.accounts)
    changed = profile.account_changed_s is not None and activity.at_s - profile.account_changed_s < rules.recent_s
    for rule, condition in (
        ("new_device", new_device),
        ("device_recently_added", fresh_device),
        ("new_account", new_account),
        ("account_recently_changed", changed and activity.kind is ActivityKind.DRAWDOWN),
    ):
        if condition:
            fired.append(rule)
    fired.extend(_velocity(profile, activity, rules))
    if activity.kind is ActivityKind.DRAWDOWN:
        draining = activity.share_of_available >= rules.near_available_share
        if draining:
            fired.append("amount_near_available")
        if _above_habit(profile, activity, rules):
            fired.append("amount_above_habit")
        if draining and (new_device or fresh_device) and (new_account or changed):
            fired.append("takeover_pattern")
    elif new_device or fresh_device:
        fired.append("takeover_account_change")
    return fired


def _odd_hour(profile: Profile, hour: int, rules: MonitoringRules) -> bool:
    if profile.activities < rules.history_min:
        return hour in rules.night_hours
    hours = profile.hours
    nearby = hours[(hour - 1) % 24] + hours[hour] + hours[(hour + 1) % 24]
    return nearby < rules.odd_hour_share_max * profile.activities


def _above_habit(profile: Profile, activity: Activity, rules: MonitoringRules) -> bool:
    if profile.drawdowns < rules.history_min:
        return False
    spread = max(profile.log_amount_std(), rules.amount_log_std_min)
    return (math.log(activity.amount_minor) - profile.log_amount_mean) / spread > rules.amount_z_max


def _velocity(profile: Profile, activity: Activity, rules: MonitoringRules) -> list[str]:
    fired = []
    if profile.count_since(activity.at_s - HOUR_SECONDS) + 1 > rules.velocity_hour_max:
        fired.append("velocity_hour")
    if profile.count_since(activity.at_s - DAY_SECONDS) + 1 > rules.velocity_day_max:
        fired.append("velocity_day")
    return fired
