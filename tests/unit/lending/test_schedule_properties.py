"""Invariants of every schedule, over random terms (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from creditline.lending.apr import schedule_apr
from creditline.lending.schedule import (
    Reamortise,
    ScheduleTerms,
    build_schedule,
    due_dates,
    interest_exact,
    reamortise,
)
from creditline.lending.schedule_ratio import round_div
from creditline.money import Money, Rate

METHODS = ["equal-installment", "equal-principal", "interest-only", "bullet", "flat"]


@st.composite
def schedule_terms(draw, methods=tuple(METHODS), bases=("period", "daily")) -> ScheduleTerms:
    installments = draw(st.integers(1, 48))
    method = draw(st.sampled_from(methods))
    frequency = draw(st.sampled_from(["monthly", "monthly", "weekly", "daily"]))
    disbursed = draw(st.dates(date(2019, 1, 1), date(2031, 12, 31)))
    first_due = None
    if draw(st.booleans()):
        first_due = disbursed + timedelta(days=draw(st.integers(1, 75)))
    if draw(st.booleans()):
        rate = Rate.daily_percent(str(draw(st.decimals("0.005", "0.1", places=3))))
    else:
        rate = Rate.annual_percent(str(draw(st.decimals("0", "36", places=4))))
    multiple = draw(st.sampled_from([None, None, 100, 1000]))
    return ScheduleTerms(
        principal=Money.of_minor(draw(st.integers(100, 10**9)), draw(st.sampled_from(["CNY", "USD", "JPY", "KWD"]))),
        rate=rate,
        installments=installments,
        disbursed=disbursed,
        method=method,
        frequency=frequency,
        every=draw(st.integers(1, 3)),
        first_due=first_due,
        interest_basis=draw(st.sampled_from(bases)),
        days_in_year=draw(st.sampled_from(["360", "364", "365", "actual"])),
        days_in_month=draw(st.sampled_from(["30", "actual"])),
        emi_solve=draw(st.sampled_from(["nominal", "actual"])),
        installment_multiple_minor=multiple,
        grace_principal=draw(st.integers(0, min(3, installments - 1))),
        rounding=draw(st.sampled_from(["half-up", "half-even"])),
    )


@given(schedule_terms())
def test_principal_rows_sum_exactly_and_balances_run_down_to_zero(terms: ScheduleTerms) -> None:
    schedule = build_schedule(terms)
    assert schedule.total_principal == terms.principal
    balance = terms.principal.minor
    for row in schedule.rows:
        assert row.principal.minor >= 0
        assert row.interest.minor >= 0
        balance -= row.principal.minor
        assert row.balance_after.minor == balance >= 0
    assert schedule.rows[-1].balance_after.is_zero()
    dates = [row.due_date for row in schedule.rows]
    assert dates == sorted(set(dates)) == due_dates(terms)
    assert all(row.days == (row.due_date - row.start_date).days > 0 for row in schedule.rows)


@given(schedule_terms(methods=("equal-installment", "flat")), st.sampled_from([100, 500, 10_000]))
def test_with_a_multiple_only_the_last_installment_differs(terms: ScheduleTerms, multiple: int) -> None:
    from dataclasses import replace

    terms = replace(terms, installment_multiple_minor=multiple, grace_principal=0)
    schedule = build_schedule(terms)
    assume(len(schedule.rows) >= 2)
    totals = [row.total.minor for row in schedule.rows]
    level = totals[0]
    # A level installment at least as large as the balance pays the loan off early; nothing to compare then.
    assume(all(row.balance_after.minor > 0 for row in schedule.rows[:-1]))
    assume(all(row.principal.minor > 0 for row in schedule.rows[:-1]))
    assert all(total == level for total in totals[:-1])
    if terms.method.value == "equal-installment":
        assert level % multiple == 0 or level < multiple


@given(schedule_terms(methods=("equal-installment", "equal-principal", "interest-only", "bullet")))
def test_each_period_interest_is_its_exact_accrual_rounded_once(terms: ScheduleTerms) -> None:
    schedule = build_schedule(terms)
    for row in schedule.rows:
        balance = row.balance_after.minor + row.principal.minor
        exact = Fraction(interest_exact(balance, row.start_date, row.due_date, terms))
        assert row.interest.minor == round_div(exact.numerator, exact.denominator, terms.rounding)
    assert schedule.total_interest.minor == sum(row.interest.minor for row in schedule.rows)


@settings(max_examples=40)
@given(schedule_terms(bases=("daily",), methods=("equal-installment", "equal-principal")), st.data())
def test_daily_accrual_summed_over_a_period_equals_the_period_interest(terms: ScheduleTerms, data) -> None:
    schedule = build_schedule(terms)
    row = data.draw(st.sampled_from(schedule.rows))
    balance = row.balance_after.minor + row.principal.minor
    accrued = Fraction(0)
    day = row.start_date
    while day < row.due_date:
        accrued += Fraction(interest_exact(balance, day, day + timedelta(days=1), terms))
        day += timedelta(days=1)
    whole = Fraction(interest_exact(balance, row.start_date, row.due_date, terms))
    assert abs(accrued - whole) < Fraction(1, 10**20)
    if abs(whole - round(whole)) != Fraction(1, 2):  # off a tie, the daily sum rounds to the schedule's figure
        assert round_div(accrued.numerator, accrued.denominator, terms.rounding) == row.interest.minor


@given(schedule_terms(), st.data())
def test_interest_exact_is_additive_over_any_split(terms: ScheduleTerms, data) -> None:
    maturity = due_dates(terms)[-1]
    span = (maturity - terms.disbursed).days + 40
    start = terms.disbursed + timedelta(days=data.draw(st.integers(0, span)))
    middle = start + timedelta(days=data.draw(st.integers(0, 60)))
    end = middle + timedelta(days=data.draw(st.integers(0, 60)))
    balance = data.draw(st.integers(0, 10**9))
    whole = interest_exact(balance, start, end, terms)
    parts = interest_exact(balance, start, middle, terms) + interest_exact(balance, middle, end, terms)
    assert abs(whole - parts) <= Decimal("1e-20") * max(1, abs(whole))


@given(
    st.integers(1_000_000, 10**10),
    st.decimals("1", "36", places=2),
    st.integers(2, 36),
    st.sampled_from(["equal-installment", "equal-principal", "interest-only"]),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_apr_round_trips_a_schedules_own_cash_flow(principal, annual, installments, method, disbursed) -> None:
    terms = ScheduleTerms(
        principal=Money.of_minor(principal, "CNY"),
        rate=Rate.annual_percent(str(annual)),
        installments=installments,
        disbursed=disbursed,
        method=method,
    )
    flows = build_schedule(terms).cash_flows()
    for method_name in ("irr", "reg-z"):
        result = schedule_apr(flows, method_name)
        assert abs(result.apr_pct - annual) < Decimal("0.002")
        assert result.apr_pct_display == annual
        assert result.unit_period.name == "month"


@settings(max_examples=60)
@given(schedule_terms(methods=("equal-installment", "equal-principal"), bases=("period", "daily")), st.data())
def test_reamortise_repays_exactly_what_is_outstanding(terms: ScheduleTerms, data) -> None:
    schedule = build_schedule(terms)
    assume(len(schedule.rows) >= 2)
    k = data.draw(st.integers(1, len(schedule.rows) - 1))
    paid = schedule.rows[k - 1]
    outstanding_minor = data.draw(st.integers(1, max(1, paid.balance_after.minor)))
    outstanding = Money(outstanding_minor, terms.principal.currency)
    left = len(schedule.rows) - k
    for mode in (Reamortise.KEEP_TERM, Reamortise.KEEP_INSTALLMENT):
        try:
            rest = reamortise(terms, from_date=paid.due_date, outstanding=outstanding, installments_left=left, mode=mode)
        except Exception as exc:  # a kept installment too small for the interest is a typed refusal
            assert mode is Reamortise.KEEP_INSTALLMENT and getattr(exc, "field", None) == "current_installment"
            continue
        assert rest.total_principal == outstanding
        assert rest.rows[0].start_date == paid.due_date
        assert [row.due_date for row in rest.rows] == [row.due_date for row in schedule.rows[k : k + len(rest.rows)]]
        assert len(rest.rows) <= left
