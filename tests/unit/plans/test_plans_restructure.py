"""Restructure proposals match what the loan engine's re-age then does, to the cent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditline.lending.loan import EventKind, LoanContract, LoanEvent, replay
from creditline.lending.loan.restructure import reage_data
from creditline.lending.plans import Arrears, BorrowerFinances, PlanInputInvalid, propose_restructure
from creditline.lending.product import builtin_product
from creditline.money import Money


def cny(text: str) -> Money:
    return Money.parse(text, "CNY")


def overdue_loan() -> tuple[LoanContract, list[LoanEvent]]:
    contract = LoanContract.draw(
        loan_id="L1", borrower_id="B1", line_id="LN1", product=builtin_product("revolving-consumer"),
        amount=cny("12000"), term_months=12, method="equal-installment", rate_daily=Decimal("0.0005"),
        disbursed=date(2025, 1, 15),
    )  # fmt: skip
    # The first installment is paid; the second and third are missed.
    first = contract.schedule.rows[0].total
    events = [
        contract.disbursement("e1"),
        LoanEvent("e2", EventKind.REPAYMENT, date(2025, 2, 15), 2, first),
    ]
    return contract, events


def arrears_on(contract: LoanContract, events: list[LoanEvent], on: date) -> Arrears:
    state = replay(contract, events, on)
    return Arrears(state.principal_outstanding, state.interest_receivable, state.fee_receivable, state.penalty_receivable)


def test_the_proposed_reage_is_what_the_engine_then_charges() -> None:
    contract, events = overdue_loan()
    on = date(2025, 4, 20)
    arrears = arrears_on(contract, events, on)
    assert arrears.penalty_unpaid.is_positive()  # more than the grace days overdue
    finances = BorrowerFinances(cny("6000"), cny("1500"), payday=None)
    proposal = propose_restructure(contract.terms, on, arrears, finances)
    assert proposal.proposed is not None
    chosen = proposal.proposed
    assert chosen.installments == 12
    assert not chosen.affordability.strained
    cheaper = [o for o in proposal.options if o.new_interest < chosen.new_interest]
    assert cheaper and all(o.affordability.strained for o in cheaper)

    reage = LoanEvent("e3", EventKind.REAGE, on, 3, None, data=reage_data(chosen.installments))
    first_due = chosen.schedule.rows[0].due_date
    state = replay(contract, [*events, reage], first_due)
    new_row = next(row for row in state.installments if row.due_date == first_due and row.status != "reaged")
    charged = new_row.principal_due + new_row.interest_due + new_row.fee_due + state.penalty_receivable
    assert charged == chosen.installment_totals[0]
    second_due = chosen.schedule.rows[1].due_date
    later = replay(contract, [*events, reage], second_due)
    row_two = next(row for row in later.installments if row.due_date == second_due)
    assert row_two.principal_due + row_two.interest_due == chosen.installment_totals[1]


def test_each_proposed_installment_is_what_the_engine_charges_with_interest_and_fees_in_arrears() -> None:
    # 0.04 of fees and interest arrears that leave an odd unit each over 3 installments: the engine spreads
    # each separately (the first installment takes both odd units), the proposal spread their sum and
    # showed 0.01 less on the first installment and 0.01 more on the second than the engine then charged.
    contract, events = overdue_loan()
    events.append(LoanEvent("f", EventKind.FEE, date(2025, 3, 1), 3, cny("0.04")))
    on = date(2025, 4, 21)
    arrears = arrears_on(contract, events, on)
    assert (arrears.interest_unpaid.minor % 3, arrears.fees_unpaid.minor % 3) == (1, 1)
    finances = BorrowerFinances(cny("60000"), cny("0"), payday=None)
    option = propose_restructure(contract.terms, on, arrears, finances, installment_choices=(3,)).options[0]
    reage = LoanEvent("e4", EventKind.REAGE, on, 4, None, data=reage_data(3))
    for index, row in enumerate(option.schedule.rows):
        state = replay(contract, [*events, reage], row.due_date)
        charged = next(r for r in state.installments if r.due_date == row.due_date and r.status != "reaged")
        penalty = state.penalty_receivable if index == 0 else cny("0")
        total = charged.principal_due + charged.interest_due + charged.fee_due + penalty
        assert total == option.installment_totals[index], index


def test_nothing_affordable_means_no_proposal_with_the_reason() -> None:
    contract, events = overdue_loan()
    arrears = arrears_on(contract, events, date(2025, 4, 20))
    finances = BorrowerFinances(cny("3000"), cny("1400"), payday=None)
    proposal = propose_restructure(contract.terms, date(2025, 4, 20), arrears, finances)
    assert proposal.proposed is None
    assert proposal.rationale.codes == ("restructure_unaffordable", "debt_service_above_max")
    assert proposal.to_json()["proposed_installments"] is None


def test_bad_arrears_name_the_field() -> None:
    with pytest.raises(PlanInputInvalid) as caught:
        Arrears(cny("0"), cny("10"), cny("0"), cny("0"))
    assert caught.value.field == "principal_outstanding"
    with pytest.raises(PlanInputInvalid) as caught:
        Arrears(cny("100"), cny("-1"), cny("0"), cny("0"))
    assert caught.value.field == "interest_unpaid"
