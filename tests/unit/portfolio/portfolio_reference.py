"""Plain-Python reference computations of every portfolio metric, one loan at a time.

Deliberately naive (dicts and loops, Decimal for regulatory arithmetic) and written from the
definitions in docs/portfolio-metrics.md, not from the vectorised code, so that the property tests
comparing the two can fail.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from creditline.portfolio.delinquency import CHINA_2023, bucket_of, tier_of
from creditline.portfolio.months import is_month_end, month_index, months_on_book, shift_months
from creditline.portfolio.snapshot import LoanSnapshot

ACCRUING = ("active", "overdue")


def on_book(r: LoanSnapshot) -> bool:
    """On the balance sheet: accruing, or charged off and still owing (not written off)."""
    return r.status in ACCRUING or (r.status == "charged_off" and r.drawn_minor > 0)


def is_default(r: LoanSnapshot) -> bool:
    return r.days_past_due > 90 or r.status == "charged_off"


def day_rows(rows: list[LoanSnapshot], as_of: date) -> list[LoanSnapshot]:
    return [r for r in rows if r.as_of == as_of]


def buckets(rows: list[LoanSnapshot]) -> dict[int, tuple[int, int, int]]:
    table = {k: (0, 0, 0) for k in range(8)}
    for r in rows:
        if r.status in ACCRUING and r.disbursed_minor > 0:
            loans, principal, drawn = table[bucket_of(r.days_past_due)]
            table[bucket_of(r.days_past_due)] = (loans + 1, principal + r.principal_minor, drawn + r.drawn_minor)
    return table


def tiers(rows: list[LoanSnapshot]) -> dict[int, tuple[int, int]]:
    table = {k: (0, 0) for k in range(5)}
    for r in rows:
        if on_book(r) and r.disbursed_minor > 0:
            t = 4 if r.status == "charged_off" else int(tier_of(r.days_past_due, CHINA_2023))
            table[t] = (table[t][0] + 1, table[t][1] + r.principal_minor)
    return table


def npl(rows: list[LoanSnapshot]) -> tuple[int, int]:
    book = [r for r in rows if on_book(r)]
    # substandard or worse, China 2023; a charged-off loan is a loss loan
    bad = sum(r.principal_minor for r in book if r.days_past_due > 90 or r.status == "charged_off")
    return bad, sum(r.principal_minor for r in book)


def default_rate(rows: list[LoanSnapshot], as_of: date) -> tuple[int, int, int, int] | None:
    start = shift_months(as_of, -12)
    if not any(r.as_of == start for r in rows):
        return None
    cohort = {r.loan_id: r.drawn_minor for r in rows
              if r.as_of == start and r.status in ACCRUING and r.days_past_due <= 90 and r.disbursed_minor > 0}
    bad = {r.loan_id for r in rows if start < r.as_of <= as_of and is_default(r) and r.loan_id in cohort}
    return len(cohort), len(bad), sum(cohort.values()), sum(cohort[k] for k in bad)


def vintage(rows: list[LoanSnapshot], as_of: date) -> dict[tuple[date, int], tuple[int, int, int, int, int]]:
    """(vintage, mob) → (loans, disbursed, ever-90 loans, ever-90 disbursed, 30+ principal)."""
    rows = [r for r in rows if r.as_of <= as_of and r.disbursed_minor > 0]
    if not rows:
        return {}
    latest = max(r.as_of for r in rows)
    loans: dict[str, LoanSnapshot] = {}
    first_default: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: r.as_of):
        loans.setdefault(r.loan_id, r)
        if is_default(r) and r.loan_id not in first_default:
            first_default[r.loan_id] = months_on_book(r.vintage_month, r.as_of)
    result = {}
    for v in {r.vintage_month for r in loans.values()}:
        members = [r for r in loans.values() if r.vintage_month == v]
        for mob in range(months_on_book(v, latest) + 1):
            bad = [r for r in members if first_default.get(r.loan_id, 10**6) <= mob]
            late = sum(r.principal_minor for r in rows if r.vintage_month == v and r.status in ACCRUING
                       and r.days_past_due > 30 and months_on_book(v, r.as_of) == mob)
            result[(v, mob)] = (len(members), sum(r.disbursed_minor for r in members), len(bad),
                                sum(r.disbursed_minor for r in bad), late)
    return result


def state(r: LoanSnapshot) -> int:
    return {"closed": 8, "charged_off": 9}.get(r.status, bucket_of(r.days_past_due))


def transitions(rows: list[LoanSnapshot], as_of: date) -> dict[tuple[date, int, int], tuple[int, int]]:
    if not is_month_end(as_of):  # a part-month is no transition: stop at the month-end before
        as_of = as_of.replace(day=1) - timedelta(days=1)
    by_key = {(r.loan_id, month_index(r.as_of)): r for r in rows if r.as_of <= as_of and r.disbursed_minor > 0}
    pairs = [(r, by_key[(loan, month + 1)]) for (loan, month), r in by_key.items()
             if r.status in ACCRUING and (loan, month + 1) in by_key]
    month_end: dict[int, date] = {}  # one label per month: its latest date among the transitions
    for _, after in pairs:
        month = month_index(after.as_of)
        month_end[month] = max(month_end.get(month, after.as_of), after.as_of)
    result: dict[tuple[date, int, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r, after in pairs:
        key = (month_end[month_index(after.as_of)], state(r), state(after))
        result[key] = (result[key][0] + 1, result[key][1] + r.principal_minor)
    return dict(result)


def workout_lgd(rows: list[LoanSnapshot], as_of: date, workout_months: int) -> tuple[int, int, int, float]:
    rows = sorted((r for r in rows if r.as_of <= as_of), key=lambda r: r.as_of)
    first: dict[str, LoanSnapshot] = {}
    for r in rows:
        if is_default(r):
            first.setdefault(r.loan_id, r)
    done = {k: r for k, r in first.items() if r.as_of <= shift_months(as_of, -workout_months)}
    received_total, present_total = 0, 0.0
    for loan, at_default in done.items():
        previous = None
        for r in rows:
            if r.loan_id == loan and r.as_of >= at_default.as_of:
                received = r.recovered_minor - (previous if previous is not None else 0)
                previous = r.recovered_minor
                years = (r.as_of - at_default.as_of).days / 365
                received_total += received
                present_total += received * float(np.power(np.float64(1.0 + r.eir_annual), np.float64(-years)))
    return len(done), sum(r.drawn_minor for r in done.values()), received_total, present_total


def retail_rwa(rows: list[LoanSnapshot], ccf: Decimal, cap_minor: int, granularity: Decimal) -> tuple[int, int, int]:
    drawn: dict[str, int] = defaultdict(int)
    undrawn: dict[str, int] = defaultdict(int)
    defaulted: dict[str, bool] = defaultdict(bool)
    for r in rows:
        if on_book(r):
            drawn[r.borrower_id] += r.drawn_minor
            undrawn[r.borrower_id] += r.undrawn_minor
            defaulted[r.borrower_id] |= r.days_past_due > 90 or r.status == "charged_off"
    exposure = {b: drawn[b] + int((undrawn[b] * ccf).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for b in drawn}
    total = sum(exposure.values())
    good = {b for b, e in exposure.items() if not defaulted[b] and e <= cap_minor and e <= total * granularity}
    qualifying = sum(exposure[b] for b in good)
    other = total - qualifying
    rwa = int((qualifying * Decimal("0.75") + other).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return qualifying, other, rwa
