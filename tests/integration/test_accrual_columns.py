"""The store's column form of the accrual snapshot builds exactly the domain's batch arrays, so EOD
over stored rows equals the domain's batch (and hence `replay`) to the minor unit."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.lending.loan import LoanContract, LoanEvent, replay
from creditline.lending.loan.batch import AccrualBatch, accrue_batch
from creditline.lending.product import builtin_products
from creditline.money import Money
from creditline.store.accrual_columns import ACCRUAL_COLUMNS, accrual_of_values, accrual_values, batch_of

PRODUCT = builtin_products()["revolving-consumer"]
START = date(2025, 1, 31)


def a_loan(i: int, principal_hundreds: int, term: int, rate_bp: int, paid_hundreds: int, days: int):  # type: ignore[no-untyped-def]
    contract = LoanContract.draw(
        loan_id=f"L{i}", borrower_id="B", line_id="LN", product=PRODUCT,
        amount=Money.of_minor(principal_hundreds * 10_000, "CNY"), term_months=term,
        method="equal-installment", rate_daily=PRODUCT.rate_daily_min + rate_bp * PRODUCT.rate_daily_min / 10,
        disbursed=START,
    )  # fmt: skip
    events = [contract.disbursement(f"E{i}")]
    if paid_hundreds:
        paid_on = START + timedelta(days=days // 2)
        events.append(LoanEvent(f"R{i}", "repayment", paid_on, 2, Money.of_minor(paid_hundreds * 10_000, "CNY")))
    return replay(contract, events, START + timedelta(days=days))


loans = st.lists(
    st.tuples(st.integers(5, 2000), st.sampled_from([3, 6, 12]), st.integers(0, 20), st.integers(0, 30)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40)
@given(loans, st.integers(0, 200))
def test_batch_from_columns_equals_the_domains_batch(specs, days: int) -> None:  # type: ignore[no-untyped-def]
    states = [a_loan(i, *spec, days=days) for i, spec in enumerate(specs)]
    rows = []
    for state in states:
        values = {"status": str(state.status), **accrual_values(state.accrual)}
        rows.append(tuple(values[name] for name in ACCRUAL_COLUMNS))
        assert accrual_of_values(values, state.as_of) == state.accrual
    from_columns, _ = batch_of(rows, states[0].as_of)
    expected = AccrualBatch.from_states([s.accrual for s in states])
    for item in fields(AccrualBatch):
        left, right = getattr(from_columns, item.name), getattr(expected, item.name)
        assert np.array_equal(left, right) if isinstance(left, np.ndarray) else left == right, item.name
    stepped, want = accrue_batch(from_columns), accrue_batch(expected)
    assert np.array_equal(stepped.interest_accrued, want.interest_accrued)
    assert np.array_equal(stepped.penalty_accrued, want.penalty_accrued)
