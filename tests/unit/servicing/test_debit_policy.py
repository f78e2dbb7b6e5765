"""The auto-debit retry policy: the shipped file, the rule in two speeds, bad files named by setting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.money import currency
from creditline.servicing.autodebit import attempt_key
from creditline.servicing.debit_policy import DebitPolicyInvalid, builtin_policy, load_policy, parse_policy

SHIPPED = builtin_policy()


def test_the_shipped_policy_asks_daily_for_a_week_then_every_third_day_until_90() -> None:
    asked = [d for d in range(0, 120) if SHIPPED.attempt_today(d)]
    assert asked[:8] == list(range(8)) and asked[8:11] == [10, 13, 16] and asked[-1] == 88
    assert (SHIPPED.key, SHIPPED.rounds_per_day, SHIPPED.partial_debit) == ("auto-debit@2", 2, True)
    assert SHIPPED.minimum(currency("CNY")).minor == 1000


@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=50),
       st.integers(0, 30), st.integers(1, 10), st.integers(0, 400))
def test_the_array_rule_equals_the_per_loan_rule(days: list[int], daily: int, every: int, stop: int) -> None:
    data = {**{f: getattr(SHIPPED, f) for f in SHIPPED.__dataclass_fields__},
            "daily_until_days_past_due": daily, "then_every_days": every, "stop_after_days_past_due": max(stop, daily)}
    policy = parse_policy(data, "test")
    mask = policy.attempt_mask(np.array(days, dtype=np.int64))
    assert mask.tolist() == [policy.attempt_today(d) for d in days]


@pytest.mark.parametrize(("change", "field"), [
    ({"rounds_per_day": 0}, "rounds_per_day"),
    ({"then_every_days": 0}, "then_every_days"),
    ({"then_every_days": 10**21}, "then_every_days"),  # overflowed the array rule (OverflowError at end of day)
    ({"daily_until_days_past_due": 100}, "stop_after_days_past_due"),
    ({"partial_min": "ten"}, "partial_min"),
    ({"partial_debit": "yes"}, "partial_debit"),
    ({"surprise": 1}, "surprise"),
])
def test_a_bad_policy_is_refused_naming_the_setting(change: dict, field: str) -> None:
    data = {f: getattr(SHIPPED, f) for f in SHIPPED.__dataclass_fields__} | change
    with pytest.raises(Exception) as caught:
        parse_policy(data, "bad.toml")
    assert getattr(caught.value, "field", None) == field


def test_a_missing_setting_or_broken_toml_is_a_typed_error() -> None:
    with pytest.raises(DebitPolicyInvalid) as caught:
        load_policy('policy_id = "x"\nversion = 1\n', source="x.toml")
    assert caught.value.field is not None and "missing" in caught.value.message
    with pytest.raises(DebitPolicyInvalid):
        load_policy("policy_id = ", source="x.toml")


def test_attempt_keys_are_deterministic_and_distinct_per_round() -> None:
    from datetime import date

    assert attempt_key("L1", date(2025, 2, 1), 1) == "ad:L1:2025-02-01:1" != attempt_key("L1", date(2025, 2, 1), 2)
