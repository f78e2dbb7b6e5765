"""The auto-debit retry policy as versioned data: on which days, how often, whether partially.

`attempt_today` (one loan) and `attempt_mask` (numpy, many loans) implement the same rule; a
property test holds them equal. Shipped policies live in `servicing/debit_policies/*.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from creditline.errors import DomainError
from creditline.money import Currency, Money

ROUNDS_MAX = 4  # a bank charges per instruction and borrowers notice every failed one
SOURCES_MAX = 5  # repayment sources a borrower may link (and a round may try)
TIMINGS = ("due-date", "payday")
OPTIONAL = ("timing", "grace_days", "attempts_in_grace", "sources_per_round")  # settings added in version 2
DAYS_PAST_DUE_MAX = 3650


class DebitPolicyInvalid(DomainError):
    code = "debit_policy_invalid"


@dataclass(frozen=True, slots=True)
class DebitPolicy:
    policy_id: str
    version: int
    rounds_per_day: int
    daily_until_days_past_due: int
    then_every_days: int
    stop_after_days_past_due: int
    partial_debit: bool
    partial_min: str  # major units as text, in the loan's currency
    collect_charged_off: bool
    # Payday timing (version 2 on): inside [due, due + grace_days] a loan whose borrower's payday is
    # known is asked on the days `servicing.debit_timing.attempt_dates` gives; afterwards, and for
    # borrowers without a known payday, the rule above. "due-date" turns it off.
    timing: str = "due-date"
    grace_days: int = 0
    attempts_in_grace: int = 1
    # A round asks the borrower's repayment sources in priority order: the next one for what a source
    # could not pay (insufficient funds, a partial debit, a declined mandate), up to this many.
    sources_per_round: int = 1

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"

    def attempt_today(self, days_past_due: int) -> bool:
        """Whether a loan this many days late is asked for money today."""
        assert days_past_due >= 0, "days past due is never negative"
        if days_past_due <= self.daily_until_days_past_due:
            return True
        if days_past_due > self.stop_after_days_past_due:
            return False
        return (days_past_due - self.daily_until_days_past_due) % self.then_every_days == 0

    def attempt_mask(self, days_past_due: np.ndarray) -> np.ndarray:
        """`attempt_today` for an int64 array."""
        late = days_past_due - self.daily_until_days_past_due
        spaced = (late % self.then_every_days == 0) & (days_past_due <= self.stop_after_days_past_due)
        return (days_past_due <= self.daily_until_days_past_due) | spaced

    def minimum(self, cur: Currency) -> Money | None:
        """The smallest partial debit in `cur`, or None when only whole amounts are taken."""
        return Money.parse(self.partial_min, cur, field="partial_min") if self.partial_debit else None


def parse_policy(data: dict[str, Any], source: str) -> DebitPolicy:
    """A validated policy from a parsed TOML table; every problem names its setting."""
    known = set(DebitPolicy.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise DebitPolicyInvalid(f"unknown setting(s) {', '.join(unknown)} (in {source})", field=unknown[0])
    missing = sorted(known - set(data) - set(OPTIONAL))
    if missing:
        raise DebitPolicyInvalid(f"missing setting(s) {', '.join(missing)} (in {source})", field=missing[0])
    policy = DebitPolicy(**data)
    _check_types(policy, source)
    _check_ranges(policy, source)
    return policy


def _check_types(policy: DebitPolicy, source: str) -> None:
    for name, kind in (("policy_id", str), ("partial_min", str), ("partial_debit", bool), ("collect_charged_off", bool),
                       ("timing", str)):
        if not isinstance(getattr(policy, name), kind):
            raise DebitPolicyInvalid(f"must be {kind.__name__} (in {source})", field=name)
    for name in ("version", "rounds_per_day", "daily_until_days_past_due", "then_every_days", "stop_after_days_past_due",
                 "grace_days", "attempts_in_grace", "sources_per_round"):
        value = getattr(policy, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DebitPolicyInvalid(f"must be a whole number (in {source})", field=name)


def _check_ranges(policy: DebitPolicy, source: str) -> None:
    if not 1 <= policy.rounds_per_day <= ROUNDS_MAX:
        raise DebitPolicyInvalid(f"must be 1 to {ROUNDS_MAX} (in {source})", field="rounds_per_day")
    if not 1 <= policy.then_every_days <= DAYS_PAST_DUE_MAX:  # the array rule computes in int64
        raise DebitPolicyInvalid(f"must be 1 to {DAYS_PAST_DUE_MAX} (in {source})", field="then_every_days")
    if not 0 <= policy.daily_until_days_past_due <= policy.stop_after_days_past_due <= DAYS_PAST_DUE_MAX:
        raise DebitPolicyInvalid(
            f"need 0 <= daily_until_days_past_due <= stop_after_days_past_due <= {DAYS_PAST_DUE_MAX} (in {source})",
            field="stop_after_days_past_due",
        )
    _check_timing(policy, source)
    if policy.version < 1:
        raise DebitPolicyInvalid(f"must be at least 1 (in {source})", field="version")
    minimum = Money.parse(policy.partial_min, "CNY", field="partial_min")
    if not minimum.is_positive():
        raise DebitPolicyInvalid(f"must be positive (in {source})", field="partial_min")


def _check_timing(policy: DebitPolicy, source: str) -> None:
    from creditline.servicing.debit_timing import ATTEMPTS_MAX, GRACE_DAYS_MAX

    if policy.timing not in TIMINGS:
        raise DebitPolicyInvalid(f"must be one of {', '.join(TIMINGS)} (in {source})", field="timing")
    if not 0 <= policy.grace_days <= GRACE_DAYS_MAX:
        raise DebitPolicyInvalid(f"must be 0 to {GRACE_DAYS_MAX} (in {source})", field="grace_days")
    if not 1 <= policy.attempts_in_grace <= ATTEMPTS_MAX:
        raise DebitPolicyInvalid(f"must be 1 to {ATTEMPTS_MAX} (in {source})", field="attempts_in_grace")
    if not 1 <= policy.sources_per_round <= SOURCES_MAX:
        raise DebitPolicyInvalid(f"must be 1 to {SOURCES_MAX} (in {source})", field="sources_per_round")


def load_policy(text: str, *, source: str) -> DebitPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DebitPolicyInvalid(f"{source} is not valid TOML: {exc}", field="policy") from None
    return parse_policy(data, source)


@lru_cache(maxsize=16)
def builtin_policy(name: str = "auto-debit") -> DebitPolicy:
    folder = resources.files("creditline.servicing").joinpath("debit_policies")
    entry = folder.joinpath(f"{name}.toml")
    if not entry.is_file():
        raise DebitPolicyInvalid(f"no shipped debit policy {name!r}", field="policy")
    return load_policy(entry.read_text(encoding="utf-8"), source=f"{name}.toml")
