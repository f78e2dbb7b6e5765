"""Recommendation: the cheapest plan that does not strain, the trade-off table, the reasons in two languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.lending.apr import AprMethod, schedule_apr
from creditline.lending.plans import AffordabilityPolicy, BorrowerFinances, recommend_plan
from creditline.lending.product import builtin_product
from creditline.lending.product_errors import DrawdownAboveMaximum, TermNotOffered
from creditline.lending.schedule import Method, build_schedule
from creditline.money import Money

DISBURSED = date(2025, 1, 15)
RATE = Decimal("0.0005")


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def product():  # type: ignore[no-untyped-def]
    return builtin_product("revolving-consumer")


def test_the_cheapest_affordable_plan_is_chosen_and_the_cheaper_ones_explained() -> None:
    finances = BorrowerFinances(cny("8000"), cny("2000"), payday=10)
    result = recommend_plan(product(), cny("10000"), RATE, DISBURSED, finances)
    assert result.recommended is not None
    assert result.recommended.key == "6m-equal-installment"
    # 10,000 at 0.05% a day: the 3-month plans are cheaper but take over half of the 6,000 free income.
    assert result.option("3m-equal-principal").total_cost == cny("300.00")
    assert result.option("3m-equal-principal").affordability.installment_share == Fraction(348833, 600000)
    assert result.by_cost[:2] == ("3m-equal-principal", "3m-equal-installment")
    assert result.by_affordability[0] == "12m-equal-installment"
    assert result.rationale.codes == (
        "cheapest_affordable", "cheaper_strained", "share_above_max", "debt_service_above_max"
    )
    assert "533.26 CNY" in result.rationale.text("en")
    assert "6个月等额本息" in result.rationale.text("zh")
    assert "3个月等额本金" in result.rationale.text("zh")


def test_every_option_carries_its_schedule_figures_and_irr_apr() -> None:
    finances = BorrowerFinances(cny("20000"), cny("0"))
    result = recommend_plan(product(), cny("10000"), RATE, DISBURSED, finances)
    for option in result.options:
        schedule = build_schedule(
            product().schedule_terms(cny("10000"), option.term_months, option.method, RATE, DISBURSED)
        )
        assert option.total_interest == schedule.total_interest
        assert option.installment_first == schedule.rows[0].total
        assert option.installment_max == max((row.total for row in schedule.rows), key=lambda m: m.minor)
        assert option.apr.apr_pct == schedule_apr(schedule.cash_flows(), AprMethod.IRR).apr_pct
    assert result.recommended is not None and result.recommended.key == "3m-equal-principal"
    assert result.rationale.codes == ("cheapest_affordable", "payday_unknown")


def test_nothing_affordable_gives_no_recommendation_and_a_smaller_amount_that_fits() -> None:
    finances = BorrowerFinances(cny("3000"), cny("500"), payday=28)
    result = recommend_plan(product(), cny("10000"), RATE, DISBURSED, finances)
    assert result.recommended is None
    assert result.rationale.codes == ("nothing_affordable", "share_above_max", "smaller_amount_fits")
    fits = result.rationale.reasons[-1].facts["amount"]
    assert fits == "8000.00 CNY"
    smaller = recommend_plan(product(), cny("8000"), RATE, DISBURSED, finances)
    assert smaller.recommended is not None and smaller.recommended.key == "12m-equal-installment"
    too_much = recommend_plan(product(), cny("8100"), RATE, DISBURSED, finances)
    assert too_much.recommended is None


def test_no_free_income_is_said_plainly() -> None:
    finances = BorrowerFinances(cny("3000"), cny("3500"), payday=None)
    result = recommend_plan(product(), cny("1000"), RATE, DISBURSED, finances)
    assert result.recommended is None
    assert result.rationale.codes == ("no_free_income", "payday_unknown")
    assert "3500.00 CNY" in result.rationale.text("en")


def test_late_due_dates_suggest_a_due_day_after_payday() -> None:
    finances = BorrowerFinances(cny("20000"), cny("0"), payday=20)  # due on the 15th: 26 days after pay
    result = recommend_plan(product(), cny("10000"), RATE, DISBURSED, finances)
    assert "late_in_pay_cycle" in result.rationale.codes
    suggestion = result.rationale.reasons[-1]
    assert suggestion.code == "due_day_after_payday"
    assert suggestion.facts == {"day": "22"}
    assert all(option.affordability.share_max == Decimal("0.25") for option in result.options)


def test_the_product_refuses_what_it_would_refuse_at_drawdown() -> None:
    finances = BorrowerFinances(cny("20000"), cny("0"))
    with pytest.raises(DrawdownAboveMaximum) as caught:
        recommend_plan(product(), cny("200000.01"), RATE, DISBURSED, finances)
    assert caught.value.field == "amount"
    narrow = replace(product(), terms_months=(5,))
    with pytest.raises(TermNotOffered):
        narrow.check_drawdown(cny("1000"), 6, Method.EQUAL_INSTALLMENT, RATE)


def test_the_record_is_json_with_every_option() -> None:
    finances = BorrowerFinances(cny("8000"), cny("2000"), payday=10)
    record = recommend_plan(product(), cny("10000"), RATE, DISBURSED, finances).to_json()
    assert record["recommended"] == "6m-equal-installment"
    assert len(record["options"]) == 6
    assert record["options"][0]["installment_share"] == "0.5723"
    assert set(record["rationale"]) == {"codes", "reasons", "en", "zh"}


# -- property: the recommended plan is never dearer than any affordable alternative -----------------

TERMS = st.lists(st.sampled_from([1, 2, 3, 6, 9, 12, 18, 24]), min_size=1, max_size=4, unique=True)
METHODS = st.lists(st.sampled_from(list(Method)[:4]), min_size=1, max_size=4, unique=True)


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    terms = tuple(sorted(draw(TERMS)))
    methods = tuple(draw(METHODS))
    rate_daily = Decimal(draw(st.integers(min_value=0, max_value=60))) / Decimal(100000)
    the_product = replace(product(), terms_months=terms, methods=methods, rate_daily_min=Decimal(0))
    amount = Money(draw(st.integers(min_value=500_00, max_value=200_000_00)), product().currency)
    income = draw(st.integers(min_value=0, max_value=100_000_00))
    obligations = draw(st.integers(min_value=0, max_value=max(income, 1)))
    payday = draw(st.none() | st.integers(min_value=1, max_value=31))
    disbursed = date(2025, 1, 1) + (date(2025, 1, 2) - date(2025, 1, 1)) * draw(st.integers(0, 364))
    finances = BorrowerFinances(
        Money(income, product().currency), Money(obligations, product().currency), payday
    )
    policy = AffordabilityPolicy(
        installment_share_max=Decimal(draw(st.integers(5, 60))) / 100,
        late_cycle_share_max=Decimal(draw(st.integers(1, 5))) / 100,
    )
    return the_product, amount, rate_daily, disbursed, finances, policy


def _strained(installment_minor: int, finances: BorrowerFinances, policy: AffordabilityPolicy, late: bool) -> bool:
    """An independent statement of the rule: free income, share, debt-service ceiling."""
    free = finances.income_monthly.minor - finances.obligations_monthly.minor
    if free <= 0:
        return True
    share_max = policy.late_cycle_share_max if late else policy.installment_share_max
    service = Fraction(finances.obligations_monthly.minor + installment_minor, finances.income_monthly.minor)
    return Fraction(installment_minor, free) > share_max or service > policy.debt_service_ratio_max


@settings(max_examples=60)
@given(cases())
def test_recommended_is_never_dearer_than_an_affordable_alternative(case) -> None:  # type: ignore[no-untyped-def]
    the_product, amount, rate_daily, disbursed, finances, policy = case
    result = recommend_plan(the_product, amount, rate_daily, disbursed, finances, policy)
    assert len(result.options) == len(the_product.terms_months) * len(the_product.methods)
    for option in result.options:
        late = (option.affordability.days_after_payday_max or 0) >= policy.late_cycle_days
        assert option.affordability.strained == _strained(option.installment_max.minor, finances, policy, late)
    affordable = [option for option in result.options if not option.affordability.strained]
    if result.recommended is None:
        assert not affordable
        assert result.rationale.codes[0] in ("nothing_affordable", "no_free_income")
        return
    assert not result.recommended.affordability.strained
    assert all(result.recommended.total_cost <= option.total_cost for option in affordable)
    assert result.rationale.codes[0] == "cheapest_affordable"
    costs = [result.option(key).total_cost.minor for key in result.by_cost]
    assert costs == sorted(costs)
