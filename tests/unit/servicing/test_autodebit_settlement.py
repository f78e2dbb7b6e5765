"""`settle_in_full` (the batch path of auto-debit) equals `replay` of the loan with the repayment.

Random loans and histories from the lending tests' strategies; on a random day, what the loan owes
is collected in full. Where the batch path takes the loan, every figure the store keeps must be
what the fold computes; where it declines, the reason must be one it documents.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parents[1] / "lending" / "loan"))
from loan_strategies import contracts, histories

from creditline.lending.loan import LoanEvent, LoanStatus, effective_history, replay
from creditline.lending.loan.batch import STATUS_CODES
from creditline.money import Money
from creditline.servicing.autodebit import Balances, DueRows, amounts_due, settle_in_full


def _arrays(state):  # type: ignore[no-untyped-def]
    accrual = state.accrual
    rows = DueRows(
        offsets=np.array([0, len(accrual.due_dates)], dtype=np.int64),
        due=np.array([d.toordinal() for d in accrual.due_dates], dtype=np.int64),
        principal_unpaid=np.array(accrual.principal_unpaid_minor, dtype=np.int64),
        other_unpaid=np.array(accrual.other_unpaid_minor, dtype=np.int64),
    )
    balances = Balances(
        status=np.array([STATUS_CODES.index(state.status)], dtype=np.int8),
        principal_outstanding=np.array([state.principal_outstanding.minor], dtype=np.int64),
        interest_receivable=np.array([state.interest_receivable.minor], dtype=np.int64),
        penalty_receivable=np.array([state.penalty_receivable.minor], dtype=np.int64),
        fee_receivable=np.array([state.fee_receivable.minor], dtype=np.int64),
        credit_balance=np.array([state.credit_balance.minor], dtype=np.int64),
    )
    return rows, balances


def _kept(due, principal, other, day):  # type: ignore[no-untyped-def]
    """The rows replay keeps: not yet due, or due with something unpaid."""
    return [
        (int(d), int(p), int(o)) for d, p, o in zip(due, principal, other, strict=True) if d > day or p + o > 0
    ]


@settings(max_examples=250)
@given(st.data())
def test_a_full_debit_settles_exactly_as_the_fold_does(data: st.DataObject) -> None:
    loan = data.draw(contracts())
    events = data.draw(histories(loan))
    due_dates = [row.due_date for row in loan.schedule.rows]
    if data.draw(st.booleans()):  # on or a little after a due date: where auto-debit runs
        day = data.draw(st.sampled_from(due_dates)) + timedelta(days=data.draw(st.integers(0, 40)))
    else:
        day = loan.terms.disbursed + timedelta(days=data.draw(st.integers(min_value=0, max_value=500)))
    so_far = [e for e in effective_history(events) if e.effective_date <= day]
    before = replay(loan, so_far, day)
    rows, balances = _arrays(before)
    due = amounts_due(rows, balances.penalty_receivable, day)
    total = int(due.total_minor[0])
    if total <= 0:
        return
    settled = settle_in_full(balances, rows, due.total_minor, day)
    if not settled.eligible[0]:
        assert (
            before.status not in (LoanStatus.ACTIVE, LoanStatus.OVERDUE)
            or before.fee_receivable.is_positive()
            or before.credit_balance.is_positive()
        )
        return
    cur = loan.terms.principal.currency
    sequence = max(e.sequence for e in events) + 1
    payment = LoanEvent("auto", "repayment", day, sequence, Money(total, cur))
    after = replay(loan, [*so_far, payment], day)
    moved = after.totals.minus(before.totals)
    assert moved.principal_repaid.minor == settled.principal_paid[0]
    assert moved.interest_repaid.minor == settled.interest_paid[0]
    assert moved.penalty_repaid.minor == settled.penalty_paid[0]
    assert moved.overpaid.is_zero() and moved.fees_repaid.is_zero()
    assert after.principal_outstanding.minor == before.principal_outstanding.minor - settled.principal_paid[0]
    assert after.interest_receivable.minor == before.interest_receivable.minor - settled.interest_paid[0]
    assert after.penalty_receivable.is_zero()
    assert after.days_past_due == 0 and after.accrual.oldest_unpaid_due is None
    assert (after.status is LoanStatus.PAID_OFF) == bool(settled.paid_off[0])
    assert after.status in (LoanStatus.PAID_OFF, LoanStatus.ACTIVE)
    ordinal = day.toordinal()
    ours = _kept(rows.due, settled.row_principal_unpaid, settled.row_other_unpaid, ordinal)
    accrual = after.accrual
    theirs = _kept(
        [d.toordinal() for d in accrual.due_dates], accrual.principal_unpaid_minor, accrual.other_unpaid_minor, ordinal
    )
    assert ours == theirs
    assert (accrual.interest_exact, accrual.penalty_exact) == (before.accrual.interest_exact, before.accrual.penalty_exact)


@settings(max_examples=200)
@given(st.tuples(st.integers(0, 10**9), st.integers(0, 10**7), st.integers(0, 10**6)).filter(lambda t: sum(t) > 0),
       st.text(min_size=1, max_size=12))
def test_batch_postings_are_the_posting_rules_postings(paid: tuple[int, int, int], borrower: str) -> None:
    from creditline.app.eod_autodebit import REPAID, repayment_postings
    from creditline.ledger import postings_for_totals_delta, shard_of

    ours = repayment_postings("E", borrower, "L", "CNY", paid)
    delta = {name: Money(minor, loan_currency()) for name, minor in zip(REPAID, paid, strict=True)}
    theirs = postings_for_totals_delta(delta, shard=shard_of(borrower), loan_id="L")
    assert ours == [("E", str(p.account), p.shard, p.loan_id, "CNY", p.amount.minor, borrower) for p in theirs]


def loan_currency():  # type: ignore[no-untyped-def]
    from creditline.money import currency

    return currency("CNY")
