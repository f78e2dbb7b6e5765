"""Transaction monitoring: each rule against a constructed profile, the score, the action, the takeover pattern."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditline.risk.transactions import (
    Action,
    Activity,
    ActivityInvalid,
    ActivityKind,
    MonitoringRules,
    Profile,
    RulesInvalid,
    assess,
    observe,
    rules_from_mapping,
)

DAY = 86_400
T0 = 1_735_689_600
RULES = MonitoringRules()


def draw(at_s: int, amount: int = 200_000, *, hour: int = 12, device: str = "phone", account: str = "card",
         available: int = 5_000_000) -> Activity:  # fmt: skip
    return Activity(ActivityKind.DRAWDOWN, at_s, hour, device, account, amount, 5_000_000, available)


def change(at_s: int, *, device: str = "phone", account: str = "card2", hour: int = 12) -> Activity:
    return Activity(ActivityKind.ACCOUNT_CHANGE, at_s, hour, device, account)


def habitual() -> Profile:
    """Ten drawdowns of 1,800-2,200 at midday from one phone to one card, a week apart."""
    profile = Profile()
    for i in range(10):
        profile = observe(profile, draw(T0 + i * 7 * DAY, 180_000 + 4_000 * i, hour=11 + i % 3), trusted=True)
    return profile


def test_an_ordinary_drawdown_fires_nothing() -> None:
    outcome = assess(habitual(), draw(T0 + 80 * DAY, 210_000, hour=12), RULES)
    assert outcome.rules == ()
    assert outcome.score == Decimal("0.0000")
    assert outcome.action is Action.ALLOW


@pytest.mark.parametrize(
    ("activity", "rule"),
    [
        (draw(T0 + 80 * DAY, hour=3), "odd_hour"),
        (draw(T0 + 80 * DAY, 2_000_000), "amount_above_habit"),
        (draw(T0 + 80 * DAY, 4_600_000, available=5_000_000), "amount_near_available"),
        (draw(T0 + 80 * DAY, device="new-phone"), "new_device"),
        (draw(T0 + 80 * DAY, account="other-card"), "new_account"),
    ],
)
def test_each_rule_fires_on_its_own(activity: Activity, rule: str) -> None:
    outcome = assess(habitual(), activity, RULES)
    assert rule in outcome.rules
    weight = Decimal(str(RULES.weights[rule]))
    if len(outcome.rules) == 1:
        assert outcome.score == weight


def test_velocity_counts_attempts_not_just_successes() -> None:
    profile = habitual()
    at = T0 + 80 * DAY
    for minutes in (0, 10):
        profile = observe(profile, draw(at + minutes * 60), trusted=False)
    outcome = assess(profile, draw(at + 20 * 60), RULES)
    assert "velocity_hour" in outcome.rules
    assert "velocity_day" not in outcome.rules


def test_noisy_or_adds_independent_signals() -> None:
    outcome = assess(habitual(), draw(T0 + 80 * DAY, device="new-phone", account="other-card"), RULES)
    assert outcome.rules == ("new_device", "new_account")
    assert outcome.score == Decimal("0.5100")  # 1 - 0.7 x 0.7
    assert outcome.action is Action.STEP_UP


def test_device_change_then_maximal_drawdown_to_a_new_account_is_held() -> None:
    outcome = assess(habitual(), draw(T0 + 80 * DAY, 4_900_000, device="attacker", account="mule"), RULES)
    assert "takeover_pattern" in outcome.rules
    assert outcome.action is Action.HOLD


def test_a_patient_takeover_is_held_after_the_step_up_it_got_through() -> None:
    profile = habitual()
    at = T0 + 80 * DAY
    first = assess(profile, change(at, device="attacker", account="mule", hour=2), RULES)
    assert first.action is Action.STEP_UP
    assert "takeover_account_change" in first.rules
    profile = observe(profile, change(at, device="attacker", account="mule", hour=2), trusted=True)
    later = assess(profile, draw(at + 2 * DAY, 4_900_000, device="attacker", account="mule"), RULES)
    assert {"device_recently_added", "account_recently_changed", "takeover_pattern"} <= set(later.rules)
    assert later.action is Action.HOLD
    much_later = assess(profile, draw(at + 9 * DAY, 200_000, device="attacker", account="mule"), RULES)
    assert much_later.action is Action.ALLOW  # a device used for a week and a settled account are familiar


def test_a_new_borrower_is_judged_without_habits() -> None:
    first = assess(Profile(), draw(T0, 4_900_000), RULES)
    assert first.rules == ("amount_near_available",)
    assert first.action is Action.ALLOW
    night = assess(Profile(), draw(T0, 100_000, hour=3), RULES)
    assert night.rules == ("odd_hour",)


def test_hold_and_step_up_thresholds_come_from_the_rules() -> None:
    strict = MonitoringRules(step_up_at=Decimal("0.20"), hold_at=Decimal("0.30"))
    assert assess(habitual(), draw(T0 + 80 * DAY, device="new-phone"), strict).action is Action.HOLD
    loaded = rules_from_mapping({"version": "strict-1", "hold_at": "0.5", "weights": {"new_device": 0.6}})
    outcome = assess(habitual(), draw(T0 + 80 * DAY, device="new-phone"), loaded)
    assert (outcome.score, outcome.action, outcome.rules_version) == (Decimal("0.6000"), Action.HOLD, "strict-1")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"surprise": 1}, "surprise"),
        ({"weights": {"new_device": 1.5}}, "weights"),
        ({"weights": {"made_up": 0.5}}, "weights"),
        ({"step_up_at": "0.9", "hold_at": "0.5"}, "step_up_at"),
        ({"velocity_day_max": 40}, "velocity_day_max"),
    ],
)
def test_bad_rules_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(RulesInvalid) as caught:
        rules_from_mapping(data)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Activity(ActivityKind.DRAWDOWN, T0, 24, "d", "a", 1, 1, 1), "local_hour"),
        (lambda: Activity(ActivityKind.DRAWDOWN, T0, 1, "", "a", 1, 1, 1), "device"),
        (lambda: Activity(ActivityKind.DRAWDOWN, T0, 1, "d", "a" * 65, 1, 1, 1), "account"),
        (lambda: Activity(ActivityKind.DRAWDOWN, T0, 1, "d", "a", 0, 1, 1), "amount"),
        (lambda: Activity(ActivityKind.DRAWDOWN, T0, 1, "d", "a", 5, 1, 2), "limit"),
    ],
)
def test_bad_activities_name_the_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ActivityInvalid) as caught:
        build()
    assert caught.value.field == field
