"""A borrower's habits as a compact profile of running statistics, updated in O(1) per activity.

No history is scanned at scoring time: the profile holds the count and Welford mean/variance of the
log-amount of past drawdowns, a 24-bucket histogram of local hours, the few devices and accounts
the borrower uses (most recent last, bounded), the times of the last activities (for velocity),
and when the repayment account last changed. It serialises to a short JSON text (under 1 KB).
Statistics are binary floats: they are habits, not money.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any

from creditline.risk.transactions.activity import Activity, ActivityKind
from creditline.risk.transactions.errors import ProfileInvalid
from creditline.risk.transactions.rules import VELOCITY_REMEMBERED

DEVICES_MAX = 8
ACCOUNTS_MAX = 8
RECENT_MAX = VELOCITY_REMEMBERED  # enough for the velocity windows (rules check velocity_day_max)
PROFILE_VERSION = 1

Seen = tuple[tuple[str, int, int], ...]  # (key, first seen, last seen), least recently seen first


@dataclass(frozen=True, slots=True)
class Profile:
    drawdowns: int = 0  # trusted drawdowns: the amount statistics' count
    log_amount_mean: float = 0.0
    log_amount_m2: float = 0.0  # Welford's sum of squared deviations
    activities: int = 0  # trusted activities: the hour histogram's count
    hours: tuple[int, ...] = (0,) * 24
    devices: Seen = ()
    accounts: Seen = ()
    recent_s: tuple[int, ...] = ()  # times of the latest activities, attempts included
    account_changed_s: int | None = None

    def log_amount_std(self) -> float:
        return math.sqrt(self.log_amount_m2 / (self.drawdowns - 1)) if self.drawdowns > 1 else 0.0

    def first_seen(self, seen: Seen, key: str) -> int | None:
        for known, first, _ in seen:
            if known == key:
                return first
        return None

    def count_since(self, since_s: int) -> int:
        return sum(1 for at in self.recent_s if at > since_s)

    def to_json(self) -> str:
        data = {
            "v": PROFILE_VERSION,
            "n": self.drawdowns,
            "mean": self.log_amount_mean,
            "m2": self.log_amount_m2,
            "a": self.activities,
            "h": list(self.hours),
            "d": [list(item) for item in self.devices],
            "acc": [list(item) for item in self.accounts],
            "r": list(self.recent_s),
            "chg": self.account_changed_s,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Profile:
        try:
            data: dict[str, Any] = json.loads(text)
            assert data["v"] == PROFILE_VERSION and len(data["h"]) == 24
            return cls(
                drawdowns=int(data["n"]),
                log_amount_mean=float(data["mean"]),
                log_amount_m2=float(data["m2"]),
                activities=int(data["a"]),
                hours=tuple(int(h) for h in data["h"]),
                devices=tuple((str(k), int(f), int(s)) for k, f, s in data["d"]),
                accounts=tuple((str(k), int(f), int(s)) for k, f, s in data["acc"]),
                recent_s=tuple(int(t) for t in data["r"]),
                account_changed_s=None if data["chg"] is None else int(data["chg"]),
            )
        except (ValueError, KeyError, TypeError, AssertionError) as exc:
            raise ProfileInvalid(f"stored profile does not parse: {exc}", field="profile") from None


def observe(profile: Profile, activity: Activity, *, trusted: bool) -> Profile:
    """The profile after `activity`. Every attempt counts for velocity; only trusted ones teach habits.

    Trusted: allowed outright, or stepped up and verified. A held or refused attempt must not make
    an attacker's device or account look familiar the next time.
    """
    recent = (*profile.recent_s, activity.at_s)[-RECENT_MAX:]
    if not trusted:
        return replace(profile, recent_s=recent)
    hours = list(profile.hours)
    hours[activity.local_hour] += 1
    changes: dict[str, Any] = {
        "recent_s": recent,
        "activities": profile.activities + 1,
        "hours": tuple(hours),
        "devices": _remember(profile.devices, activity.device, activity.at_s, DEVICES_MAX),
        "accounts": _remember(profile.accounts, activity.account, activity.at_s, ACCOUNTS_MAX),
    }
    if activity.kind is ActivityKind.DRAWDOWN:
        changes.update(_welford(profile, math.log(activity.amount_minor)))
    else:
        changes["account_changed_s"] = activity.at_s
    return replace(profile, **changes)


def _welford(profile: Profile, value: float) -> dict[str, Any]:
    count = profile.drawdowns + 1
    delta = value - profile.log_amount_mean
    mean = profile.log_amount_mean + delta / count
    return {"drawdowns": count, "log_amount_mean": mean, "log_amount_m2": profile.log_amount_m2 + delta * (value - mean)}


def _remember(seen: Seen, key: str, at_s: int, most: int) -> Seen:
    first = at_s
    kept = []
    for known, first_seen, last_seen in seen:
        if known == key:
            first = first_seen
        else:
            kept.append((known, first_seen, last_seen))
    kept.append((key, first, at_s))
    return tuple(kept[-most:])
