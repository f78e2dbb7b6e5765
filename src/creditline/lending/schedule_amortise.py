"""The amortisation arithmetic: level installments, principal per row, flat interest.

Everything here works in integer minor units and exact ratios; `schedule.build_schedule` wraps the
results in Money once at the end, which keeps a 12-row schedule in tens of microseconds.
"""

from __future__ import annotations

from collections.abc import Callable

from creditline.lending.schedule_ratio import Ratio, round_div
from creditline.lending.schedule_terms import EmiSolve, Method, ScheduleTerms
from creditline.money import Rounding

Rows = list[tuple[int, int]]  # (principal, interest) in minor units, one per installment


def level_installment_nominal(principal_minor: int, rate: Ratio, periods: int) -> Ratio:
    """The annuity P·r·(1+r)^n / ((1+r)^n − 1), exact, for r = rate[0] / rate[1]."""
    rate_n, rate_d = rate
    if rate_n == 0:
        return principal_minor, periods
    grown = (rate_d + rate_n) ** periods
    return principal_minor * rate_n * grown, rate_d * (grown - rate_d**periods)


def level_installment_actual(principal_minor: int, rates: list[Ratio]) -> Ratio:
    """The level installment that repays the balance exactly when each period carries its own rate.

    P = E · Σₖ Πⱼ≤ₖ 1/(1+rⱼ): the installment is the principal over the sum of the discount factors.
    Each discount factor's denominator divides the next one's, so the sum is kept over the last
    denominator in plain integers (no fractions to reduce on the way).
    """
    discounted_sum, denominator, numerator = 0, 1, 1  # sum = discounted_sum / denominator
    for rate_n, rate_d in rates:
        growth = rate_d + rate_n
        numerator *= rate_d
        denominator *= growth
        discounted_sum = discounted_sum * growth + numerator
    return principal_minor * denominator, discounted_sum


def round_to_currency(value: Ratio, terms: ScheduleTerms) -> int:
    return round_div(value[0], value[1], terms.rounding)


def round_level(value: Ratio, terms: ScheduleTerms) -> int:
    """A level installment in minor units, rounded once: to the multiple if one is set, else to the currency.

    The multiple rounds to the nearest multiple with the terms' mode (Fineract's rule); when that
    would make a positive installment zero, the installment stays at the currency's precision.
    """
    multiple = terms.installment_multiple_minor
    if multiple is None or multiple == 1:
        return round_to_currency(value, terms)
    rounded = round_div(value[0], value[1] * multiple, terms.rounding) * multiple
    return rounded if rounded > 0 else round_to_currency(value, terms)


def level_installment(terms: ScheduleTerms, principal_minor: int, rates: list[Ratio], nominal: Ratio) -> int:
    """The level installment over the amortising periods `rates` (grace periods excluded)."""
    if terms.emi_solve is EmiSolve.ACTUAL:
        exact = level_installment_actual(principal_minor, rates)
    else:
        exact = level_installment_nominal(principal_minor, nominal, len(rates))
    return round_level(exact, terms)


def declining_rows(
    terms: ScheduleTerms, principal_minor: int, rates: list[Ratio], level_minor: int | None
) -> Rows:
    """(principal, interest) per row for the declining-balance methods; the last row clears the balance."""
    method, rounding = terms.method, terms.rounding
    grace = terms.grace_principal if method in (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL) else 0
    if method is Method.EQUAL_PRINCIPAL and level_minor is None:
        level_minor = round_div(principal_minor, len(rates) - grace, rounding)
    level_total = method is Method.EQUAL_INSTALLMENT
    half_up = rounding is Rounding.HALF_UP
    last = len(rates) - 1
    balance = principal_minor
    rows: Rows = []
    for index, (rate_n, rate_d) in enumerate(rates):
        if half_up:  # the default mode, inlined: this loop is the hot path of every schedule
            interest = (2 * balance * rate_n + rate_d) // (2 * rate_d)
        else:
            interest = round_div(balance * rate_n, rate_d, rounding)
        if index == last:
            principal = balance
        elif index < grace or level_minor is None:
            principal = 0
        elif level_total:
            principal = min(max(level_minor - interest, 0), balance)
        else:
            principal = min(level_minor, balance)
        balance -= principal
        rows.append((principal, interest))
    return rows


def flat_rows(terms: ScheduleTerms, principal_minor: int, term_rate: Ratio, rows_count: int) -> Rows:
    """Flat interest: principal × rate over the whole term, spread evenly; principal over the non-grace rows.

    With an installment multiple, each level installment is the principal share rounded to the
    multiple plus the interest share rounded to the multiple (Fineract's rule); the last absorbs the rest.
    """
    rounding = terms.rounding
    interest_total = round_div(principal_minor * term_rate[0], term_rate[1], rounding)
    interest_each = round_div(interest_total, rows_count, rounding)
    if interest_each * (rows_count - 1) > interest_total:
        interest_each = interest_total // rows_count
    grace = terms.grace_principal
    principal_each = round_div(principal_minor, rows_count - grace, rounding)
    if terms.installment_multiple_minor not in (None, 1):
        installment = round_level((principal_each, 1), terms) + round_level((interest_each, 1), terms)
        principal_each = max(installment - interest_each, 0)
    balance = principal_minor
    rows: Rows = []
    for index in range(rows_count - 1):
        principal = 0 if index < grace else min(principal_each, balance)
        balance -= principal
        rows.append((principal, interest_each))
    rows.append((balance, interest_total - interest_each * (rows_count - 1)))
    return rows


# The search for the closest level installment gallops then bisects over whole minor units: 2 × 64
# rounds cover any installment up to 2^64 minor units, far beyond INSTALLMENT_MULTIPLE_MAX_MINOR.
LEVEL_SEARCH_ROUNDS_MAX = 128


def closest_level(terms: ScheduleTerms, principal_minor: int, rates: list[Ratio], guess_minor: int) -> tuple[int, Rows]:
    """The level installment whose last installment comes closest to it, and its rows.

    Each period's interest is rounded and the installment is a whole minor unit (or multiple), so
    the exact solve leaves a residue that grows with the periods' rates into the last installment.
    The last installment less the level, f(L), falls strictly as L rises (a larger installment never
    leaves a larger balance), so the best L lies where f changes sign: the largest L with f(L) ≥ 0,
    or the next one up when its last installment is nearer the level and the balance still lasts
    until the last period (a level that repaid the balance early would end in installments of 0.00).
    Ties keep the last installment at or above the level.
    """
    unit = terms.installment_multiple_minor or 1
    if guess_minor % unit:
        unit = 1  # the multiple rounded the installment to zero: it stays at the currency's precision
    if guess_minor < unit:
        return guess_minor, declining_rows(terms, principal_minor, rates, guess_minor)
    tried: dict[int, Rows] = {}

    def excess(level_minor: int) -> int:
        rows = tried.get(level_minor)
        if rows is None:
            rows = tried[level_minor] = declining_rows(terms, principal_minor, rates, level_minor)
        return sum(rows[-1]) - level_minor

    if excess(guess_minor) == 0:  # the usual case over a few periods: nothing can come closer
        return guess_minor, tried[guess_minor]
    low, high = _bracket(excess, guess_minor, unit)
    if low is None:  # even the smallest installment repays the balance early
        return unit, tried[unit]
    for _ in range(LEVEL_SEARCH_ROUNDS_MAX):
        if high - low <= unit:
            break
        middle = low + (high - low) // (2 * unit) * unit
        if excess(middle) >= 0:
            low = middle
        else:
            high = middle
    assert high - low == unit, "the search ends on two neighbouring installments"
    if tried[high][-1][0] > 0 and -excess(high) < excess(low):
        return high, tried[high]
    return low, tried[low]


def _bracket(excess: Callable[[int], int], guess_minor: int, unit: int) -> tuple[int | None, int]:
    """(low, high): excess(low) ≥ 0 > excess(high), found by galloping from the guess (low None: none ≥ 0)."""
    step = unit
    if excess(guess_minor) >= 0:
        low = guess_minor
        for _ in range(LEVEL_SEARCH_ROUNDS_MAX):
            if excess(low + step) < 0:
                return low, low + step
            low, step = low + step, step * 2
    else:
        high = guess_minor
        for _ in range(LEVEL_SEARCH_ROUNDS_MAX):
            candidate = max(high - step, unit)
            if excess(candidate) >= 0:
                return candidate, high
            if candidate == unit:
                return None, unit
            high, step = candidate, step * 2
    raise AssertionError("the level installment search did not converge")
