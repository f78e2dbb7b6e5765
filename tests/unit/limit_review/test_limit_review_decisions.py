"""The limit review's decisions: raised only for steady payers, lowered or frozen on signals, within caps."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.lending.credit_line import LineStatus
from creditline.money import Money
from creditline.risk.limits import builtin_limit_policy
from creditline.servicing.behaviour import BehaviourScore
from creditline.servicing.behaviour_history import PaymentRecord
from creditline.servicing.limit_review import (
    Action,
    LimitReviewPolicyInvalid,
    LineFacts,
    builtin_limit_review_policy,
    parse_limit_review_policy,
    review_line,
)

POLICY = builtin_limit_review_policy()
LIMITS = builtin_limit_policy("limits_cn")  # CNY 100 steps, CNY 500 minimum, CNY 200,000 and 1/3 of income


def _cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def _steady(**changes) -> LineFacts:
    facts = LineFacts(
        line_id="LN1", borrower_id="B1", status=LineStatus.ACTIVE, limit=_cny("10000"), outstanding=_cny("6000"),
        tenure_months=8, record=PaymentRecord(6, 6, 6, 0, 0), days_past_due_now=0,
        score=BehaviourScore(740, {}, (), "card@1"), open_signals=frozenset(), days_since_last_raise=None,
        income_annual_minor=24_000_000, other_lenders_balance_minor=0,
    )  # fmt: skip
    return replace(facts, **changes)


def test_a_steady_payer_gets_twenty_percent_more() -> None:
    decision = review_line(_steady(), POLICY, LIMITS)
    assert (decision.action, decision.new_limit, decision.binding) == (Action.RAISE, _cny("12000"), "step")
    assert [r.code for r in decision.reasons] == ["steady_payer", "raised"]
    assert decision.change_reason().startswith("limit review limit_review_cn@2025.07.3: raise (score 740); 6 of 6")


def test_a_step_is_at_most_ten_thousand_and_rounds_down_to_a_hundred() -> None:
    big = review_line(_steady(limit=_cny("80000"), outstanding=_cny("50000"), income_annual_minor=60_000_000), POLICY, LIMITS)
    assert (big.new_limit, big.binding) == (_cny("90000"), "step")
    odd = review_line(_steady(limit=_cny("1234"), outstanding=_cny("1000")), POLICY, LIMITS)
    assert odd.new_limit == _cny("1400")  # 1234 + 246.80 = 1480.80, down to the hundred


def test_the_income_cap_binds_net_of_other_lenders() -> None:
    # A third of CNY 36,000 a year is CNY 12,000; CNY 1,500 owed elsewhere leaves CNY 10,500.
    decision = review_line(_steady(income_annual_minor=3_600_000, other_lenders_balance_minor=150_000), POLICY, LIMITS)
    assert (decision.action, decision.new_limit, decision.binding) == (Action.RAISE, _cny("10500"), "jurisdiction_income_cap")


def test_at_the_cap_already_the_limit_is_kept_with_the_reason() -> None:
    decision = review_line(_steady(income_annual_minor=3_000_000), POLICY, LIMITS)
    assert (decision.action, decision.new_limit) == (Action.KEEP, _cny("10000"))
    assert decision.reasons[-1].code == "capped_jurisdiction_income_cap"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"score": BehaviourScore(699, {}, (), "c")}, "not_score"),
        ({"tenure_months": 5}, "not_tenure"),
        ({"record": PaymentRecord(2, 2, 2, 0, 0)}, "not_history"),
        ({"record": PaymentRecord(6, 5, 6, 10, 0)}, "not_on_time"),
        ({"record": PaymentRecord(6, 6, 6, 4, 0)}, "not_late_12m"),
        ({"outstanding": _cny("2900")}, "not_usage"),
        ({"days_since_last_raise": 89}, "not_recent_raise"),
        ({"income_annual_minor": None}, "not_income_unknown"),
        ({"status": LineStatus.FROZEN}, "line_frozen"),
    ],
)
def test_no_raise_unless_every_condition_holds(changes: dict, code: str) -> None:
    decision = review_line(_steady(**changes), POLICY, LIMITS)
    assert (decision.action, decision.new_limit) == (Action.KEEP, _cny("10000"))
    assert code in [r.code for r in decision.reasons]


def test_severe_signals_freeze_the_line_with_their_reasons() -> None:
    decision = review_line(_steady(open_signals=frozenset({"fraud_signal", "utilisation_spike"})), POLICY, LIMITS)
    assert decision.action is Action.FREEZE
    assert [r.code for r in decision.reasons] == ["signal_fraud_signal"]
    late = review_line(_steady(days_past_due_now=31), POLICY, LIMITS)
    assert (late.action, [r.code for r in late.reasons]) == (Action.FREEZE, ["days_past_due"])
    assert review_line(_steady(days_past_due_now=30), POLICY, LIMITS).action is not Action.FREEZE
    written_off = review_line(_steady(loans_written_off=1, days_past_due_now=0), POLICY, LIMITS)
    assert (written_off.action, [(r.code, r.text) for r in written_off.reasons]) == (
        Action.FREEZE, [("written_off", "1 loan on the line was written off unpaid")])
    frozen = review_line(_steady(status=LineStatus.FROZEN, days_past_due_now=40), POLICY, LIMITS)
    assert frozen.action is Action.KEEP  # already frozen


def test_a_loan_past_due_on_another_line_holds_a_raise() -> None:
    decision = review_line(_steady(days_past_due_elsewhere=4), POLICY, LIMITS)
    assert (decision.action, decision.new_limit) == (Action.KEEP, _cny("10000"))
    assert [(r.code, r.text) for r in decision.reasons] == [
        ("not_late_elsewhere", "a loan on another of the borrower's lines is 4 days past due")]


def test_warning_signals_and_a_low_score_cut_a_quarter() -> None:
    decision = review_line(_steady(open_signals=frozenset({"failed_debits"})), POLICY, LIMITS)
    assert (decision.action, decision.new_limit) == (Action.LOWER, _cny("7500"))
    assert [r.code for r in decision.reasons] == ["signal_failed_debits"]
    low = review_line(_steady(score=BehaviourScore(549, {}, ("days_past_due_now",), "c")), POLICY, LIMITS)
    assert (low.action, low.new_limit) == (Action.LOWER, _cny("7500"))
    assert "weakest: days past due now" in low.reasons[0].text


def test_a_cut_below_the_minimum_limit_freezes_instead() -> None:
    decision = review_line(_steady(limit=_cny("600"), open_signals=frozenset({"failed_debits"})), POLICY, LIMITS)
    assert decision.action is Action.FREEZE
    assert [r.code for r in decision.reasons] == ["signal_failed_debits", "below_minimum"]


def test_a_policy_with_an_unknown_field_is_refused() -> None:
    data = yaml.safe_load(POLICY.model_dump_json(by_alias=True))
    data["raise"]["step_pct"] = 20
    with pytest.raises(LimitReviewPolicyInvalid) as caught:
        parse_limit_review_policy(yaml.safe_dump(data))
    assert caught.value.field == "limit_review_policy.raise.step_pct"


@pytest.mark.parametrize(("section", "kind"), [("lower", "failed_debit"), ("freeze", "fraud"), ("freeze", "roll_rate")])
def test_a_signal_that_is_not_an_alert_kind_about_a_borrower_is_refused(section: str, kind: str) -> None:
    """A misspelt kind would never match an alert: the rule would be off without a word."""
    data = yaml.safe_load(POLICY.model_dump_json(by_alias=True))
    data[section]["signals"] = [*data[section]["signals"], kind]
    with pytest.raises(LimitReviewPolicyInvalid) as caught:
        parse_limit_review_policy(yaml.safe_dump(data))
    assert caught.value.field == f"limit_review_policy.{section}.signals"
    assert repr(kind) in caught.value.message


facts = st.builds(
    LineFacts,
    line_id=st.just("LN"), borrower_id=st.just("B"),
    status=st.sampled_from([LineStatus.ACTIVE, LineStatus.FROZEN]),
    limit=st.integers(0, 300_000).map(lambda major: _cny(str(major))),
    outstanding=st.integers(0, 300_000).map(lambda major: _cny(str(major))),
    tenure_months=st.integers(0, 40),
    record=st.tuples(st.integers(0, 20), st.integers(0, 20), st.integers(0, 40)).map(
        lambda t: PaymentRecord(t[0], min(t[0], t[1]), min(t[0], t[1]), t[2], 0)),
    days_past_due_now=st.integers(0, 60),
    score=st.integers(0, 800).map(lambda s: BehaviourScore(s, {}, (), "c")),
    open_signals=st.frozensets(st.sampled_from(["failed_debits", "utilisation_spike", "fraud_signal",
                                                "first_payment_default"]), max_size=2),
    days_since_last_raise=st.none() | st.integers(0, 400),
    income_annual_minor=st.none() | st.integers(0, 200_000_000),
    other_lenders_balance_minor=st.integers(0, 30_000_000),
    loans_written_off=st.sampled_from([0, 0, 0, 1]),
    days_past_due_elsewhere=st.sampled_from([0, 0, 0, 5]),
)  # fmt: skip


@settings(max_examples=300)
@given(facts)
def test_every_decision_keeps_the_policy_and_the_caps(line: LineFacts) -> None:
    decision = review_line(line, POLICY, LIMITS)
    rules = POLICY.raise_rules
    if decision.action is Action.RAISE:
        assert line.status is LineStatus.ACTIVE and not line.open_signals and line.loans_written_off == 0
        assert line.score.score >= rules.score_min and line.tenure_months >= rules.tenure_months_min
        assert line.record.installments_due >= rules.installments_due_min
        assert line.record.installments_on_time == line.record.installments_due
        assert line.record.days_past_due_max <= rules.days_past_due_max_12m_max and line.days_past_due_now == 0
        assert line.days_past_due_elsewhere == 0
        assert line.limit.minor < decision.new_limit.minor <= line.limit.minor + rules.step_max_major * 100
        assert decision.new_limit.minor <= 200_000 * 100 - line.other_lenders_balance_minor
        assert line.income_annual_minor is not None
        assert decision.new_limit.minor <= line.income_annual_minor // 3 - line.other_lenders_balance_minor
        assert decision.new_limit.minor % 10_000 == 0
    elif decision.action is Action.LOWER:
        assert 50_000 <= decision.new_limit.minor < line.limit.minor and decision.new_limit.minor % 10_000 == 0
        assert decision.reasons
    elif decision.action is Action.FREEZE:
        assert line.status is LineStatus.ACTIVE and decision.new_limit == line.limit
        assert {r.code for r in decision.reasons} & {"days_past_due", "signal_fraud_signal",
                                                     "signal_first_payment_default", "below_minimum", "written_off"}  # fmt: skip
    else:
        assert decision.new_limit == line.limit and decision.reasons


def test_a_frozen_line_is_cut_again_only_after_a_new_alert() -> None:
    """A frozen line with a low score was cut by a quarter at every review (10,000 -> 7,500 -> 5,600 -> ...):
    it cannot be drawn, so each cut on the same facts only shrank it toward nothing."""
    from datetime import date

    low = _steady(status=LineStatus.FROZEN, score=BehaviourScore(500, {}, (), "card@1"))
    first = review_line(low, POLICY, LIMITS)
    assert (first.action, first.new_limit) == (Action.LOWER, _cny("7500"))  # never cut before
    cut = replace(low, limit=_cny("7500"), last_cut_on=date(2025, 3, 5), newest_alert_on=date(2025, 3, 5))
    again = review_line(cut, POLICY, LIMITS)
    assert (again.action, again.new_limit) == (Action.KEEP, _cny("7500"))
    assert [r.code for r in again.reasons] == ["score_low", "frozen_no_news"]
    news = review_line(replace(cut, newest_alert_on=date(2025, 3, 20)), POLICY, LIMITS)
    assert (news.action, news.new_limit) == (Action.LOWER, _cny("5600"))
    active = review_line(replace(cut, status=LineStatus.ACTIVE), POLICY, LIMITS)
    assert active.action is Action.LOWER  # an active line can still be drawn: its low score still cuts


def test_utilisation_is_measured_against_the_limit_before_the_cuts_since_the_last_draw() -> None:
    from datetime import date

    from creditline.servicing.limit_review import usage_limit

    cuts = [(date(2025, 1, 1), 1_000_000), (date(2025, 2, 1), 750_000)]  # 10,000 -> 7,500 -> 5,600
    assert usage_limit(560_000, cuts, date(2024, 12, 1), None) == 1_000_000  # no draw since either cut
    assert usage_limit(560_000, cuts, date(2025, 1, 1), None) == 750_000  # drew on the day of the first cut
    assert usage_limit(560_000, cuts, date(2025, 2, 3), None) == 560_000  # drew after both: their own use
    assert usage_limit(560_000, cuts, date(2024, 12, 1), date(2025, 1, 15)) == 750_000  # raised between them
    assert usage_limit(560_000, [], None, None) == 560_000
    cut = _steady(limit=_cny("7500"), outstanding=_cny("9000"))
    assert (cut.utilisation_pct, replace(cut, usage_limit_minor=1_000_000).utilisation_pct) == (120, 90)
