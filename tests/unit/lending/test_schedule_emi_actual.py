"""The level installment solved over the actual days (`emi_solve=actual`), over the terms re-ageing
and long schedules reach: 1 to 360 installments, 1.00 to 1,000,000.00, the product's daily rates.

The bound on the last installment (docs/schedules.md, "Level installment: nominal or actual"): with
S = Σₖ Πⱼ>ₖ (1 + rⱼ) — what one minor unit paid every period has grown to by the last due date —
|last − level| < max(S, 2S − level − 1) minor units, which is < S once the level is at least S.
Over 12 months at the product's rates S is about 13 (cents); over 360 months at 0.05% a day it is
about 15,000: a level rounded to the cent cannot end closer than that, whatever solves it.
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.lending.schedule import Schedule, ScheduleTerms, build_schedule, interest_exact, level_from
from creditline.lending.schedule_interest import accrual_rate
from creditline.lending.schedule_ratio import round_div
from creditline.money import Money, Rate

WIDE = Context(prec=60)


@st.composite
def long_terms(draw) -> ScheduleTerms:
    """The product's options (daily rate, daily basis, actual months) over terms up to 360 installments."""
    return ScheduleTerms(
        principal=Money.of_minor(draw(st.integers(100, 100_000_000)), "CNY"),
        rate=Rate.daily_percent(str(draw(st.decimals("0.02", "0.06", places=4)))),
        installments=draw(st.integers(1, 360)),
        disbursed=draw(st.dates(date(2019, 1, 1), date(2031, 12, 31))),
        interest_basis="daily",
        days_in_year=draw(st.sampled_from(["360", "365", "actual"])),
        days_in_month="actual",
        emi_solve="actual",
        rounding=draw(st.sampled_from(["half-up", "half-even"])),
    )


def growth_sum(schedule: Schedule) -> Decimal:
    """S: one minor unit paid at every due date, grown at each later period's rate to the last one."""
    total = Decimal(0)
    for row in schedule.rows:
        numerator, denominator = accrual_rate(row.start_date, row.due_date, schedule.terms)
        growth = WIDE.divide(Decimal(denominator + numerator), Decimal(denominator))
        total = WIDE.add(WIDE.multiply(total, growth), Decimal(1))
    return total


def level_of(schedule: Schedule) -> int | None:
    """The level installment: the one total of every row but the last that repays principal."""
    totals = {row.total.minor for row in schedule.rows[:-1] if row.principal.minor > 0}
    assert len(totals) <= 1, f"the installments before the last differ: {sorted(totals)}"
    return totals.pop() if totals else None


@given(long_terms())
@settings(max_examples=60, deadline=None)
def test_every_installment_but_the_last_is_the_level_and_the_last_is_within_the_bound(terms) -> None:
    schedule = build_schedule(terms)
    rows = schedule.rows
    level = level_of(schedule)
    if level is None:  # one installment, or a level no period's interest leaves room for
        level = rows[-1].total.minor if len(rows) == 1 else min(row.interest.minor for row in rows[:-1])
    for row in rows[:-1]:
        # A long month's interest above the level is paid alone (no principal, never negative).
        assert row.total.minor == max(level, row.interest.minor)
        assert row.balance_after.minor > 0, "the balance lasts until the last installment (no 0.00 ones)"
    assert rows[-1].principal.minor > 0
    bound = growth_sum(schedule)
    assert abs(rows[-1].total.minor - level) < max(bound, 2 * bound - level - 1)
    if level >= bound:
        assert abs(rows[-1].total.minor - level) < bound


@given(long_terms())
@settings(max_examples=40, deadline=None)
def test_principal_sums_exactly_and_interest_is_the_accrual_replayed(terms) -> None:
    schedule = build_schedule(terms)
    assert schedule.total_principal == terms.principal
    balance = terms.principal.minor
    replayed = 0
    for row in schedule.rows:
        exact = Fraction(interest_exact(balance, row.start_date, row.due_date, terms))
        interest = round_div(exact.numerator, exact.denominator, terms.rounding)
        assert row.interest.minor == interest
        replayed += interest
        balance -= row.principal.minor
    assert schedule.total_interest.minor == replayed


def test_day_by_day_accrual_over_a_long_schedule_is_its_interest_to_the_cent() -> None:
    terms = _terms("700.60", 360, emi_solve="actual")
    schedule = build_schedule(terms)
    balance = terms.principal.minor
    replayed = 0
    for row in schedule.rows:
        accrued = sum(
            (Fraction(interest_exact(balance, _day(row.start_date, d), _day(row.start_date, d + 1), terms))
             for d in range(row.days)),
            Fraction(0),
        )
        replayed += round_div(accrued.numerator, accrued.denominator, terms.rounding)
        balance -= row.principal.minor
    assert replayed == schedule.total_interest.minor


def test_a_360_month_actual_solve_ends_near_the_level_where_it_ended_on_nothing() -> None:
    # 700.60 at 0.05% a day: the actual solve clamped long months' interest and repaid early, ending in
    # installments of 0.00; the nominal one (30-day months) ends on 420.44 against a level 10.56.
    schedule = build_schedule(_terms("700.60", 360, emi_solve="actual"))
    level = level_of(schedule)
    assert level == 1064  # and the last is 10.61
    # The first period's 31 days of interest (10.86) exceed the level: paid alone, and not the level the
    # engine keeps for a later keep-installment prepayment.
    assert (schedule.rows[0].total.minor, schedule.rows[0].principal.minor) == (1086, 0)
    assert level_from(schedule, 0) == 1064
    assert all(row.total.minor > 0 for row in schedule.rows)
    assert schedule.rows[-1].total.minor - level < growth_sum(schedule)
    nominal = build_schedule(_terms("700.60", 360, emi_solve="nominal"))
    assert nominal.rows[-1].total.minor - level_of(nominal) > 40_000


def test_terms_that_name_no_solve_take_nominal_up_to_12_installments_and_actual_beyond() -> None:
    """ScheduleTerms defaulted to nominal whatever the term, while the CLI solved actual beyond 12: a
    domain caller's 360 months of 700.60 ended on 420.44 against a level 10.56. One rule now, the terms'."""
    from dataclasses import replace

    assert [_terms("700.60", n, emi_solve=None).emi_solve for n in (1, 12, 13, 360)] == [
        "nominal", "nominal", "actual", "actual"
    ]
    long = build_schedule(_terms("700.60", 360, emi_solve=None))
    assert (level_of(long), long.rows[-1].total.minor) == (1064, 1061)
    short = _terms("700.60", 12, emi_solve=None)
    assert build_schedule(short) == build_schedule(_terms("700.60", 12, emi_solve="nominal"))
    assert _terms("700.60", 360, emi_solve="nominal").emi_solve == "nominal"  # a named solve is kept
    assert replace(short, installments=24).emi_solve == "nominal"  # resolved once: a copy keeps it


def _terms(principal: str, installments: int, *, emi_solve: str | None) -> ScheduleTerms:
    return ScheduleTerms(
        principal=Money.parse(principal, "CNY"),
        rate=Rate.daily_percent("0.05"),
        installments=installments,
        disbursed=date(2025, 1, 15),
        interest_basis="daily",
        days_in_year="360",
        emi_solve=emi_solve,
    )


def _day(start: date, offset: int) -> date:
    from datetime import timedelta

    return start + timedelta(days=offset)
