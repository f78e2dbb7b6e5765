"""Plan recommendation and restructure proposals through the store and the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from integration_helpers import cli, dump, ok
from lending_fixtures import eod_to, open_line, setup_books

from creditline.app import Draw, draw
from creditline.app.plans import (
    FinancesGiven,
    ProposeRestructure,
    RecommendPlan,
    propose_restructure,
    recommend,
)
from creditline.lending.credit_line import InsufficientLimit
from creditline.lending.plans import PlanInputInvalid
from creditline.store import UnitOfWork
from creditline.store.servicing_repository import ServicingRepository


@pytest.fixture
def line(engine) -> str:  # type: ignore[no-untyped-def]
    setup_books(engine)
    return open_line(engine, "B1", limit="20000", rate_pct="0.05")


def test_recommendation_is_recorded_with_its_hash(engine, line: str) -> None:  # type: ignore[no-untyped-def]
    view = recommend(engine, RecommendPlan(line, "10000", FinancesGiven("8000", "2000", 28)))
    assert view["recommended"] == "6m-equal-installment"
    assert view["finances"] == {"source": "given", "income_monthly": "8000.00", "obligations_monthly": "2000.00", "payday": 28}
    assert view["rationale"]["codes"][0] == "cheapest_affordable"
    with UnitOfWork(engine, read_only=True) as uow:
        stored = ServicingRepository(uow.connection).recommendation(view["recommendation_id"])
    assert stored is not None and stored["recommended"] == "6m-equal-installment"
    assert json.loads(stored["record_json"]) == view
    assert stored["record_sha256"] == hashlib.sha256(stored["record_json"].encode()).hexdigest()


def test_the_borrowers_own_loans_count_as_obligations(engine, line: str) -> None:  # type: ignore[no-untyped-def]
    loan = draw(engine, Draw(line, "6000", 6, "d1"))
    view = recommend(engine, RecommendPlan(line, "5000", FinancesGiven("8000", "2000")))
    # 6,000 over 6 months at 0.05% a day: the next installment is 1,053.15, added to the 2,000.00 given
    assert view["finances"]["obligations_monthly"] == "3053.15"
    assert loan["principal_outstanding"] == "6000.00"


def test_obligations_not_given_are_the_origination_records(engine, line: str) -> None:  # type: ignore[no-untyped-def]
    from collections_fixtures import approved_with_income

    approved_with_income(engine, "B1", line, 900_000, obligations_monthly_minor=200_000)  # 9,000 and 2,000 a month
    stated = recommend(engine, RecommendPlan(line, "10000", FinancesGiven("8000")))  # the income only
    assert stated["finances"] == {"source": "given", "income_monthly": "8000.00", "obligations_monthly": "2000.00", "payday": None}
    assert stated["recommended"] == "6m-equal-installment"  # as with both given: 3 months takes 58% of the 6,000 free
    recorded = recommend(engine, RecommendPlan(line, "10000", FinancesGiven(obligations_monthly="2500")))
    assert recorded["finances"]["income_monthly"] == "9000.00" and recorded["finances"]["obligations_monthly"] == "2500.00"


def test_bad_input_is_a_typed_error_and_nothing_is_written(engine, line: str) -> None:  # type: ignore[no-untyped-def]
    before = dump(engine)
    with pytest.raises(InsufficientLimit) as above:
        recommend(engine, RecommendPlan(line, "20000.01", FinancesGiven("8000")))
    assert above.value.field == "amount"
    with pytest.raises(PlanInputInvalid) as missing:
        recommend(engine, RecommendPlan(line, "1000"))
    assert missing.value.field == "income"
    assert dump(engine) == before


def test_cli_recommend_and_its_errors(engine, db_url: str, line: str) -> None:  # type: ignore[no-untyped-def]
    view = ok("plan", "recommend", "--line", line, "--amount", "10000", "--income", "20000", "--db", db_url)
    assert view["recommended"] == "3m-equal-principal"
    text = cli("plan", "recommend", "--line", line, "--amount", "10000", "--income", "20000", "--lang", "zh", "--db", db_url)
    assert text.exit_code == 0 and "3个月等额本金" in text.stdout and "*3m-equal-principal" in text.stdout
    bad = cli("plan", "recommend", "--line", line, "--amount", "abc", "--income", "20000", "--db", db_url)
    assert (bad.exit_code, bad.stderr.strip()) == (2, "error: --amount: 'abc' is not an amount (digits, optional sign and decimal point)")
    no_income = cli("plan", "recommend", "--line", line, "--amount", "1000", "--db", db_url)
    assert no_income.exit_code == 2 and no_income.stderr.startswith("error: --income: no income is on record")
    unknown = cli("plan", "recommend", "--line", "nope", "--amount", "1000", "--income", "1", "--db", db_url)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("error: --line: no credit line")


def test_restructure_proposal_for_an_overdue_loan_then_the_reage(engine, db_url: str, line: str) -> None:  # type: ignore[no-untyped-def]
    from creditline.app import Reage, reage

    loan = draw(engine, Draw(line, "12000", 12, "d1"))["loan_id"]
    eod_to(engine, date(2025, 2, 6))  # the February 1 installment is missed: overdue, past the grace days
    proposal = propose_restructure(engine, ProposeRestructure(loan, FinancesGiven("5000", "1000")))
    assert proposal["status"] == "overdue"
    # 4,000 free a month allows 1,200.00 an installment: 9 installments are too steep, 12 fit
    by_count = {option["installments"]: option for option in proposal["options"]}
    assert by_count[9]["strained"] and not by_count[12]["strained"]
    assert proposal["proposed_installments"] == 12
    assert proposal["rationale"]["codes"] == ["restructure_fits"]
    result = reage(engine, Reage(loan, proposal["proposed_installments"], "r1"))
    assert result["days_past_due"] == 0
    shown = ok("plan", "restructure", "--loan", loan, "--income", "5000", "--db", db_url)
    assert shown["status"] == "active"


def test_a_restructure_of_a_paid_off_loan_is_refused_naming_the_loan(engine, db_url: str, line: str) -> None:  # type: ignore[no-untyped-def]
    """The refusal named principal_outstanding (`error: --principal-outstanding: ...`, a field no caller
    gives) instead of the loan."""
    from creditline.app import Repay, repay
    from creditline.lending.loan import LoanNotActive

    loan = draw(engine, Draw(line, "1000", 3, "d1"))["loan_id"]
    assert repay(engine, Repay(loan, "1000", "p1"))["status"] == "paid-off"
    with pytest.raises(LoanNotActive) as caught:
        propose_restructure(engine, ProposeRestructure(loan, FinancesGiven("5000", "1000")))
    assert caught.value.field == "loan"
    refused = cli("plan", "restructure", "--loan", loan, "--income", "5000", "--db", db_url)
    assert (refused.exit_code, refused.stderr.strip()) == (2, "error: --loan: the loan is paid-off; there is nothing to re-age")


def test_the_restructure_text_names_the_reage_command_only_for_an_overdue_loan(engine, db_url: str, line: str) -> None:  # type: ignore[no-untyped-def]
    """For a loan that is not overdue the text told the operator to run `creditline loan reage ...`, which
    then refused it (`only an overdue loan is re-aged`)."""
    loan = draw(engine, Draw(line, "12000", 12, "d1"))["loan_id"]
    current = cli("plan", "restructure", "--loan", loan, "--income", "5000", "--obligations", "1000", "--db", db_url)
    assert current.exit_code == 0, current.stderr
    assert current.stdout.splitlines()[0] == (f"loan {loan}: re-age over 12 installments (once the loan is overdue: "
                                              "it is active, and only an overdue loan is re-aged)")  # fmt: skip
    eod_to(engine, date(2025, 2, 6))
    overdue = cli("plan", "restructure", "--loan", loan, "--income", "5000", "--obligations", "1000", "--db", db_url)
    assert overdue.stdout.splitlines()[0] == f"loan {loan}: re-age over 12 installments (creditline loan reage {loan} --installments 12)"
    assert cli("loan", "reage", loan, "--installments", "12", "--key", "r1", "--db", db_url).exit_code == 0
