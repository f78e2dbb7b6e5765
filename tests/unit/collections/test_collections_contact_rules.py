"""Conduct rules: no contact in the quiet hours, daily, per-channel and weekly caps, the borrower only.

The property: whatever contacts are attempted, in whatever order, on whatever channels and in whatever
time zone (DST included), the ones the rules admit never fall in the quiet hours and never exceed a cap
on any local day or in any window of seven local days.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.servicing.collections_contact_rules import (
    Admissions,
    Party,
    PastContact,
    admit_in_order,
    check_contact,
    epoch_at,
    local_time,
    require_contact,
)
from creditline.servicing.collections_errors import CollectionsInputInvalid, ContactRefused
from creditline.servicing.collections_strategy import ContactRules, builtin_strategy, in_quiet_hours
from creditline.servicing.notifications import Channel

RULES = builtin_strategy().contact_rules
SHANGHAI = "Asia/Shanghai"
ZONES = ("Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Europe/London")
START_S = int(datetime(2025, 3, 1, tzinfo=UTC).timestamp())  # New York and London change clocks in March
SPAN_S = 21 * 86_400


def _at(day: int, hour: int, minute: int = 0, zone: str = SHANGHAI) -> int:
    return epoch_at(date(2025, 3, day), hour, minute, ZoneInfo(zone))


def test_the_quiet_hours_are_local_and_half_open() -> None:
    allowed = [_at(3, 8, 0), _at(3, 20, 59), _at(3, 12, 0)]
    refused = [_at(3, 21, 0), _at(3, 23, 30), _at(3, 0, 0), _at(3, 7, 59)]
    assert all(check_contact(Channel.CALL, at, SHANGHAI, [], RULES).allowed for at in allowed)
    for at in refused:
        verdict = check_contact(Channel.CALL, at, SHANGHAI, [], RULES)
        assert (verdict.allowed, verdict.rule) == (False, "quiet_hours")
    # 10:00 in Shanghai is 22:00 the evening before in New York: quiet there.
    assert not check_contact(Channel.SMS, _at(3, 10, 0), "America/New_York", [], RULES).allowed


def test_the_fourth_contact_of_a_day_is_refused_and_the_next_day_is_fine() -> None:
    history = [PastContact(Channel.CALL, _at(3, h)) for h in (9, 11, 14)]
    verdict = check_contact(Channel.CALL, _at(3, 16), SHANGHAI, history, RULES)
    assert (verdict.allowed, verdict.rule) == (False, "day_cap")
    assert check_contact(Channel.CALL, _at(4, 9), SHANGHAI, history, RULES).allowed


def test_the_channel_cap_holds_below_the_daily_cap() -> None:
    history = [PastContact(Channel.SMS, _at(3, 9))]
    verdict = check_contact(Channel.SMS, _at(3, 11), SHANGHAI, history, RULES)
    assert (verdict.allowed, verdict.rule) == (False, "channel_day_cap")
    assert check_contact(Channel.IN_APP, _at(3, 11), SHANGHAI, history, RULES).allowed


def test_the_weekly_cap_counts_any_seven_local_days_either_side() -> None:
    # Two contacts a day from 4 to 8 March: ten, the most any seven days may hold.
    history = [PastContact(c, _at(d, h)) for d in range(4, 9) for c, h in ((Channel.IN_APP, 9), (Channel.CALL, 15))]
    refused = check_contact(Channel.CALL, _at(8, 18), SHANGHAI, history, RULES)
    assert (refused.allowed, refused.rule) == (False, "week_cap")
    assert not check_contact(Channel.CALL, _at(10, 10), SHANGHAI, history, RULES).allowed  # 4-10 is full
    assert check_contact(Channel.CALL, _at(11, 10), SHANGHAI, history, RULES).allowed  # 5-11 holds eight
    # A contact recorded late (out of order) is held to the windows after it too.
    assert not check_contact(Channel.CALL, _at(2, 10), SHANGHAI, history, RULES).allowed  # 2-8 is full
    assert check_contact(Channel.CALL, _at(1, 10), SHANGHAI, history, RULES).allowed  # 1-7 holds eight


def test_a_third_party_is_never_contacted() -> None:
    verdict = check_contact(Channel.CALL, _at(3, 10), SHANGHAI, [], RULES, Party.THIRD_PARTY)
    assert (verdict.allowed, verdict.rule) == (False, "third_party")
    with pytest.raises(ContactRefused) as caught:
        require_contact(Channel.CALL, _at(3, 10), SHANGHAI, [], RULES, Party.THIRD_PARTY)
    assert (caught.value.code, caught.value.field) == ("contact_third_party", "party")


def test_a_refused_contact_names_its_rule() -> None:
    with pytest.raises(ContactRefused) as caught:
        require_contact(Channel.CALL, _at(3, 22), SHANGHAI, [], RULES)
    assert (caught.value.code, caught.value.field) == ("contact_quiet_hours", "at")
    assert "22:00 (Asia/Shanghai)" in caught.value.message


def test_an_unknown_time_zone_is_a_typed_error() -> None:
    with pytest.raises(CollectionsInputInvalid) as caught:
        check_contact(Channel.CALL, _at(3, 10), "Mars/Olympus", [], RULES)
    assert caught.value.field == "time_zone"


attempts = st.lists(
    st.tuples(st.sampled_from(list(Channel)), st.integers(0, SPAN_S)), min_size=1, max_size=60
)


@settings(max_examples=150)
@given(zone=st.sampled_from(ZONES), tried=attempts)
def test_admitted_contacts_never_break_quiet_hours_or_caps(zone: str, tried: list[tuple[Channel, int]]) -> None:
    admitted: list[PastContact] = []
    for channel, offset in tried:  # in the (random) order they were attempted
        at_s = START_S + offset
        if check_contact(channel, at_s, zone, admitted, RULES).allowed:
            admitted.append(PastContact(channel, at_s))
    _assert_within_rules(admitted, zone)


@settings(max_examples=100)
@given(zone=st.sampled_from(ZONES), earlier=attempts, planned=attempts)
def test_a_plan_admitted_in_order_keeps_the_rules_with_its_history(
    zone: str, earlier: list[tuple[Channel, int]], planned: list[tuple[Channel, int]]
) -> None:
    history: list[PastContact] = []
    for channel, offset in earlier:
        if check_contact(channel, START_S + offset, zone, history, RULES).allowed:
            history.append(PastContact(channel, START_S + offset))
    plan = sorted((channel, START_S + offset) for channel, offset in planned)
    verdicts = admit_in_order(plan, zone, history, RULES)
    admitted = [PastContact(c, at) for (c, at), v in zip(plan, verdicts, strict=True) if v.allowed]
    _assert_within_rules(history + admitted, zone)
    assert all(v.rule is not None for v in verdicts if not v.allowed)


def _assert_within_rules(contacts: list[PastContact], zone_name: str, rules: ContactRules = RULES) -> None:
    zone = ZoneInfo(zone_name)
    local = [(c.channel, local_time(c.at_s, zone)) for c in contacts]
    assert not any(in_quiet_hours(t.time(), rules.quiet_from, rules.quiet_until) for _, t in local)
    per_day = Counter(t.date() for _, t in local)
    assert max(per_day.values(), default=0) <= rules.per_day_max
    per_channel = Counter((c, t.date()) for c, t in local)
    for (channel, _), count in per_channel.items():
        assert count <= rules.per_day_max_by_channel.get(channel, rules.per_day_max)
    for start in per_day:
        for first in (start - timedelta(days=k) for k in range(7)):
            window = sum(per_day.get(first + timedelta(days=k), 0) for k in range(7))
            assert window <= rules.per_week_max


@st.composite
def contact_rules(draw: st.DrawFn) -> ContactRules:
    start, end = draw(st.integers(0, 23)), draw(st.integers(0, 23))
    day_max = draw(st.integers(1, 5))
    return ContactRules.model_validate({
        "quiet_start": f"{start:02d}:{draw(st.sampled_from([0, 30])):02d}",
        "quiet_end": f"{end:02d}:{draw(st.sampled_from([15, 45])):02d}",
        "per_day_max": day_max,
        "per_week_max": draw(st.integers(day_max, 12)),
        "per_day_max_by_channel": {"call": draw(st.integers(1, 4)), "sms": draw(st.integers(1, 3))},
        "third_parties": "forbidden",
        "source": "generated",
    })  # fmt: skip


@settings(max_examples=150)
@given(rules=contact_rules(), zone=st.sampled_from(ZONES),
       tried=st.lists(st.tuples(st.sampled_from(list(Channel)), st.integers(0, 9 * 86_400)), min_size=1, max_size=80))
def test_any_rules_hold_for_whatever_is_attempted(rules: ContactRules, zone: str, tried: list[tuple[Channel, int]]) -> None:
    admitted: list[PastContact] = []
    for channel, offset in tried:
        if check_contact(channel, START_S + offset, zone, admitted, rules).allowed:
            admitted.append(PastContact(channel, START_S + offset))
    _assert_within_rules(admitted, zone, rules)


@settings(max_examples=100)
@given(zone=st.sampled_from(ZONES), plans=st.lists(st.tuples(attempts, attempts), min_size=1, max_size=6),
       repeat=st.booleans())  # fmt: skip
def test_remembered_admissions_equal_admit_in_order(zone: str, plans: list, repeat: bool) -> None:
    """The stage's memo gives what `admit_in_order` gives, for any history in any order, asked again or not."""
    admissions = Admissions(RULES)
    for earlier, planned in plans * (2 if repeat else 1):
        history = [(str(channel), START_S + offset) for channel, offset in earlier[:12]]
        plan = sorted((channel, START_S + offset) for channel, offset in planned[:4])
        expected = admit_in_order(plan, zone, [PastContact(Channel(c), at) for c, at in history], RULES)
        assert admissions.admit(plan, zone, history) == expected
        assert admissions.admit(plan, zone, history[::-1]) == expected  # the history is a multiset
