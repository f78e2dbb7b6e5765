"""Snapshot rows for tests: one-line rows with sensible defaults, and a hypothesis strategy for books."""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import strategies as st

from creditline.portfolio.months import shift_months
from creditline.portfolio.snapshot import LoanSnapshot
from creditline.portfolio.staging import backstop_stage

FIRST_MONTH_END = date(2023, 1, 31)


def row(**changes: object) -> LoanSnapshot:
    """A current, stage 1 loan of CNY 1,000.00 on 2024-06-30, with whatever `changes` say."""
    base = LoanSnapshot(
        as_of=date(2024, 6, 30), loan_id="L1", borrower_id="B1", product_id="jiebei-v1",
        origination_date=date(2024, 1, 15), vintage_month=date(2024, 1, 1), currency="CNY",
        disbursed_minor=100_000, principal_minor=100_000, interest_minor=0, penalty_minor=0,
        limit_minor=200_000, undrawn_minor=0, scheduled_30d_minor=0, recovered_minor=0,
        days_past_due=0, status="active", stage=1, pd_12m=0.02, pd_12m_origination=0.02,
        remaining_term_months=12, lgd=0.45, eir_annual=0.05,
    )
    return dataclasses.replace(base, **changes)


def month_end(offset: int) -> date:
    return shift_months(FIRST_MONTH_END, offset)


@st.composite
def snapshot_rows(draw: st.DrawFn, *, months_max: int = 14, loans_max: int = 12) -> list[LoanSnapshot]:
    """A small book: each loan has a row on some month-ends (gaps allowed), any mix of states."""
    months = draw(st.integers(1, months_max))
    rows: list[LoanSnapshot] = []
    for number in range(draw(st.integers(1, loans_max))):
        first = draw(st.integers(0, months - 1))
        origination = date(month_end(first).year, month_end(first).month, draw(st.integers(1, 28)))
        disbursed = draw(st.sampled_from([0, 50_000, 123_456, 1_000_000]))
        loan = {
            "loan_id": f"L{number}", "borrower_id": f"B{number % 5}", "origination_date": origination,
            "vintage_month": origination.replace(day=1), "disbursed_minor": disbursed,
            "pd_12m_origination": draw(st.sampled_from([0.0, 0.01, 0.05, 0.3])),
            "eir_annual": draw(st.sampled_from([0.0, 0.0365, 0.1095, 0.25])),
            "limit_minor": 2_000_000,
        }
        recovered = 0
        for offset in range(first, months):
            if not draw(st.booleans()) and offset != first:
                continue  # a gap: no snapshot this month
            recovered += draw(st.sampled_from([0, 0, 1_000, 7_777]))
            rows.append(_month_row(draw, loan, offset, recovered))
    return rows


def _month_row(draw: st.DrawFn, loan: dict[str, object], offset: int, recovered: int) -> LoanSnapshot:
    status = draw(st.sampled_from(["active", "active", "overdue", "overdue", "charged_off", "closed"]))
    days = 0
    if status in ("overdue", "charged_off"):
        days = draw(st.sampled_from([1, 30, 31, 60, 61, 90, 91, 120, 150, 151, 180, 181, 271, 361, 400]))
    principal = 0 if status == "closed" else draw(st.sampled_from([0, 1, 10_000, 99_999, 500_000]))
    stage = max(int(backstop_stage(days)), draw(st.integers(1, 3)))
    return row(
        as_of=month_end(offset), currency="CNY", product_id="p", status=status, days_past_due=days, stage=stage,
        principal_minor=principal,
        interest_minor=0 if status == "closed" else draw(st.sampled_from([0, 3, 1_234])),
        penalty_minor=0 if status == "closed" else draw(st.sampled_from([0, 55])),
        undrawn_minor=draw(st.sampled_from([0, 1, 250_000])),
        scheduled_30d_minor=draw(st.sampled_from([0, 8_333])), recovered_minor=recovered,
        pd_12m=draw(st.sampled_from([0.0, 0.001, 0.02, 0.15, 0.5, 1.0])),
        remaining_term_months=draw(st.sampled_from([0, 1, 5, 12, 13, 24, 36])),
        lgd=draw(st.sampled_from([None, 0.0, 0.45, 0.9, 1.0])), **loan,
    )
