"""A borrower's privacy requests over HTTP on SQLite and PostgreSQL: their own export and erasure request
(`/v1/me/...`), an admin's for a borrower named in the path; retries under the Idempotency-Key return
the first answer; every refusal is problem+json naming its field, and changes nothing."""

from __future__ import annotations

import pytest
from api_flows import Person, with_loan
from servicing_flows import operators, with_vault
from sqlalchemy import select
from test_api_problems import assert_problem

from creditline.store.tables import idempotency_keys
from creditline.store.tables_audit import erasure_requests, personal_data_access


@pytest.fixture(scope="module")
def people(client, engine):  # type: ignore[no-untyped-def]
    borrower, line_id, loan_id = with_loan(client, "Privacy", "800.00")
    borrower_id = borrower.get("/v1/session").json()["borrower_id"]
    return {"borrower": borrower, "line_id": line_id, "loan_id": loan_id, "borrower_id": borrower_id,
            **operators(client, engine)}  # fmt: skip


def access_log(engine, borrower_id: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    x = personal_data_access.c
    with engine.connect() as connection:
        query = select(x.actor, x.purpose, x.granted).where(x.borrower_id == borrower_id).order_by(x.access_id)
        return [tuple(r) for r in connection.execute(query)]


def test_a_borrower_exports_their_own_data_and_the_read_is_logged(people, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with_vault(monkeypatch)
    borrower, borrower_id = people["borrower"], people["borrower_id"]
    before = access_log(engine, borrower_id)
    answer = borrower.get("/v1/me/export")
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert (document["format"], document["borrower_id"]) == ("creditline-subject-export/v1", borrower_id)
    records = document["records"]
    assert [line["line_id"] for line in records["credit_lines"]] == [people["line_id"]]
    (loan,) = records["loans"]
    assert (loan["loan_id"], loan["principal_outstanding"]) == (
        people["loan_id"], {"amount": "800.00", "currency": "CNY", "minor": 80_000})
    assert [a["outcome"] for a in records["applications"]] == ["approve"]
    assert records["consents"] and all(c["withdrawn_at"] is None for c in records["consents"])
    me = borrower.account["account_id"]
    assert access_log(engine, borrower_id) == [*before, (me, "subject_request", True)]
    assert records["access_log"][-1]["actor"] == me  # the export shows its own read

    admin = people["admin"]
    taken = admin.get(f"/v1/borrowers/{borrower_id}/export")
    assert taken.status_code == 200 and taken.json()["records"]["loans"] == records["loans"]
    assert access_log(engine, borrower_id)[-1] == (admin.account["account_id"], "subject_request", True)


def test_an_erasure_request_with_an_open_loan_is_restricted_and_a_retry_returns_it(people, engine) -> None:  # type: ignore[no-untyped-def]
    borrower, borrower_id = people["borrower"], people["borrower_id"]
    first = borrower.post("/v1/me/erasure-request", key="erase-1")
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["borrower_id"], answer["outcome"], answer["erase_on"], answer["erased_on"]) == (
        borrower_id, "restricted", None, None)
    assert "obligations are still open" in answer["reason"]
    assert borrower.post("/v1/me/erasure-request", key="erase-1").content == first.content
    with engine.connect() as connection:
        rows = connection.execute(select(erasure_requests.c.status).where(erasure_requests.c.borrower_id == borrower_id)).all()
        keys = connection.execute(select(idempotency_keys.c.client_key)
                                  .where(idempotency_keys.c.client_key.like("%:erase-1"))).all()  # fmt: skip
    assert [r.status for r in rows] == ["restricted"]
    assert len(keys) == 1, "the retry was answered under its key, which holds the first answer"
    # the loan is still serviced: the borrower's own loan reads as before
    assert borrower.get(f"/v1/loans/{people['loan_id']}").status_code == 200


def test_refusals_are_problems_naming_the_field_and_change_nothing(people, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from integration_helpers import dump

    borrower_id, admin = people["borrower_id"], people["admin"]
    before = dump(engine)
    cases = [
        (admin.post("/v1/borrowers/NOSUCHBORROWER/erasure-request", key="e-x"), 404, "borrower_not_found", "borrower_id"),
        (admin.get("/v1/borrowers/NOSUCHBORROWER/export"), 404, "borrower_not_found", "borrower_id"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"date": "2099-01-01"}, key="e-f"), 422,
         "date_in_future", "date"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"date": "yesterday"}, key="e-d"), 422,
         "validation_failed", "date"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"why": "x"}, key="e-w"), 422,
         "validation_failed", "why"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request"), 422, "validation_failed", "Idempotency-Key"),
        (admin.post("/v1/borrowers/bad%20id/erasure-request", key="e-p"), 422, "validation_failed", "borrower_id"),
        (people["finance"].post(f"/v1/borrowers/{borrower_id}/erasure-request", key="e-r"), 403, "permission_denied", "role"),
        (people["risk_analyst"].get(f"/v1/borrowers/{borrower_id}/export"), 403, "permission_denied", "role"),
        (admin.get("/v1/me/export"), 403, "permission_denied", "role"),
        (people["borrower"].get(f"/v1/borrowers/{borrower_id}/export"), 403, "permission_denied", "role"),
    ]
    for response, status, code, field in cases:
        problem = assert_problem(response, status)
        assert (problem["code"], problem["errors"][0]["field"].split(".")[-1]) == (code, field), problem
    fresh = Person(people["borrower"].client, "Not yet applied")
    assert fresh.register().status_code == 201
    unlinked = assert_problem(fresh.post("/v1/me/erasure-request", key="e-u"), 409)
    assert (unlinked["code"], unlinked["errors"][0]["field"]) == ("borrower_not_linked", "borrower")
    for name in ("CREDITLINE_KEYRING_FILE", "CREDITLINE_DATA_KEYS", "CREDITLINE_BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    unavailable = people["borrower"].get("/v1/me/export")
    assert unavailable.status_code == 503 and unavailable.headers["content-type"] == "application/problem+json"
    assert (unavailable.json()["code"], unavailable.json()["errors"][0]["field"]) == ("vault_unavailable", "borrower")
    unlinked_source = assert_problem(fresh.get("/v1/me/repayment-account"), 409)  # one check for every /v1/me route
    assert (unlinked_source["code"], unlinked_source["errors"][0]["field"]) == ("borrower_not_linked", "borrower")
    after = dump(engine)
    after.pop("identity_accounts", None), before.pop("identity_accounts", None)  # the fresh person's account
    for table in ("identity_credentials", "identity_sessions", "identity_challenges"):
        after.pop(table, None), before.pop(table, None)
    assert after == before
