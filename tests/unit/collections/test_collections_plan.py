"""A loan's day in collections: stage, segment, messages (rendered, scheduled in local time), calls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.money import Money, currency
from creditline.servicing.collections_plan import DayPlanner, LoanCollectionFacts, collection_day, plan_loan
from creditline.servicing.collections_strategy import builtin_strategy
from creditline.servicing.notifications import Channel

STRATEGY = builtin_strategy()
ON = date(2025, 3, 10)


def _facts(days_past_due: int = 0, next_due: date | None = None, score: int | None = None, **extra) -> LoanCollectionFacts:
    return LoanCollectionFacts("L1", "B1", "revolving-consumer", days_past_due, next_due, Money.parse("550.08", "CNY"),
                               score, **extra)  # fmt: skip


def test_the_collection_day_counts_down_to_the_due_date_then_up_past_it() -> None:
    assert collection_day(0, date(2025, 3, 13), ON) == -3
    assert collection_day(0, ON, ON) == 0
    assert collection_day(12, date(2025, 4, 1), ON) == 12
    assert collection_day(0, None, ON) is None
    assert collection_day(0, date(2025, 3, 9), ON) is None


def test_three_days_before_the_due_date_an_sms_at_ten_local() -> None:
    plan = plan_loan(_facts(next_due=date(2025, 3, 13)), STRATEGY, ON)
    assert (plan.day, plan.stage, plan.call) == (-3, "reminder", None)
    (message,) = plan.messages
    assert (message.channel, message.template_id, message.template_version) == (Channel.SMS, "due_soon", 1)
    assert message.text == "您的借款将于2025-03-13到期，请确保还款账户余额充足。"
    assert datetime.fromtimestamp(message.at_s, UTC) == datetime(2025, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_the_first_day_overdue_names_the_amount_in_the_borrowers_language() -> None:
    plan = plan_loan(_facts(1, date(2025, 4, 1), language="en", time_zone="Europe/London"), STRATEGY, ON)
    (message,) = plan.messages
    assert message.text.startswith("Your loan is 1 days overdue: 550.08 CNY is due.")
    assert datetime.fromtimestamp(message.at_s, UTC) == datetime(2025, 3, 10, 10, 0, tzinfo=UTC)  # 10:00 GMT
    assert message.time_zone == "Europe/London"


def test_calls_go_to_risky_borrowers_first() -> None:
    risky = plan_loan(_facts(3, score=400), STRATEGY, ON)
    steady = plan_loan(_facts(3, score=700), STRATEGY, ON)
    assert risky.segment == "high" and risky.call is not None
    assert (risky.call.queue, risky.call.stage, risky.call.priority, risky.call.overdue_minor) == ("early", "early", 3, 55008)
    assert steady.segment == "low" and steady.call is None
    assert plan_loan(_facts(10, score=700), STRATEGY, ON).call is not None  # day 10: everyone is called


def test_later_buckets_are_later_stages_with_their_own_queues() -> None:
    assert plan_loan(_facts(31), STRATEGY, ON).call.queue == "mid"
    late = plan_loan(_facts(91), STRATEGY, ON)
    assert late.stage == "late" and late.call.queue == "late"
    assert [m.template_id for m in late.messages] == ["overdue_late"]


def test_a_pending_promise_pauses_automated_contact_but_not_the_stage() -> None:
    plan = plan_loan(_facts(1, promise_pending=True), STRATEGY, ON)
    assert plan.paused and plan.stage == "early"
    assert plan.messages == () and plan.call is None


def test_a_hardship_request_pauses_contact_about_an_overdue_loan_not_its_reminders() -> None:
    overdue = plan_loan(_facts(10, hardship_asked=True), STRATEGY, ON)
    assert overdue.paused and overdue.stage == "early"
    assert overdue.messages == () and overdue.call is None
    before_due = plan_loan(_facts(0, ON + timedelta(days=3), hardship_asked=True), STRATEGY, ON)  # re-aged to current
    assert not before_due.paused and [m.template_id for m in before_due.messages] == ["due_soon"]


def test_no_action_on_days_without_one() -> None:
    plan = plan_loan(_facts(0, date(2025, 3, 20)), STRATEGY, ON)
    assert (plan.day, plan.stage, plan.messages, plan.call) == (-10, "reminder", (), None)


facts_on_a_day = st.builds(
    LoanCollectionFacts,
    loan_id=st.sampled_from(["L1", "L2", "L3"]),
    borrower_id=st.sampled_from(["B1", "B2"]),
    product_id=st.sampled_from(["revolving-consumer", "installment-cash"]),
    days_past_due=st.one_of(st.just(0), st.integers(1, 400)),
    next_due=st.one_of(st.none(), st.dates(ON - timedelta(days=5), ON + timedelta(days=40))),
    overdue=st.builds(Money, st.integers(0, 10**9), st.sampled_from([currency("CNY"), currency("JPY")])),
    score=st.one_of(st.none(), st.integers(0, 1000)),
    promise_pending=st.booleans(),
    time_zone=st.sampled_from([None, "Asia/Shanghai", "America/New_York", "Pacific/Chatham"]),
    language=st.sampled_from([None, "zh", "en"]),
    hardship_asked=st.booleans(),
)


@settings(max_examples=300)
@given(st.lists(facts_on_a_day, min_size=1, max_size=40), st.sampled_from([ON, date(2025, 3, 9), date(2025, 11, 2)]))
def test_the_day_planner_equals_plan_loan(book: list[LoanCollectionFacts], on: date) -> None:
    """The stage's planner (stages, actions and send times remembered) plans every loan as `plan_loan` does."""
    planner = DayPlanner(STRATEGY, on)
    for facts in book * 2:  # the second time from what it remembered
        assert planner.plan(facts) == plan_loan(facts, STRATEGY, on)
