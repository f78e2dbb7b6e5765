"""Hypothesis strategies for loans: random terms, products and (possibly backdated) histories."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from creditline.lending.loan import EventKind, LoanContract, LoanEvent, LoanState
from creditline.lending.product import builtin_products
from creditline.lending.product_allocation import AllocationRule, AllocationStyle
from creditline.lending.schedule import DaysInYear, Frequency, InterestBasis, Method, ScheduleTerms
from creditline.money import Money, Rate, RateUnit, Rounding

METHODS = (Method.EQUAL_INSTALLMENT, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET)


@st.composite
def rates(draw: st.DrawFn) -> tuple[Rate, DaysInYear]:
    if draw(st.booleans()):
        daily = Decimal(draw(st.integers(min_value=0, max_value=10_000))).scaleb(-7)  # up to 0.1% a day
        return Rate(daily, RateUnit.DAILY), draw(st.sampled_from(list(DaysInYear)))
    annual = Decimal(draw(st.integers(min_value=0, max_value=3_600))).scaleb(-4)  # up to 36% a year
    return Rate(annual, RateUnit.ANNUAL), draw(st.sampled_from(list(DaysInYear)))


@st.composite
def contracts(draw: st.DrawFn) -> LoanContract:
    rate, days_in_year = draw(rates())
    disbursed = draw(st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)))
    broken = draw(st.sampled_from([None, None, None, 10, 25, 45]))
    first_due = disbursed + timedelta(days=broken) if broken else None
    terms = ScheduleTerms(
        principal=Money(
            draw(st.integers(min_value=100, max_value=20_000_000)),
            builtin_products()["revolving-consumer"].currency,
        ),
        rate=rate,
        installments=draw(st.integers(min_value=1, max_value=12)),
        disbursed=disbursed,
        method=draw(st.sampled_from(METHODS)),
        frequency=draw(st.sampled_from([Frequency.MONTHLY] * 4 + [Frequency.WEEKLY, Frequency.DAILY])),
        first_due=first_due,
        installment_multiple_minor=draw(st.sampled_from([None, None, None, 100])),
        interest_basis=InterestBasis.DAILY,
        days_in_year=days_in_year,
        rounding=draw(st.sampled_from(list(Rounding))),
    )
    product = replace(
        builtin_products()["revolving-consumer"],
        grace_days=draw(st.integers(min_value=0, max_value=5)),
        charge_off_days=draw(st.integers(min_value=20, max_value=200)),
        penalty_rate_multiplier=Decimal(draw(st.sampled_from(["1", "1.3", "1.5", "2"]))),
        allocation=AllocationRule(draw(st.sampled_from(list(AllocationStyle)))),
    )
    return LoanContract.create(loan_id="L", borrower_id="B", line_id="LN", product=product, terms=terms)


KINDS = (
    [EventKind.REPAYMENT] * 6
    + [EventKind.REVERSAL] * 2
    + [
        EventKind.WAIVER,
        EventKind.FEE,
        EventKind.PREPAYMENT_REAMORTISE,
        EventKind.REAGE,
        EventKind.CREDIT_REFUND,
    ]
    + [EventKind.WRITE_OFF]
)


@st.composite
def histories(draw: st.DrawFn, loan: LoanContract, horizon_days: int = 500) -> list[LoanEvent]:
    """Any history the fold must digest: amounts and dates at random, recorded in random order."""
    start = loan.terms.disbursed
    cur = loan.terms.principal.currency
    events = [loan.disbursement("d")]
    for sequence in range(2, draw(st.integers(min_value=0, max_value=12)) + 2):
        kind = draw(st.sampled_from(KINDS))
        if kind is EventKind.WRITE_OFF and draw(st.integers(0, 3)) > 0:
            kind = EventKind.REPAYMENT  # keep write-offs rare enough to see long lives
        on = start + timedelta(days=draw(st.integers(min_value=0, max_value=horizon_days)))
        amount = Money(draw(st.integers(min_value=1, max_value=loan.terms.principal.minor // 2 + 100)), cur)
        data: tuple[tuple[str, str], ...] = ()
        reverses = None
        if kind is EventKind.REVERSAL:
            candidates = [
                e.event_id for e in events if e.kind not in (EventKind.DISBURSEMENT, EventKind.REVERSAL)
            ]
            if not candidates:
                continue
            reverses, amount = draw(st.sampled_from(candidates)), None
        elif kind is EventKind.WAIVER:
            data = (("component", draw(st.sampled_from(["interest", "penalty", "fee"]))),)
        elif kind is EventKind.PREPAYMENT_REAMORTISE:
            data = (("mode", draw(st.sampled_from(["keep-term", "keep-installment"]))),)
        elif kind is EventKind.REAGE:
            data, amount = (("installments", str(draw(st.integers(min_value=1, max_value=12)))),), None
        elif kind is EventKind.WRITE_OFF:
            amount = None
        events.append(LoanEvent(f"e{sequence}", kind, on, sequence, amount, reverses, data))
    return events


# More examples for a deep run: CREDITLINE_LOAN_EXAMPLES=5000 pytest tests/unit/lending/loan
SCALE = int(os.environ.get("CREDITLINE_LOAN_EXAMPLES", "100")) / 100


@st.composite
def loans_with_history(draw: st.DrawFn) -> tuple[LoanContract, list, date]:
    """A loan, a random history of it, and a day up to 560 days after its disbursement."""
    loan = draw(contracts())
    events = draw(histories(loan))
    day = loan.terms.disbursed + timedelta(days=draw(st.integers(min_value=0, max_value=560)))
    return loan, events, day


def check_invariants(state: LoanState) -> None:
    """What must hold of every loan on every day, whatever happened to it."""
    t = state.totals
    for name, value in t.as_dict().items():
        assert not value.is_negative(), name
    for value in (
        state.principal_outstanding,
        state.interest_receivable,
        state.penalty_receivable,
        state.fee_receivable,
        state.credit_balance,
    ):
        assert not value.is_negative()
    assert state.principal_outstanding == t.disbursed - t.principal_repaid - t.principal_written_off
    assert (
        state.interest_receivable
        == t.interest_accrued - t.interest_repaid - t.interest_waived - t.interest_written_off
    )
    assert (
        state.penalty_receivable
        == t.penalty_accrued - t.penalty_repaid - t.penalty_waived - t.penalty_written_off
    )
    assert state.fee_receivable == t.fees_charged - t.fees_repaid - t.fees_waived - t.fees_written_off
    assert state.credit_balance == t.overpaid - t.credit_applied - t.credit_refunded
    assert sum(r.principal_due.minor for r in state.installments) == t.disbursed.minor
    for row in state.installments:
        assert not row.principal_outstanding.is_negative()
        assert not row.interest_outstanding.is_negative()
        assert not row.fee_outstanding.is_negative()
    if state.credit_balance.is_positive():
        assert state.total_receivable.is_zero()  # credit settles debt as soon as there is any
    if state.status.value in ("paid-off", "written-off"):
        assert state.total_receivable.is_zero()
    assert state.days_past_due >= 0
    assert (state.status.value == "overdue") <= (state.days_past_due > 0)
    assert (state.status.value == "active") <= (state.days_past_due == 0)
    accrual = state.accrual
    assert accrual.interest_accrued_minor == t.interest_accrued.minor
    assert accrual.penalty_accrued_minor == t.penalty_accrued.minor
    assert (accrual.as_of, accrual.status, accrual.days_past_due) == (
        state.as_of,
        state.status,
        state.days_past_due,
    )
