"""Repayment schedules: equal installment, equal principal, interest-only, bullet and flat.

The public API other packages code against lives here (types re-exported from `schedule_terms`):
`build_schedule`, `due_dates`, `interest_exact` and `reamortise`. Interest is exact: each period's
interest is the balance times an exact rate factor, rounded once with the terms' rounding mode; the
level installment is solved exactly and rounded once (then to the installment multiple, if any);
the last installment absorbs every residue so the principal rows sum to the principal.
"""

from __future__ import annotations

from datetime import date

from creditline.lending.errors import OptionInvalid
from creditline.lending.schedule_amortise import (
    closest_level,
    declining_rows,
    flat_rows,
    level_installment,
)
from creditline.lending.schedule_dates import due_dates
from creditline.lending.schedule_interest import (
    accrual_rate,
    daily_rate_factor,
    daily_rate_factors,
    interest_exact,
    nominal_rate,
    period_rate,
)
from creditline.lending.schedule_ratio import Ratio
from creditline.lending.schedule_terms import (
    DaysInMonth,
    DaysInYear,
    EmiSolve,
    Frequency,
    Installment,
    InterestBasis,
    Method,
    Reamortise,
    Schedule,
    ScheduleTerms,
)
from creditline.money import Currency, Money

__all__ = [
    "DaysInMonth",
    "DaysInYear",
    "EmiSolve",
    "Frequency",
    "Installment",
    "InterestBasis",
    "Method",
    "Reamortise",
    "Schedule",
    "ScheduleTerms",
    "build_schedule",
    "due_dates",
    "interest_exact",
    "level_from",
    "reamortise",
]


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """The repayment schedule of `terms`."""
    return _build(terms, level_minor=None)


def _build(terms: ScheduleTerms, level_minor: int | None, first_rate: Ratio | None = None) -> Schedule:
    dates = due_dates(terms)
    starts = [terms.disbursed, *dates[:-1]]
    rates = _period_rates(terms, starts, dates)
    if first_rate is not None and terms.method is not Method.FLAT:
        rates[0] = first_rate
    principal_minor = terms.principal.minor
    if terms.method is Method.FLAT:
        amounts = flat_rows(terms, principal_minor, _term_rate(terms, rates, dates[-1]), len(dates))
    elif terms.method is Method.EQUAL_INSTALLMENT and level_minor is None:
        amortising = rates[terms.grace_principal :]
        level_minor = level_installment(terms, principal_minor, amortising, nominal_rate(terms))
        if terms.emi_solve is EmiSolve.ACTUAL:
            level_minor, amounts = closest_level(terms, principal_minor, rates, level_minor)
        else:
            amounts = declining_rows(terms, principal_minor, rates, level_minor)
    else:
        amounts = declining_rows(terms, principal_minor, rates, level_minor)
    return Schedule(terms, _rows(terms, starts, dates, amounts))


def _period_rates(terms: ScheduleTerms, starts: list[date], dates: list[date]) -> list[Ratio]:
    if terms.interest_basis is InterestBasis.PERIOD:
        # Whatever its days, every period carries the same rate (the bullet's one period spans the term).
        return [period_rate(terms, starts[0], dates[0])] * len(dates)
    if terms.method is Method.BULLET:
        return [period_rate(terms, starts[0], dates[0])]
    return daily_rate_factors(terms, starts, dates)


def _term_rate(terms: ScheduleTerms, rates: list[Ratio], maturity: date) -> Ratio:
    """The rate of the whole term for flat interest: the periods' rates, or the term's days at once."""
    if terms.interest_basis is InterestBasis.DAILY:
        return daily_rate_factor(terms, terms.disbursed, maturity)
    rate_n, rate_d = rates[0]
    return rate_n * len(rates), rate_d


# Rows are built from integers this module computed and checked (non-negative, at most the
# principal), so they skip Money's per-value validation and the frozen dataclass __init__: with them a
# 12-row schedule spent most of its time constructing objects. The slot descriptors set the fields.
_new = object.__new__
_MONEY_SLOTS = (Money.__dict__["minor"].__set__, Money.__dict__["currency"].__set__)
_ROW_SLOTS = tuple(
    Installment.__dict__[name].__set__
    for name in ("n", "start_date", "due_date", "days", "principal", "interest", "balance_after")
)


def _money(minor: int, currency: Currency) -> Money:
    money = _new(Money)
    _MONEY_SLOTS[0](money, minor)
    _MONEY_SLOTS[1](money, currency)
    return money


def _rows(
    terms: ScheduleTerms, starts: list[date], dates: list[date], amounts: list[tuple[int, int]]
) -> tuple[Installment, ...]:
    assert min(min(pair) for pair in amounts) >= 0, "no row carries a negative amount"
    currency = terms.principal.currency
    set_n, set_start, set_due, set_days, set_principal, set_interest, set_balance = _ROW_SLOTS
    balance = terms.principal.minor
    rows = []
    for n, (start, due, (principal, interest)) in enumerate(
        zip(starts, dates, amounts, strict=True), start=1
    ):
        balance -= principal
        row = _new(Installment)
        set_n(row, n)
        set_start(row, start)
        set_due(row, due)
        set_days(row, (due - start).days)
        set_principal(row, _money(principal, currency))
        set_interest(row, _money(interest, currency))
        set_balance(row, _money(balance, currency))
        rows.append(row)
    assert balance == 0, "the last installment clears the balance"
    return tuple(rows)


def reamortise(
    terms: ScheduleTerms,
    *,
    from_date: date,
    outstanding: Money,
    installments_left: int,
    mode: Reamortise,
    current_installment: Money | None = None,
    emi_solve: EmiSolve | None = None,
) -> Schedule:
    """The remaining schedule from `from_date` on `outstanding` principal, on the loan's own calendar.

    `keep-term` spreads the balance over `installments_left` installments (a lower installment);
    `keep-installment` keeps the level installment (`current_installment`, default the original one;
    for equal principal, the principal part) and ends as soon as the balance is repaid (a shorter
    term). Re-ageing an overdue loan is `keep-term` with new `installments_left`. `emi_solve`
    replaces the terms' solve for the remaining schedule (re-ageing solves over the actual days).
    """
    mode = Reamortise(mode)
    next_due = _next_due_after(terms, from_date)
    remaining = ScheduleTerms(
        principal=outstanding,
        rate=terms.rate,
        installments=installments_left,
        disbursed=from_date,
        method=terms.method,
        frequency=terms.frequency,
        every=terms.every,
        first_due=next_due,
        interest_basis=terms.interest_basis,
        days_in_year=terms.days_in_year,
        days_in_month=terms.days_in_month,
        emi_solve=terms.emi_solve if emi_solve is None else emi_solve,
        installment_multiple_minor=terms.installment_multiple_minor,
        rounding=terms.rounding,
        due_day_of_month=terms.anchor_day,
    )
    # From inside a period, the first new period carries what the original terms accrue over what is
    # left of that period: the loan's own accrual, not a whole period's rate or a re-counted broken period.
    first_rate = None if _on_calendar(terms, from_date) else accrual_rate(from_date, next_due, terms)
    if mode is Reamortise.KEEP_TERM:
        return _build(remaining, level_minor=None, first_rate=first_rate)
    if terms.method not in (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL):
        raise OptionInvalid(
            "keep-installment applies to equal-installment and equal-principal schedules", field="mode"
        )
    level = _current_level(terms, current_installment)
    from creditline.lending.schedule_reamortise import shortest_term

    count = shortest_term(remaining, level, installments_left, first_rate)
    shorter = _replace_installments(remaining, count)
    return _build(shorter, level_minor=level, first_rate=first_rate)


def _on_calendar(terms: ScheduleTerms, day: date) -> bool:
    return day == terms.disbursed or day in due_dates(terms)


def _current_level(terms: ScheduleTerms, current_installment: Money | None) -> int:
    if current_installment is not None:
        if current_installment.currency != terms.principal.currency or current_installment.minor <= 0:
            raise OptionInvalid(
                "must be a positive amount in the loan's currency", field="current_installment"
            )
        return current_installment.minor
    return level_from(build_schedule(terms), terms.grace_principal)


def level_from(schedule: Schedule, first: int) -> int:
    """The level of an equal-installment or equal-principal schedule, read from row `first` on.

    Equal principal: that row's principal. Equal installment: the total of the first row from there
    that repays principal (a long month whose interest alone exceeds the level carries just that
    interest; the last row takes the residue), else row `first`'s total.
    """
    rows = schedule.rows
    if schedule.terms.method is Method.EQUAL_PRINCIPAL:
        return rows[first].principal.minor
    repaying = (row.total.minor for row in rows[first:-1] if row.principal.minor > 0)
    return next(repaying, rows[first].total.minor)


def _next_due_after(terms: ScheduleTerms, day: date) -> date:
    """The first due date of the loan's calendar after `day` (the calendar continues past maturity)."""
    from creditline.lending.calendar import step

    dates = due_dates(terms)
    for due in dates:
        if due > day:
            return due
    count = 1
    while True:
        following = step(dates[-1], terms.frequency.value, terms.every, count, terms.anchor_day)
        if following > day:
            return following
        count += 1


def _replace_installments(terms: ScheduleTerms, installments: int) -> ScheduleTerms:
    from dataclasses import replace

    return replace(terms, installments=installments)
