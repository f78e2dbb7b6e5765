"""Repayment plans, restructures and limit reviews over HTTP on SQLite and PostgreSQL: the recommended plan
is the cheapest that does not strain the borrower and is recorded with its hash; a restructure is
proposed to the borrower or a collections agent; a limit review's freeze is shown with its reasons."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from api_flows import approved_borrower, with_loan
from servicing_flows import business_date, operators
from sqlalchemy import select

from creditline.store.tables_borrower_servicing import plan_recommendations


@pytest.fixture(scope="module")
def people(client, engine):  # type: ignore[no-untyped-def]
    return operators(client, engine)


def test_the_recommended_plan_is_the_cheapest_affordable_one_and_is_recorded(client, engine) -> None:  # type: ignore[no-untyped-def]
    person, decision = approved_borrower(client, "Planner", min_limit="3000.00")
    path = f"/v1/lines/{decision['line_id']}/plan-recommendations"
    answer = person.post(path, {"amount": "3000.00"})
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert plan["finances"]["source"] == "origination-record" and plan["currency"] == "CNY"
    options = {o["key"]: o for o in plan["options"]}
    affordable = [o for o in options.values() if not o["strained"]]
    assert plan["recommended"] in options and not options[plan["recommended"]]["strained"]
    assert Decimal(options[plan["recommended"]]["total_cost"]) == min(Decimal(o["total_cost"]) for o in affordable)
    assert plan["rationale"]["codes"][0] == "cheapest_affordable" and plan["rationale"]["zh"]
    assert sorted(plan["by_cost"]) == sorted(options)
    with engine.connect() as connection:
        row = connection.execute(select(plan_recommendations).where(
            plan_recommendations.c.recommendation_id == plan["recommendation_id"])).mappings().one()  # fmt: skip
    assert row["recommended"] == plan["recommended"] and row["amount_minor"] == 300_000
    assert row["record_sha256"] == hashlib.sha256(row["record_json"].encode()).hexdigest()


def test_nothing_affordable_is_said_and_bad_requests_change_nothing(client, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func

    person, decision = approved_borrower(client, "Stretched", min_limit="3000.00")
    path = f"/v1/lines/{decision['line_id']}/plan-recommendations"
    tight = person.post(path, {"amount": "3000.00", "income_monthly": "3000.00", "obligations_monthly": "2900.00"}).json()
    assert tight["recommended"] is None and tight["finances"]["source"] == "given"
    assert tight["rationale"]["codes"][0] in ("nothing_affordable", "no_free_income")
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(plan_recommendations)).scalar_one()
    too_much = person.post(path, {"amount": "9999999.00"})
    assert too_much.status_code == 422 and too_much.json()["code"] == "insufficient_limit"
    dollars = person.post(path, {"amount": "100.00", "currency": "USD"})
    assert dollars.status_code == 422 and dollars.json()["code"] == "currency_mismatch"
    payday = person.post(path, {"amount": "100.00", "payday": 32})
    assert payday.status_code == 422 and payday.json()["errors"][0]["field"] == "payday"
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(plan_recommendations)).scalar_one() == before


def test_a_restructure_is_proposed_to_the_borrower_and_a_collections_agent(client, people) -> None:  # type: ignore[no-untyped-def]
    person, _, loan_id = with_loan(client, "Struggling", "1500.00")
    path = f"/v1/loans/{loan_id}/restructure-proposal"
    own = person.get(path, params={"income_monthly": "6000.00", "obligations_monthly": "0.00", "payday": 10})
    assert own.status_code == 200, own.text
    proposal = own.json()
    assert proposal["principal_outstanding"] == "1500.00" and proposal["finances"]["payday"] == 10
    assert proposal["proposed_installments"] in [o["installments"] for o in proposal["options"]]
    agent = people["collections_agent"].get(path, params={"income_monthly": "6000.00", "obligations_monthly": "0.00", "payday": 10})
    assert agent.status_code == 200 and agent.json() == proposal, "the same proposal, and nothing was written"
    for role in ("risk_analyst", "finance", "admin"):
        assert people[role].get(path).status_code == 403, role


def test_a_limit_review_freeze_is_listed_with_its_reasons(client, engine, people) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.alerts import FraudSignal, check_alerts_today, record_fraud_signal
    from creditline.app.limit_review import review_limits

    person, decision = approved_borrower(client, "Frozen")
    path = f"/v1/lines/{decision['line_id']}/limit-reviews"
    assert person.get(path).json() == {"line_id": decision["line_id"], "reviews": []}
    record_fraud_signal(engine, FraudSignal(decision["borrower_id"], "account_takeover", "stolen phone", "fraud-review"))
    check_alerts_today(engine)
    review_limits(engine, business_date(engine))  # an alerted borrower is reviewed at once, whatever the cadence
    (review,) = person.get(path).json()["reviews"]
    assert review["action"] == "freeze" and review["reasons"] and review["currency"] == "CNY"
    assert review["old_limit"] == decision["limit"] and "old_limit_minor" not in review
    assert people["risk_analyst"].get(path).json()["reviews"] == [review]
    frozen = person.post(f"/v1/lines/{decision['line_id']}/plan-recommendations", {"amount": "500.00"})
    assert frozen.status_code == 422 and frozen.json()["errors"][0]["field"] in ("line", "amount")


def test_only_the_borrower_asks_for_a_plan(client, people) -> None:  # type: ignore[no-untyped-def]
    _, decision = approved_borrower(client, "Mine")
    for operator in people.values():
        answer = operator.post(f"/v1/lines/{decision['line_id']}/plan-recommendations", {"amount": "500.00"})
        assert answer.status_code == 403 and answer.json()["code"] == "permission_denied", operator.name
