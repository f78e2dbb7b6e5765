"""The collections work queue over HTTP on SQLite and PostgreSQL: an agent takes an item opened at end
of day, records contacts (held to quiet hours), a promise to pay, and offers then applies a hardship
re-age under an Idempotency-Key; other roles are refused and nothing changes."""

from __future__ import annotations

from decimal import Decimal

from api_flows import approved_borrower, with_loan
from servicing_flows import close_days, operator, operators

DAYS_TO_THE_CALL_QUEUE = 41  # drawn on 30 June, first due 30 July: the call queue opens at 10 days past due


def late_loan(client, engine):  # type: ignore[no-untyped-def]
    """A loan whose first installment was missed, with its work item; the operators of every role."""
    borrower, _, loan_id = with_loan(client, "LatePayer", "2000.00")
    close_days(engine, DAYS_TO_THE_CALL_QUEUE)
    people = operators(client, engine)
    items = people["collections_agent"].get("/v1/collections/work-items").json()["items"]
    (item,) = [i for i in items if i["loan_id"] == loan_id]
    return borrower, loan_id, item, people


def test_an_agent_works_a_late_loan_from_the_queue_to_a_hardship_plan(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """One journey (its steps below): end of day runs 41 days to open the item, so the steps share it."""
    late = late_loan(client, engine)
    the_queue_shows_the_late_loan_with_money_as_text(late, engine)
    the_agent_takes_the_item_and_records_contacts_held_to_quiet_hours(late, engine)
    a_promise_to_pay_within_the_strategys_terms(late)
    hardship_is_offered_and_applied_once_under_its_key(late, monkeypatch)
    a_paid_off_loan_takes_no_collection_contact(late, engine)


def the_queue_shows_the_late_loan_with_money_as_text(late, engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.store import UnitOfWork
    from creditline.store.collections_repository import CollectionsRepository

    borrower, loan_id, item, people = late
    agent = people["collections_agent"]
    loan = borrower.get(f"/v1/loans/{loan_id}").json()
    assert item["status"] == "open" and item["queue"] in ("early", "mid", "late") and item["currency"] == "CNY"
    overdue = sum(Decimal(i["outstanding"]) for i in loan["installments"] if i["status"] == "overdue")
    with UnitOfWork(engine, read_only=True) as uow:
        stored = CollectionsRepository(uow.connection).item(item["item_id"])
    assert stored is not None and Decimal(item["overdue"]) * 100 == stored["overdue_minor"]
    assert Decimal(item["overdue"]) >= overdue > 0  # the installment and its penalty when the item was last updated
    assert "overdue_minor" not in item
    detail = agent.get(f"/v1/collections/work-items/{item['item_id']}").json()
    assert detail["loan_id"] == loan_id and detail["promises"] == []
    assert {c["channel"] for c in detail["contacts"]} >= {"sms"}  # the strategy's automated reminders are listed


def the_agent_takes_the_item_and_records_contacts_held_to_quiet_hours(late, engine) -> None:  # type: ignore[no-untyped-def]
    from creditline.store import UnitOfWork
    from creditline.store.collections_repository import CollectionsRepository

    _, loan_id, item, people = late
    agent = people["collections_agent"]
    path = f"/v1/collections/work-items/{item['item_id']}"
    taken = agent.post(f"{path}/assignment")
    assert taken.status_code == 200 and taken.json()["assignee"] == agent.account["account_id"]
    assert taken.json()["status"] == "assigned"
    other = operator(agent.client, engine, "collections_agent")  # a second agent cannot take it from the first
    with UnitOfWork(engine, read_only=True) as uow:
        held = CollectionsRepository(uow.connection).item(item["item_id"])
    refused = other.post(f"{path}/assignment")
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "work_item_held" and refused.json()["errors"][0]["field"] == "item"
    assert agent.account["account_id"] in refused.json()["detail"]
    with UnitOfWork(engine, read_only=True) as uow:
        assert CollectionsRepository(uow.connection).item(item["item_id"]) == held
    again = agent.post(f"{path}/assignment")  # taking one's own item again is no conflict
    assert again.status_code == 200 and again.json()["assignee"] == agent.account["account_id"]
    mine = agent.get("/v1/collections/work-items", params={"mine": "true"}).json()["items"]
    assert [i["item_id"] for i in mine] == [item["item_id"]]
    with UnitOfWork(engine, read_only=True) as uow:
        before = len(CollectionsRepository(uow.connection).contacts(loan_id=loan_id, limit=500))
    night = agent.post(f"{path}/contacts", {"channel": "call", "outcome": "no_answer", "at": "2025-08-09T22:30:00+08:00"})
    assert night.status_code == 409 and night.json()["code"] == "contact_quiet_hours"
    call = agent.post(f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": "2025-08-09T10:30:00+08:00",
                                           "note": "will pay half on Friday"})  # fmt: skip
    assert call.status_code == 201, call.text
    assert call.json()["local_time"] == "2025-08-09T10:30:00+08:00" and call.json()["item"]["last_outcome"] == "reached"
    naive = agent.post(f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": "2025-08-09T10:30:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "at"
    future = agent.post(f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": "2099-08-09T10:30:00+08:00"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "at", future.text
    with UnitOfWork(engine, read_only=True) as uow:
        after = CollectionsRepository(uow.connection).contacts(loan_id=loan_id, limit=500)
    assert len(after) == before + 1
    (recorded,) = [c for c in after if c["operator"] == agent.account["account_id"]]
    assert recorded["note"] == "will pay half on Friday" and recorded["item_id"] == item["item_id"]
    listed = agent.get(path).json()["contacts"]
    assert [c["contact_id"] for c in listed if c["note"]] == [recorded["contact_id"]]


def a_promise_to_pay_within_the_strategys_terms(late) -> None:  # type: ignore[no-untyped-def]
    _, _, item, people = late
    agent = people["collections_agent"]
    path = f"/v1/collections/work-items/{item['item_id']}/promises"
    too_small = agent.post(path, {"amount": "1.00", "due_on": "2025-08-15"})
    assert too_small.status_code == 422 and too_small.json()["code"] == "promise_invalid"
    wrong_currency = agent.post(path, {"amount": "900.00", "currency": "USD", "due_on": "2025-08-15"})
    assert wrong_currency.status_code == 422 and wrong_currency.json()["code"] == "currency_mismatch"
    made = agent.post(path, {"amount": item["overdue"], "due_on": "2025-08-15"})
    assert made.status_code == 201, made.text
    assert made.json()["amount"] == item["overdue"] and made.json()["status"] == "pending"
    (promise,) = agent.get(f"/v1/collections/work-items/{item['item_id']}").json()["promises"]
    assert promise["promise_id"] == made.json()["promise_id"] and promise["due_on"] == "2025-08-15"
    second = agent.post(path, {"amount": item["overdue"], "due_on": "2025-08-16"})
    assert second.status_code == 422 and second.json()["code"] == "promise_pending"


def hardship_is_offered_and_applied_once_under_its_key(late, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.servicing.collections_strategy import builtin_strategy

    borrower, loan_id, item, people = late
    agent = people["collections_agent"]
    path = f"/v1/collections/work-items/{item['item_id']}"
    offer = agent.post(f"{path}/hardship-offers", {"income_monthly": "8000.00", "obligations_monthly": "0.00"}).json()
    assert offer["eligible"] is False and "payment_history_short" in [r["code"] for r in offer["reasons"]]
    refused = agent.post(f"{path}/hardship-plans", {"income_monthly": "8000.00", "obligations_monthly": "0.00"}, key="plan-0")
    assert refused.status_code == 409 and refused.json()["code"].startswith("hardship_")
    missing_key = agent.post(f"{path}/hardship-plans", {"income_monthly": "8000.00", "obligations_monthly": "0.00"})
    assert missing_key.status_code == 422 and missing_key.json()["errors"][0]["field"] == "Idempotency-Key"
    base = builtin_strategy()  # a lenient strategy (data): the engine's own limits are tested with the engine
    lenient = base.model_copy(update={"hardship": base.hardship.model_copy(update={"paid_installments_min": 0, "days_past_due_min": 1})})
    monkeypatch.setattr("creditline.app.collections_hardship.builtin_strategy", lambda: lenient)
    offer = agent.post(f"{path}/hardship-offers", {"income_monthly": "8000.00", "obligations_monthly": "0.00"}).json()
    assert offer["eligible"] is True and offer["applied"] is None
    chosen = offer["proposal"]["chosen_installments"]
    assert chosen in offer["proposal"]["strategy_choices"]
    before = borrower.get(f"/v1/loans/{loan_id}").json()
    assert before["status"] == "overdue"
    plan = agent.post(f"{path}/hardship-plans", {"income_monthly": "8000.00", "obligations_monthly": "0.00"}, key="plan-1")
    assert plan.status_code == 201, plan.text
    after = borrower.get(f"/v1/loans/{loan_id}").json()
    assert after["status"] == "active" and after["days_past_due"] == 0
    assert len(after["installments"]) == len([i for i in before["installments"] if i["status"] == "paid"]) + chosen
    again = agent.post(f"{path}/hardship-plans", {"income_monthly": "8000.00", "obligations_monthly": "0.00"}, key="plan-1")
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert borrower.get(f"/v1/loans/{loan_id}").json() == after


def a_paid_off_loan_takes_no_collection_contact(late, engine) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import dump

    borrower, loan_id, item, people = late
    agent = people["collections_agent"]
    paid = borrower.post(f"/v1/loans/{loan_id}/repayments", {"amount": "5000.00"}, key="pay-all")
    assert paid.status_code == 201, paid.text
    assert borrower.get(f"/v1/loans/{loan_id}").json()["status"] == "paid-off"
    before = dump(engine)  # end of day has not yet closed the loan's item: the contact is refused on the loan
    call = agent.post(f"/v1/collections/work-items/{item['item_id']}/contacts",
                      {"channel": "call", "outcome": "reached", "at": "2025-08-09T11:30:00+08:00"})  # fmt: skip
    assert call.status_code == 409 and call.headers["content-type"] == "application/problem+json", call.text
    problem = call.json()
    assert (problem["code"], problem["type"]) == ("loan_left_collections", "/problems/loan_left_collections")
    assert problem["errors"][0]["field"] == "loan" and "paid-off" in problem["detail"]
    assert dump(engine) == before


def test_only_collections_agents_work_the_queue(client, engine) -> None:  # type: ignore[no-untyped-def]
    borrower, _ = approved_borrower(client, "NotAnAgent")
    people = operators(client, engine)
    path = "/v1/collections/work-items/WIanyitem"  # the role is checked before the item is looked up
    calls = [("get", "/v1/collections/work-items", None), ("get", path, None), ("post", f"{path}/assignment", None),
             ("post", f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": "2025-08-09T11:00:00+08:00"}),
             ("post", f"{path}/promises", {"amount": "10.00", "due_on": "2025-08-15"}),
             ("post", f"{path}/hardship-offers", {}), ("post", f"{path}/hardship-plans", {})]  # fmt: skip
    for person in (borrower, people["risk_analyst"], people["finance"], people["admin"]):
        for method, url, body in calls:
            answer = person.client.request(method.upper(), url, json=body, headers=person.headers | {"Idempotency-Key": "k"})
            assert answer.status_code == 403, (person.name, url, answer.text)
            assert answer.json()["code"] == "permission_denied"
    unknown = people["collections_agent"].get("/v1/collections/work-items/CWnosuchitem")
    assert unknown.status_code == 404 and unknown.json()["code"] == "work_item_not_found"
