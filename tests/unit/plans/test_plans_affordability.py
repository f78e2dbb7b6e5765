"""Affordability: shares of free income, the debt-service ceiling, and pay-cycle timing, to the exact fraction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from creditline.lending.plans import (
    AffordabilityPolicy,
    BorrowerFinances,
    PlanInputInvalid,
    aligned_due_day,
    assess,
    days_after_payday,
)
from creditline.money import Money


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def test_share_of_free_income_and_debt_service_are_exact() -> None:
    finances = BorrowerFinances(cny("10000"), cny("2500"))
    fit = assess(cny("2250"), [date(2025, 2, 15)], finances, AffordabilityPolicy())
    assert fit.installment_share == Fraction(2250, 7500)  # exactly 30%: at the limit, not above it
    assert fit.debt_service_ratio == Fraction(4750, 10000)
    assert not fit.strained
    assert fit.reasons == ()
    one_cent_more = assess(cny("2250.01"), [date(2025, 2, 15)], finances, AffordabilityPolicy())
    assert one_cent_more.strained
    assert one_cent_more.reasons == ("share_above_max",)


def test_debt_service_ceiling_strains_even_a_small_share() -> None:
    finances = BorrowerFinances(cny("10000"), cny("4800"))
    fit = assess(cny("300"), [date(2025, 2, 15)], finances, AffordabilityPolicy())
    assert fit.installment_share == Fraction(300, 5200)
    assert fit.reasons == ("debt_service_above_max",)
    assert fit.strained


def test_no_free_income_is_strained_without_a_share() -> None:
    fit = assess(cny("1"), [date(2025, 2, 15)], BorrowerFinances(cny("3000"), cny("3000")), AffordabilityPolicy())
    assert fit.strained
    assert fit.installment_share is None
    assert fit.reasons == ("no_free_income",)


@pytest.mark.parametrize(
    ("due", "payday", "days"),
    [
        (date(2025, 3, 15), 10, 5),
        (date(2025, 3, 10), 10, 0),
        (date(2025, 3, 5), 10, 23),  # paid from February's pay, received on the 10th of February
        (date(2025, 3, 5), 31, 5),  # a month-end payday falls on February 28
        (date(2025, 1, 3), 25, 9),  # the pay before is December's
    ],
)
def test_days_after_payday(due: date, payday: int, days: int) -> None:
    assert days_after_payday(due, payday) == days


def test_a_due_date_late_in_the_pay_cycle_is_held_to_the_stricter_share() -> None:
    finances = BorrowerFinances(cny("10000"), cny("0"), payday=10)
    policy = AffordabilityPolicy()
    early = assess(cny("2800"), [date(2025, 2, 15), date(2025, 3, 15)], finances, policy)
    late = assess(cny("2800"), [date(2025, 2, 5), date(2025, 3, 5)], finances, policy)
    assert early.share_max == Decimal("0.30") and not early.strained
    assert late.days_after_payday_max == 26  # January 10 to February 5
    assert late.share_max == Decimal("0.25")
    assert late.strained
    assert late.reasons == ("late_in_pay_cycle", "share_above_max")


def test_aligned_due_day_stays_within_every_month() -> None:
    assert aligned_due_day(10) == 12
    assert aligned_due_day(26) == 28
    assert aligned_due_day(31) == 3
    assert aligned_due_day(None) is None
    assert all(1 <= aligned_due_day(day) <= 28 for day in range(1, 32))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: BorrowerFinances(cny("-1"), cny("0")), "income"),
        (lambda: BorrowerFinances(cny("100"), cny("-1")), "obligations"),
        (lambda: BorrowerFinances(cny("100"), Money.parse("1", "USD")), "obligations"),
        (lambda: BorrowerFinances(cny("100"), cny("0"), payday=32), "payday"),
        (lambda: AffordabilityPolicy(installment_share_max=Decimal("1.2")), "installment_share_max"),
        (lambda: AffordabilityPolicy(late_cycle_share_max=Decimal("0.4")), "late_cycle_share_max"),
        (lambda: AffordabilityPolicy(late_cycle_days=0), "late_cycle_days"),
    ],
)
def test_bad_input_names_the_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PlanInputInvalid) as caught:
        build()
    assert caught.value.field == field
    assert caught.value.code == "plan_input_invalid"
