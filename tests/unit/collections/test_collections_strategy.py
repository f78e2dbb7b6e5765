"""Collections strategy files: the shipped one, and files that must be refused (naming the field)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from creditline.servicing.collections_errors import StrategyInvalid
from creditline.servicing.collections_strategy import bucket_days, builtin_strategy, parse_strategy

SHIPPED = Path(__file__).resolve().parents[3] / "src/creditline/servicing/collections_strategies/collections_cn.yaml"


def _data() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def _refused(data: dict) -> StrategyInvalid:
    with pytest.raises(StrategyInvalid) as caught:
        parse_strategy(yaml.safe_dump(data, allow_unicode=True), source="test.yaml")
    return caught.value


def test_the_shipped_strategy_maps_days_to_stages_and_scores_to_segments() -> None:
    strategy = builtin_strategy()
    assert strategy.label == "collections_cn@2025.07.3"
    assert [strategy.stage_of(day).name for day in (-3, 0, 1, 30, 31, 90, 91, 400)] == [
        "reminder", "reminder", "early", "early", "mid", "mid", "late", "late",
    ]  # fmt: skip
    assert strategy.stage_of(-40) is None
    assert [strategy.segment_of(s).name for s in (780, 650, 649, 550, 549, 0, None)] == [
        "low", "low", "medium", "medium", "high", "high", "medium",
    ]  # fmt: skip


def test_buckets_cover_thirty_days_each() -> None:
    assert bucket_days("M0") == (-31, 0)
    assert bucket_days("M1") == (1, 30)
    assert bucket_days("M6") == (151, 180)
    assert bucket_days("M7") == (181, None)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ((), "strategy.escalation"),
        (("contact_rules",), "strategy.contact_rules.quiet_strat"),
        (("stages", 1, "actions", 0), "strategy.stages.1.actions.0.chanel"),
        (("templates", "due_soon"), "strategy.templates.due_soon.fr"),
    ],
)
def test_an_unknown_field_anywhere_is_refused_by_name(path: tuple, field: str) -> None:
    data = _data()
    target = data
    for step in path:
        target = target[step]
    target[field.rsplit(".", 1)[1]] = "x"
    error = _refused(data)
    assert error.field == field
    assert error.code == "strategy_invalid"
    assert "unknown field" in error.message and "test.yaml" in error.message


def test_third_party_contact_cannot_be_switched_on() -> None:
    data = _data()
    data["contact_rules"]["third_parties"] = "allowed"
    assert _refused(data).field == "strategy.contact_rules.third_parties"


def test_a_message_scheduled_inside_the_quiet_hours_is_refused() -> None:
    data = _data()
    data["stages"][0]["actions"][0]["send_at"] = "21:30"
    assert "quiet hours" in _refused(data).message


def test_action_days_outside_their_stage_are_refused() -> None:
    data = _data()
    data["stages"][1]["actions"][0]["days"] = [45]  # the early stage covers days 1-30
    assert "within the stage's collection days 1 to 30" in _refused(data).message


def test_a_bucket_in_two_stages_is_refused() -> None:
    data = _data()
    data["stages"][2]["buckets"] = ["M1", "M2", "M3"]
    assert "two stages" in _refused(data).message


def test_two_actions_with_one_id_are_refused() -> None:
    """The id keys each day's contact (col:<date>:<loan>:<action>): two actions sharing one, on the
    same day, crashed the collections stage of every end of day on the contacts' unique key."""
    data = _data()
    data["stages"][0]["actions"][1]["id"] = "due-in-3"
    error = _refused(data)
    assert error.field == "strategy" and "stage reminder, action due-in-3: the id is used twice" in error.message
    data = _data()
    data["stages"][3]["actions"][1]["id"] = "overdue-first"  # in another stage: one id, one meaning
    assert "action overdue-first: the id is used twice" in _refused(data).message


@pytest.mark.parametrize("field", ["from_day", "to_day"])
def test_a_collection_day_beyond_ten_years_is_refused(field: str) -> None:
    """The planner's int64 arrays overflowed on such a day (OverflowError in the collections stage)."""
    data = _data()
    data["stages"][3]["actions"][0][field] = 10**21
    error = _refused(data)
    assert error.field == f"strategy.stages.3.actions.0.{field}" and "3650" in error.message


def test_a_template_with_an_unknown_placeholder_is_refused() -> None:
    data = _data()
    data["templates"]["due_soon"]["en"] = "Pay {everything} now"
    error = _refused(data)
    assert error.field == "strategy.templates.due_soon.en" and "{everything}" in error.message


@pytest.mark.parametrize(("text", "written"), [("{amount!r}", "{amount!r}"), ("{amount:>40}", "{amount:>40}")])
def test_a_known_placeholder_with_a_conversion_or_format_is_refused_as_such(text: str, written: str) -> None:
    data = _data()
    data["templates"]["due_soon"]["zh"] = f"pay {text}"
    error = _refused(data)
    assert error.field == "strategy.templates.due_soon.zh"
    assert written in error.message and "unknown placeholder" not in error.message


@pytest.mark.parametrize("share", ["1e-101", "1E+1_01", "1/1e101"])
def test_a_share_with_an_exponent_beyond_a_hundred_is_refused(share: str) -> None:
    """Fraction("1e999999999") computes 10**999999999: `strategy check` ran for minutes and ran out of memory."""
    data = _data()
    data["promises"]["share_of_overdue_min"] = share
    error = _refused(data)
    assert error.field == "strategy.promises.share_of_overdue_min" and "is not a ratio" in error.message


def test_a_call_needs_a_queue_and_messages_need_templates() -> None:
    data = _data()
    data["stages"][0]["actions"].append({"id": "pre-call", "days": [-1], "channel": "call"})
    assert "queue" in _refused(data).message
    data = _data()
    del data["stages"][0]["actions"][0]["template"]
    assert "template" in _refused(data).message


def test_not_yaml_and_not_a_mapping_are_refused() -> None:
    with pytest.raises(StrategyInvalid) as caught:
        parse_strategy("name: [unclosed", source="bad.yaml")
    assert caught.value.field == "bad.yaml"
    with pytest.raises(StrategyInvalid):
        parse_strategy("- a list", source="list.yaml")


def test_the_digest_changes_with_any_setting() -> None:
    data = _data()
    base = parse_strategy(yaml.safe_dump(data, allow_unicode=True)).digest
    data["contact_rules"]["per_week_max"] = 9
    assert parse_strategy(yaml.safe_dump(data, allow_unicode=True)).digest != base
