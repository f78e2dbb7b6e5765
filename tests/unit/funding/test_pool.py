"""Pool selection: eligibility, concentration limits, the eligibility waterfall, the sale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.funding.errors import EmptyPool, FundingError
from creditline.funding.pool import eligibility_criteria, seasoning_months, select_pool
from creditline.funding.sale import sell_to_trust
from creditline.funding.tape import LoanTape

from .builders import small_tape

CUT_OFF = date(2025, 6, 30)


def select(tape: LoanTape, **criteria: object):
    return select_pool(tape, eligibility_criteria(criteria), "CNY", CUT_OFF)


def test_default_criteria_take_current_loans_only() -> None:
    tape = small_tape([{}, {"status": "delinquent", "days_past_due": "12"}, {"status": "defaulted"}, {}])
    selection = select(tape)
    assert selection.tape.loan_id.tolist() == ["L0", "L3"]
    assert selection.rows.tolist() == [0, 3]
    statuses = next(e for e in selection.exclusions if e.rule == "statuses")
    assert (statuses.loans, statuses.principal_minor) == (2, 200_000)


def test_eligibility_waterfall_accounts_for_every_loan(pool_tape: LoanTape) -> None:
    selection = select(
        pool_tape,
        grades=["A", "B", "C"],
        max_remaining_term_months=10,
        max_borrower_share="12%",
        min_annual_rate="9%",
    )
    excluded_loans = sum(e.loans for e in selection.exclusions)
    excluded_minor = sum(e.principal_minor for e in selection.exclusions)
    assert excluded_loans + len(selection.tape) == selection.source_loans
    assert excluded_minor + selection.principal_minor == selection.source_principal_minor
    assert set(selection.tape.risk_grade.tolist()) <= {"A", "B", "C"}
    assert selection.tape.remaining_term_months.max() <= 10
    assert selection.tape.annual_rate.min() >= 0.09


def test_other_currencies_are_excluded() -> None:
    selection = select(small_tape([{"currency": "USD"}, {}]))
    assert selection.tape.currency.tolist() == ["CNY"]


def test_no_matching_loan_names_the_rule() -> None:
    tape = small_tape([{"risk_grade": "E"}, {"risk_grade": "D"}])
    with pytest.raises(EmptyPool) as caught:
        select(tape, grades=["A"])
    assert caught.value.field == "grades"
    assert caught.value.code == "empty_pool"


def test_seasoning() -> None:
    origination = np.array(["2025-01-30", "2025-06-01", "2024-06-30", "NaT"], dtype="datetime64[D]")
    assert seasoning_months(origination, CUT_OFF).tolist() == [5, 0, 12, -1]
    tape = small_tape([{"origination_date": "2025-01-30"}, {"origination_date": "2025-06-01"}])
    assert select(tape, min_seasoning_months=3).tape.loan_id.tolist() == ["L0"]


def test_target_balance_keeps_tape_order() -> None:
    tape = small_tape([{"outstanding_principal_minor": "60000"}] * 5)
    selection = select(tape, target_balance="2000.00")
    assert selection.principal_minor == 180_000
    assert selection.tape.loan_id.tolist() == ["L0", "L1", "L2"]


def test_borrower_limit_keeps_earliest_loans() -> None:
    rows = [{"borrower_id": "big", "outstanding_principal_minor": "300000"}] * 3 + [{}] * 10
    selection = select(small_tape(rows), max_borrower_share="25%")
    kept = selection.tape.borrower_id == "big"
    assert selection.tape.loan_id[kept].tolist() == ["L0"]


@settings(max_examples=60)
@given(
    principals=st.lists(st.integers(1, 10_000_000), min_size=1, max_size=40),
    borrowers=st.lists(st.integers(0, 6), min_size=40, max_size=40),
    grades=st.lists(st.sampled_from("ABC"), min_size=40, max_size=40),
    borrower_share=st.decimals(Decimal("0.05"), Decimal("1"), places=3),
    grade_share=st.decimals(Decimal("0.05"), Decimal("1"), places=3),
)
def test_concentration_limits_hold_on_the_final_pool(
    principals, borrowers, grades, borrower_share, grade_share
) -> None:
    rows = [
        {"outstanding_principal_minor": str(p), "borrower_id": f"B{borrowers[i]}", "risk_grade": grades[i]}
        for i, p in enumerate(principals)
    ]
    try:
        selection = select(
            small_tape(rows), max_borrower_share=borrower_share, max_grade_share={"A": grade_share}
        )
    except EmptyPool:
        return
    tape = selection.tape
    total = selection.principal_minor
    for borrower in set(tape.borrower_id.tolist()):
        assert tape.outstanding_principal_minor[tape.borrower_id == borrower].sum() <= borrower_share * total
    assert tape.outstanding_principal_minor[tape.risk_grade == "A"].sum() <= grade_share * total


def test_sale_amounts_sum_to_the_price() -> None:
    tape = small_tape([{"outstanding_principal_minor": str(p)} for p in (100_001, 33_333, 7)])
    selection = select(tape)
    sale = sell_to_trust(selection, Decimal("0.985"), date(2025, 7, 15), Decimal("0.01"))
    # each loan: book x 0.985 rounded half-up
    assert sale.sale_amount_minor.tolist() == [98_501, 32_833, 7]
    assert sale.total_price_minor == 131_341
    assert sale.total_book_minor == 133_341
    assert sale.gain_on_sale_minor == -2_000


def test_sale_price_must_be_sane() -> None:
    selection = select(small_tape([{}]))
    with pytest.raises(FundingError) as caught:
        sell_to_trust(selection, Decimal("98.5"), date(2025, 7, 15), Decimal(0))
    assert caught.value.field == "price"
