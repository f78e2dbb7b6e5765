"""The profile's running statistics equal a full recomputation; it stays small; it round-trips as JSON."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.risk.transactions import Activity, ActivityKind, Profile, ProfileInvalid, observe
from creditline.risk.transactions.profile import DEVICES_MAX, RECENT_MAX

T0 = 1_735_689_600


@settings(max_examples=60)
@given(st.lists(st.integers(100, 10**9), min_size=2, max_size=60))
def test_welford_matches_the_two_pass_statistics(amounts: list[int]) -> None:
    profile = Profile()
    for i, amount in enumerate(amounts):
        activity = Activity(ActivityKind.DRAWDOWN, T0 + i, i % 24, "d", "a", amount, 10**10, 10**10)
        profile = observe(profile, activity, trusted=True)
    logs = np.log(np.array(amounts, dtype=np.float64))
    assert profile.drawdowns == len(amounts)
    assert math.isclose(profile.log_amount_mean, float(logs.mean()), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(profile.log_amount_std(), float(logs.std(ddof=1)), rel_tol=1e-6, abs_tol=1e-9)
    assert sum(profile.hours) == len(amounts)
    assert Profile.from_json(profile.to_json()) == profile


def test_devices_and_recent_times_stay_bounded_and_json_stays_small() -> None:
    profile = Profile()
    for i in range(200):
        activity = Activity(ActivityKind.DRAWDOWN, T0 + i * 60, 12, f"device-{i:03d}" * 3, f"acct-{i}", 1000, 10**6, 10**6)
        profile = observe(profile, activity, trusted=True)
    assert len(profile.devices) == DEVICES_MAX
    assert profile.devices[-1][0] == "device-199" * 3  # the most recently seen is kept
    assert len(profile.recent_s) == RECENT_MAX
    assert len(profile.to_json()) < 1_200


def test_an_untrusted_attempt_only_counts_for_velocity() -> None:
    profile = observe(Profile(), Activity(ActivityKind.DRAWDOWN, T0, 12, "d", "a", 1000, 10**6, 10**6), trusted=True)
    attempt = Activity(ActivityKind.DRAWDOWN, T0 + 60, 3, "attacker", "mule", 10**6, 10**6, 10**6)
    after = observe(profile, attempt, trusted=False)
    assert after.recent_s == (T0, T0 + 60)
    assert after.devices == profile.devices and after.accounts == profile.accounts
    assert after.drawdowns == 1 and after.hours == profile.hours


def test_a_corrupted_profile_is_a_typed_error() -> None:
    with pytest.raises(ProfileInvalid) as caught:
        Profile.from_json('{"v": 1, "h": []}')
    assert caught.value.field == "profile"
