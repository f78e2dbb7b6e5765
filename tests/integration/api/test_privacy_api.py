"""A borrower's privacy requests over HTTP on SQLite and PostgreSQL: their own export and erasure request
(`/v1/me/...`, each after a passkey step-up), an admin's for a borrower named in the path; retries under
the Idempotency-Key return the first answer; every refusal is problem+json naming its field, and changes
nothing."""

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


EXPORT_APPROVALS, ERASURE_APPROVALS = "/v1/me/export/approvals", "/v1/me/erasure-request/approvals"


def expire(engine, options: dict) -> None:  # type: ignore[no-untyped-def]
    """The step-up's challenge as it is five minutes later: expired."""
    from sqlalchemy import update

    from creditline.store.tables_identity import identity_challenges

    with engine.begin() as connection:
        connection.execute(update(identity_challenges).where(identity_challenges.c.challenge == options["challenge"])
                           .values(expires_at=0))  # fmt: skip


def refused_step_up(response, code: str = "step_up_required") -> None:  # type: ignore[no-untyped-def]
    problem = assert_problem(response, 401)
    assert (problem["code"], problem["errors"][0]["field"]) == (code, "assertion"), problem


def access_log(engine, borrower_id: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    x = personal_data_access.c
    with engine.connect() as connection:
        query = select(x.actor, x.purpose, x.granted).where(x.borrower_id == borrower_id).order_by(x.access_id)
        return [tuple(r) for r in connection.execute(query)]


def test_a_borrower_exports_their_own_data_and_the_read_is_logged(people, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with_vault(monkeypatch)
    borrower, borrower_id = people["borrower"], people["borrower_id"]
    before = access_log(engine, borrower_id)
    answer = borrower.post("/v1/me/export", {"assertion": borrower.step_up(EXPORT_APPROVALS)})
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
    taken = admin.post(f"/v1/borrowers/{borrower_id}/export")
    assert taken.status_code == 200 and taken.json()["records"]["loans"] == records["loans"]
    assert access_log(engine, borrower_id)[-1] == (admin.account["account_id"], "subject_request", True)


def test_an_erasure_request_with_an_open_loan_is_restricted_and_a_retry_returns_it(people, engine) -> None:  # type: ignore[no-untyped-def]
    borrower, borrower_id = people["borrower"], people["borrower_id"]
    body = {"assertion": borrower.step_up(ERASURE_APPROVALS)}
    first = borrower.post("/v1/me/erasure-request", body, key="erase-1")
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["borrower_id"], answer["outcome"], answer["erase_on"], answer["erased_on"]) == (
        borrower_id, "restricted", None, None)
    assert "obligations are still open" in answer["reason"]
    # a retry (its answer lost, say) returns the first answer without a second assertion: the first was used up
    assert borrower.post("/v1/me/erasure-request", body, key="erase-1").content == first.content
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
        (admin.post("/v1/borrowers/NOSUCHBORROWER/export"), 404, "borrower_not_found", "borrower_id"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"date": "2099-01-01"}, key="e-f"), 422,
         "date_in_future", "date"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"date": "yesterday"}, key="e-d"), 422,
         "validation_failed", "date"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request", {"why": "x"}, key="e-w"), 422,
         "validation_failed", "why"),
        (admin.post(f"/v1/borrowers/{borrower_id}/erasure-request"), 422, "validation_failed", "Idempotency-Key"),
        (admin.post("/v1/borrowers/bad%20id/erasure-request", key="e-p"), 422, "validation_failed", "borrower_id"),
        (people["finance"].post(f"/v1/borrowers/{borrower_id}/erasure-request", key="e-r"), 403, "permission_denied", "role"),
        (people["risk_analyst"].post(f"/v1/borrowers/{borrower_id}/export"), 403, "permission_denied", "role"),
        (admin.post("/v1/me/export"), 403, "permission_denied", "role"),
        (admin.post(EXPORT_APPROVALS), 403, "permission_denied", "role"),
        (admin.post(ERASURE_APPROVALS), 403, "permission_denied", "role"),
        (people["borrower"].post(f"/v1/borrowers/{borrower_id}/export"), 403, "permission_denied", "role"),
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
    unavailable = people["borrower"].post(EXPORT_APPROVALS)  # refused before the borrower is asked for a step-up
    assert unavailable.status_code == 503 and unavailable.headers["content-type"] == "application/problem+json"
    assert (unavailable.json()["code"], unavailable.json()["errors"][0]["field"]) == ("vault_unavailable", "borrower")
    unlinked_source = assert_problem(fresh.get("/v1/me/repayment-account"), 409)  # one check for every /v1/me route
    assert (unlinked_source["code"], unlinked_source["errors"][0]["field"]) == ("borrower_not_linked", "borrower")
    after = dump(engine)
    after.pop("identity_accounts", None), before.pop("identity_accounts", None)  # the fresh person's account
    for table in ("identity_credentials", "identity_sessions", "identity_challenges"):
        after.pop(table, None), before.pop(table, None)
    assert after == before


def test_the_export_needs_a_step_up_and_a_session_alone_reads_nothing(people, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The export holds the ID number, phone, card and account numbers in clear: a stolen session took it on
    its own (docs/security.md finding 14). It needs a fresh assertion bound to the export; a stale one, a used
    one or one approving an erasure read nothing, and the old GET answers 405 naming POST."""
    with_vault(monkeypatch)
    borrower, borrower_id = people["borrower"], people["borrower_id"]
    before = access_log(engine, borrower_id)
    for body in (None, {}, {"assertion": None}):
        answer = borrower.post("/v1/me/export", body)
        refused_step_up(answer)
        assert "POST /v1/me/export/approvals" in answer.json()["detail"] and "ID" not in answer.text
    moved = assert_problem(borrower.get("/v1/me/export"), 405)
    assert moved["code"] == "method_not_allowed" and "POST" in moved["detail"]
    options = borrower.post(EXPORT_APPROVALS).json()["publicKey"]
    expire(engine, options)
    refused_step_up(borrower.post("/v1/me/export", {"assertion": borrower.authenticator.get(options)}), "challenge_expired")
    erasure_approval = borrower.step_up(ERASURE_APPROVALS)
    refused_step_up(borrower.post("/v1/me/export", {"assertion": erasure_approval}), "binding_mismatch")
    assert access_log(engine, borrower_id) == before, "nothing was read"
    assertion = borrower.step_up(EXPORT_APPROVALS)
    taken = borrower.post("/v1/me/export", {"assertion": assertion})
    assert taken.status_code == 200 and taken.json()["borrower_id"] == borrower_id, taken.text
    refused_step_up(borrower.post("/v1/me/export", {"assertion": assertion}), "challenge_used")
    assert access_log(engine, borrower_id) == [*before, (borrower.account["account_id"], "subject_request", True)]


def test_an_erasure_request_needs_a_step_up_and_a_session_alone_changes_nothing(client, engine) -> None:  # type: ignore[no-untyped-def]
    """An erasure cannot be undone: a stolen session asked for it on its own (docs/security.md finding 14). Without
    a fresh assertion bound to it, or with a stale or used one, no request is recorded and no key is kept."""
    from integration_helpers import dump

    borrower, _, _ = with_loan(client, "ErasureStepUp", "500.00")
    borrower_id = borrower.get("/v1/session").json()["borrower_id"]

    def requests() -> list[str]:
        with engine.connect() as connection:
            query = select(erasure_requests.c.status).where(erasure_requests.c.borrower_id == borrower_id)
            return [r.status for r in connection.execute(query)]

    before = dump(engine)
    for body in (None, {"assertion": None}):
        answer = borrower.post("/v1/me/erasure-request", body, key="stolen")
        refused_step_up(answer)
        assert "POST /v1/me/erasure-request/approvals" in answer.json()["detail"]
    options = borrower.post(ERASURE_APPROVALS).json()["publicKey"]
    expire(engine, options)
    stale = borrower.post("/v1/me/erasure-request", {"assertion": borrower.authenticator.get(options)}, key="stale")
    refused_step_up(stale, "challenge_expired")
    refused_step_up(borrower.post("/v1/me/erasure-request", {"assertion": borrower.step_up("/v1/session/passkeys/approvals")},
                                  key="other"), "binding_mismatch")  # fmt: skip
    after = dump(engine)
    after.pop("identity_challenges"), before.pop("identity_challenges")  # the step-ups' challenges, used up
    assert after == before and requests() == [], "no erasure request, no key kept"
    assertion = borrower.step_up(ERASURE_APPROVALS)
    answered = borrower.post("/v1/me/erasure-request", {"assertion": assertion}, key="mine")
    assert answered.status_code == 200 and answered.json()["outcome"] == "restricted", answered.text
    refused_step_up(borrower.post("/v1/me/erasure-request", {"assertion": assertion}, key="again"), "challenge_used")
    assert requests() == ["restricted"]


def test_an_account_without_a_passkey_asks_on_the_session_alone(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An account with no passkey has nothing to step up with, and its session is its only credential: its own
    export and erasure request go through on the session, as before."""
    from sqlalchemy import delete

    from creditline.store.tables_identity import identity_credentials

    with_vault(monkeypatch)
    borrower, _, _ = with_loan(client, "PasskeylessPrivacy", "500.00")
    with engine.begin() as connection:
        connection.execute(delete(identity_credentials).where(identity_credentials.c.account_id == borrower.account["account_id"]))
    exported = borrower.post("/v1/me/export")
    assert exported.status_code == 200 and exported.json()["format"] == "creditline-subject-export/v1", exported.text
    erased = borrower.post("/v1/me/erasure-request", key="no-passkey")
    assert erased.status_code == 200 and erased.json()["outcome"] == "restricted", erased.text


def test_an_operator_with_a_passkey_steps_up_for_a_borrowers_export_and_erasure(people, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The admin routes worked on an operator's session alone, so a stolen operator session took any borrower's data
    in clear or erased it. An operator enrolled with a passkey now steps up as the borrower does, the approval bound
    to the action and the borrower: none, another borrower's, the other action's or a used one reads and records
    nothing. (The dev-session operators of the tests above have no passkey, and act on the session as before.)"""
    from integration_helpers import dump

    with_vault(monkeypatch)
    borrower_id, admin = people["borrower_id"], people["admin"]
    created = admin.post("/v1/operators", {"display_name": "Privacy Pat", "role": "admin"})
    assert created.status_code == 201, created.text
    pat = Person(admin.client, "Privacy Pat")
    assert pat.enroll(created.json()["enrollment_code"]).status_code == 201
    other, _, _ = with_loan(admin.client, "PrivacyOther", "500.00")
    other_id = other.get("/v1/session").json()["borrower_id"]
    export, erasure = f"/v1/borrowers/{borrower_id}/export", f"/v1/borrowers/{borrower_id}/erasure-request"
    before, log = dump(engine), access_log(engine, borrower_id)
    for body in (None, {"assertion": None}):
        answer = pat.post(export, body)
        refused_step_up(answer)
        assert f"POST /v1/borrowers/{borrower_id}/export/approvals" in answer.json()["detail"]
        refused_step_up(pat.post(erasure, body, key="pat-none"))
    for approvals, code in ((f"/v1/borrowers/{other_id}/export/approvals", "binding_mismatch"),
                            (f"{erasure}/approvals", "binding_mismatch"), (EXPORT_APPROVALS, "permission_denied")):  # fmt: skip
        if code == "permission_denied":
            assert assert_problem(pat.post(approvals), 403)["code"] == code
            continue
        refused_step_up(pat.post(export, {"assertion": pat.step_up(approvals)}), code)
    refused_step_up(pat.post(erasure, {"assertion": pat.step_up(f"{export}/approvals")}, key="pat-x"), "binding_mismatch")
    after = dump(engine)
    after.pop("identity_challenges"), before.pop("identity_challenges")  # the step-ups' challenges, used up
    assert after == before and access_log(engine, borrower_id) == log, "nothing read, no request recorded"
    assertion = pat.step_up(f"{export}/approvals")
    taken = pat.post(export, {"assertion": assertion})
    assert taken.status_code == 200 and taken.json()["borrower_id"] == borrower_id, taken.text
    refused_step_up(pat.post(export, {"assertion": assertion}), "challenge_used")
    assert access_log(engine, borrower_id) == [*log, (pat.account["account_id"], "subject_request", True)]
    answered = pat.post(erasure, {"assertion": pat.step_up(f"{erasure}/approvals")}, key="pat-erase")
    assert answered.status_code == 200 and answered.json()["outcome"] == "restricted", answered.text
    moved = assert_problem(pat.get(export), 405)
    assert moved["code"] == "method_not_allowed" and "POST" in moved["detail"]
