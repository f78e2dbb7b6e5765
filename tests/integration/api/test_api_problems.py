"""Bad input on every endpoint is a 4xx application/problem+json naming the field or rule: wrong
types, missing fields, broken JSON, huge bodies, unknown routes, wrong methods, page sizes, no
session, no Idempotency-Key, too many requests. Never a 5xx, never a traceback."""

from __future__ import annotations

import pytest
from api_flows import make_platform, with_loan

PUBLIC = {
    ("get", "/health"), ("get", "/ready"), ("post", "/v1/passkeys/registration-options"), ("post", "/v1/passkeys"),
    ("post", "/v1/sessions/options"), ("post", "/v1/sessions"),
}  # fmt: skip
BAD_BODIES = [b"[]", b"{}", b"{", b'{"unexpected": 1}', b'"text"', b"null", "{\"amount\": \"\u0000\"}".encode()]


def operations(client) -> list[tuple[str, str, dict]]:  # type: ignore[no-untyped-def]
    spec = client.get("/openapi.json").json()
    return [(method, path, op) for path, ops in spec["paths"].items() for method, op in ops.items()]


@pytest.fixture(scope="module")
def borrower(client):  # type: ignore[no-untyped-def]
    person, line_id, loan_id = with_loan(client, "Problems", "900.00")
    decision_id = person.get("/v1/applications").json()["decisions"][0]["decision_id"]
    consent_id = person.get("/v1/consents").json()["consents"][0]["consent_id"]
    ids = {"line_id": line_id, "loan_id": loan_id, "decision_id": decision_id, "consent_id": consent_id,
           "review_id": "1", "account_id": person.account["account_id"],
           "item_id": "CWany", "alert_id": "1", "outcome_id": "MOany", "campaign_id": "spring",
           "source_id": "RSany", "borrower_id": person.get(f"/v1/loans/{loan_id}").json()["borrower_id"]}  # fmt: skip
    return person, ids


def assert_problem(response, status: int | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(body)
    assert body["status"] == response.status_code
    assert body["type"] == f"/problems/{body['code']}"
    assert "Traceback" not in response.text
    return body


def test_every_protected_operation_needs_a_session(client):
    for method, path, _ in operations(client):
        if (method, path) in PUBLIC:
            continue
        url = path.replace("{review_id}", "1").replace("{", "").replace("}", "")
        body = assert_problem(client.request(method.upper(), url, json={}), 401)
        assert body["code"] == "session_invalid"


def test_every_body_rejects_wrong_shapes_with_a_problem(client, borrower):
    person, ids = borrower
    checked = 0
    for method, path, op in operations(client):
        if "requestBody" not in op:
            continue
        url = path.format(**ids)
        for raw in BAD_BODIES:
            headers = person.headers | {"Content-Type": "application/json", "Idempotency-Key": f"bad-{checked}"}
            response = client.request(method.upper(), url, content=raw, headers=headers)
            assert_problem(response)
            checked += 1
    assert checked >= 15 * len(BAD_BODIES) // 2


def test_validation_problems_name_the_field_and_rule(client, borrower):
    person, ids = borrower
    loan = f"/v1/loans/{ids['loan_id']}"
    body = assert_problem(person.post(f"{loan}/repayments", {"amount": 12.5}, key="t-1"), 422)
    assert body["errors"][0] == {"field": "amount", "code": "string_type", "message": "Input should be a valid string"}
    body = assert_problem(person.post(f"{loan}/repayments", {}, key="t-2"), 422)
    assert body["errors"][0]["field"] == "amount" and body["errors"][0]["code"] == "missing"
    body = assert_problem(person.post(f"{loan}/repayments", {"amount": "0.00"}, key="t-3"), 422)
    assert body["errors"][0]["field"] == "amount"
    body = assert_problem(person.post(f"{loan}/repayments", {"amount": "10.00"}), 422)
    assert body["errors"][0]["field"] == "Idempotency-Key" and body["errors"][0]["code"] == "missing"
    body = assert_problem(person.post(f"{loan}/repayments", {"amount": "10.00"}, key="a key with spaces"), 422)
    assert body["errors"][0]["field"] == "Idempotency-Key" and body["errors"][0]["code"] == "string_pattern_mismatch"
    body = assert_problem(person.post(f"{loan}/repayments", {"amount": "1.234"}, key="t-4"), 422)
    assert body["errors"][0]["field"] == "amount"
    body = assert_problem(person.post(f"/v1/lines/{ids['line_id']}/drawdown-approvals",
                                      {"amount": "100.00", "term_months": 3}), 422)  # fmt: skip
    assert body["errors"][0]["field"] == "amount", "below the product's minimum drawdown"
    body = assert_problem(person.post(f"/v1/lines/{ids['line_id']}/drawdown-approvals",
                                      {"amount": "600.00", "term_months": 5}), 422)  # fmt: skip
    assert body["errors"][0]["field"] == "term"
    body = assert_problem(person.post("/v1/applications", {"jurisdiction": "CN"}, key="t-5"), 422)
    assert {e["field"] for e in body["errors"]} >= {"product_id", "applicant", "device"}


def test_an_unknown_loan_in_the_path_is_named_as_its_path_parameter(client, borrower):
    """The repayment names the loan it could not find `loan`; the problem handler reports it on the path's
    `loan_id` (as the privacy and credit-refund routes report an unknown borrower on `borrower_id`)."""
    person, ids = borrower
    before = person.get(f"/v1/loans/{ids['loan_id']}").json()
    body = assert_problem(person.post("/v1/loans/NOSUCHLOAN0/repayments", {"amount": "10.00"}, key="t-ghost"), 404)
    assert (body["code"], body["detail"]) == ("loan_not_found", "loan_id: no loan 'NOSUCHLOAN0'")
    assert body["errors"] == [{"field": "loan_id", "code": "loan_not_found", "message": "no loan 'NOSUCHLOAN0'"}]
    assert person.get(f"/v1/loans/{ids['loan_id']}").json() == before


def test_broken_json_names_the_body(client, borrower):
    """A body that is not JSON was answered with `field: "1"` (the character position of the error)."""
    person, ids = borrower
    headers = person.headers | {"Content-Type": "application/json", "Idempotency-Key": "broken-json"}
    response = client.post(f"/v1/loans/{ids['loan_id']}/repayments", content=b'{"amount": "1.00",', headers=headers)
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "body" and body["errors"][0]["code"] == "json_invalid"
    assert body["detail"].startswith("body: JSON decode error")


@pytest.mark.parametrize(
    ("body", "key"),
    [(b'{"amount": "1.00", "amount": "900.00"}', "amount"),
     (b'{"amount": "1.00", "extra": {"a": 1, "a": 2}}', "a")],
    ids=["money-field", "nested"],
)  # fmt: skip
def test_a_key_twice_in_one_json_object_is_refused_naming_it(client, borrower, body, key):
    """A repeated key was last-wins: `{"amount": "1.00", "amount": "900.00"}` repaid 900.00, though a
    proxy, a log or the client's own check may have read 1.00. Ambiguous input is refused, nothing moved."""
    person, ids = borrower
    before = person.get(f"/v1/loans/{ids['loan_id']}").json()
    headers = person.headers | {"Content-Type": "application/json", "Idempotency-Key": f"twice-{key}"}
    problem = assert_problem(client.post(f"/v1/loans/{ids['loan_id']}/repayments", content=body, headers=headers), 422)
    assert (problem["code"], problem["detail"]) == ("validation_failed", f"{key}: '{key}' appears more than once in one JSON object")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(key, "duplicate_key")]
    assert person.get(f"/v1/loans/{ids['loan_id']}").json() == before


@pytest.mark.parametrize("twice", [False, True], ids=["unknown-key", "key-twice"])
def test_a_long_key_comes_back_cut_short_in_the_problem(client, borrower, twice):
    """A 30 kB key came back whole in the detail and in errors[].field: every value a problem echoes is
    cut to 80 characters with an ellipsis (creditline.errors.shortened), and nothing is moved."""
    person, ids = borrower
    key = "k" * 30_000
    content = f'{{"amount": "1.00", "{key}": 1' + (f', "{key}": 2}}' if twice else "}")
    before = person.get(f"/v1/loans/{ids['loan_id']}").json()
    headers = person.headers | {"Content-Type": "application/json", "Idempotency-Key": f"long-key-{twice}"}
    response = client.post(f"/v1/loans/{ids['loan_id']}/repayments", content=content.encode(), headers=headers)
    problem = assert_problem(response, 422)
    cut = "k" * 79 + "…"
    assert problem["errors"][0]["field"] == cut and problem["detail"].startswith(f"{cut}: ")
    assert "k" * 81 not in response.text and len(response.content) < 1000
    assert person.get(f"/v1/loans/{ids['loan_id']}").json() == before


def test_every_api_route_decodes_its_json_body_strictly():
    """A router added without `StrictJsonRoute` would take a repeated key last-wins again."""
    import importlib

    from fastapi.routing import APIRoute

    from creditline.api.app import ROUTER_MODULES
    from creditline.api.json_body import StrictJsonRoute

    for name in ROUTER_MODULES:
        routes = [route for route in importlib.import_module(name).router.routes if isinstance(route, APIRoute)]
        assert routes and all(isinstance(route, StrictJsonRoute) for route in routes), name


@pytest.mark.parametrize(
    ("body", "message"),
    [(b'{"amount": "\xff1.00"}', "the body is not UTF-8"),
     (b'{"amount": ' + b"[" * 5000 + b"]" * 5000 + b"}", "the body is nested too deeply"),
     (b'{"amount": "1.00", "currency": ' + b"9" * 5000 + b"}", "the body cannot be read")],
    ids=["not-utf8", "nested-past-the-recursion-limit", "integer-past-the-digit-limit"],
)  # fmt: skip
def test_a_body_json_cannot_read_names_the_body(client, borrower, body, message):
    """Like broken JSON, a body the parser cannot read is a 422 naming `body`; these three were a bare
    `400 bad_request` with no field, unlike every other problem with the input."""
    person, ids = borrower
    before = person.get(f"/v1/loans/{ids['loan_id']}").json()
    headers = person.headers | {"Content-Type": "application/json", "Idempotency-Key": f"unreadable-{len(body)}"}
    problem = assert_problem(client.post(f"/v1/loans/{ids['loan_id']}/repayments", content=body, headers=headers), 422)
    assert problem["code"] == "validation_failed" and problem["detail"].startswith(f"body: {message}")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("body", "json_invalid")]
    assert person.get(f"/v1/loans/{ids['loan_id']}").json() == before


def test_page_sizes_unknown_routes_and_wrong_methods(client, borrower):
    person, _ = borrower
    body = assert_problem(person.get("/v1/loans", params={"limit": 1000}), 422)
    assert body["errors"][0]["field"] == "limit" and body["errors"][0]["code"] == "less_than_equal"
    assert_problem(person.get("/v1/loans", params={"limit": 0}), 422)
    assert_problem(person.get("/v1/loans", params={"after": "'; drop table loans;--"}), 422)
    assert assert_problem(person.get("/v1/nothing-here"), 404)["code"] == "not_found"
    wrong = client.put("/v1/loans")
    assert assert_problem(wrong, 405)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]


def test_head_answers_as_get_does_without_the_body(client, borrower):
    """RFC 9110: a GET resource answers HEAD. Every HEAD was `405`, so a load balancer's HEAD /health
    check found the service down; now the status and headers are the GET's and the body is empty."""
    person, ids = borrower
    for path, headers in (("/health", {}), (f"/v1/loans/{ids['loan_id']}", person.headers)):
        got, head = client.get(path, headers=headers), client.head(path, headers=headers)
        assert (head.status_code, head.content) == (200, b""), head.text
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == str(len(got.content))
    anonymous = client.head(f"/v1/loans/{ids['loan_id']}")
    assert (anonymous.status_code, anonymous.content) == (401, b"")
    assert anonymous.headers["content-type"] == "application/problem+json"
    hidden = client.head("/v1/loans/LOnothing", headers=person.headers)
    assert (hidden.status_code, hidden.content) == (404, b"")
    post_only = client.head(f"/v1/loans/{ids['loan_id']}/repayments", headers=person.headers)
    assert (post_only.status_code, post_only.content) == (405, b"") and "POST" in post_only.headers["allow"]


def test_every_path_id_follows_the_id_rule(client, borrower):
    """docs/api.md: path ids match ^[A-Za-z0-9_-]{1,64}$ (numbered rows are bounded integers). The
    repayment sources' {source_id} took any text: a NUL byte or 3,000 characters reached the use case
    and came back as a 404 echoing them, where every other id is a 422 naming the parameter."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    schema = parameter["schema"]
                    assert schema.get("pattern") == "^[A-Za-z0-9_-]{1,64}$" or "maximum" in schema, (method, path, schema)
    person, _ = borrower
    for source_id in ("a%00b", "x" * 3000):
        for response in (client.put(f"/v1/me/repayment-sources/{source_id}/priority", json={"priority": 1}, headers=person.headers),
                         client.delete(f"/v1/me/repayment-sources/{source_id}", headers=person.headers)):  # fmt: skip
            problem = assert_problem(response, 422)
            assert [e["field"] for e in problem["errors"]] == ["source_id"], problem


def test_huge_bodies_are_refused_before_they_are_read(client, borrower):
    person, ids = borrower
    huge = b'{"amount": "' + b"9" * 200_000 + b'"}'
    response = client.post(f"/v1/loans/{ids['loan_id']}/repayments", content=huge,
                           headers=person.headers | {"Content-Type": "application/json", "Idempotency-Key": "huge"})  # fmt: skip
    assert assert_problem(response, 413)["code"] == "body_too_large"
    application = {"jurisdiction": "CN", "applicant": {"name": "王" * 100_000}}
    assert_problem(person.post("/v1/applications", application, key="huge-app"), 413)


def test_rate_limits_answer_429_with_retry_after(api_db_url):
    client, engine = make_platform(api_db_url, rate_per_s=1.0, rate_burst=3)
    with client:
        statuses = [client.post("/v1/sessions/options").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        limited = client.post("/v1/sessions/options")
        body = assert_problem(limited, 429)
        assert body["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200, "health checks are never rate limited"
    engine.dispose()


def test_a_made_up_token_does_not_buy_a_fresh_rate_bucket(api_db_url):
    """Only a live session gets a bucket of its own: a flood that sends a new made-up bearer token or
    session cookie with every request is counted against its address like any anonymous request."""
    from api_flows import Person

    client, engine = make_platform(api_db_url, rate_per_s=0.01, rate_burst=6)
    with client:
        person = Person(client, "Rate")
        assert person.register().status_code == 201  # 2 requests from the address
        assert person.get("/v1/session").status_code == 200  # 3: the session is seen live
        assert [client.post("/v1/sessions/options").status_code for _ in range(3)] == [200] * 3  # 6: spent
        assert_problem(client.post("/v1/sessions/options"), 429)
        for n in range(5):
            forged = client.post("/v1/sessions/options", headers={"Authorization": f"Bearer made-up-{n}"})
            assert assert_problem(forged, 429)["code"] == "rate_limited"
            cookie = client.post("/v1/sessions/options", headers={"Cookie": f"creditline_session=made-up-{n}"})
            assert assert_problem(cookie, 429)["code"] == "rate_limited"
        assert person.get("/v1/session").status_code == 200, "a live session keeps its own bucket"
    engine.dispose()


def test_a_consent_expiring_before_it_is_granted_names_expires_at(client, borrower):
    person, _ = borrower
    before = person.get("/v1/consents").json()["consents"]
    for expires_at in ("2020-01-01T00:00:00+00:00", "2000-01-01T00:00:00+08:00"):
        body = {"scope": "marketing", "purpose": "marketing", "text_version": "v1", "expires_at": expires_at}
        problem = assert_problem(person.post("/v1/consents", body), 422)
        assert problem["code"] == "invalid_consent"
        assert problem["errors"][0]["field"] == "expires_at"
    assert person.get("/v1/consents").json()["consents"] == before


def test_control_characters_never_reach_the_database(client, borrower):
    person, _ = borrower
    consent = person.post("/v1/consents", {"scope": "marketing", "purpose": "marketing", "text_version": "v\u00001"})
    assert assert_problem(consent, 422)["errors"][0]["field"] == "text_version"
    options = client.post("/v1/sessions/options").json()["publicKey"]
    assertion = person.authenticator.get(options)
    forged = assertion | {"id": "abc\u0000def", "rawId": "abc\u0000def"}
    assert assert_problem(client.post("/v1/sessions", json={"credential": forged}), 401)["code"] == "malformed"
    named = client.post("/v1/passkeys/registration-options", json={"display_name": "nul\u0000name"})
    assert assert_problem(named, 422)["errors"][0]["field"] == "display_name"


@pytest.mark.parametrize("rate", ["nan", "inf", "-inf", "0", "-5"])
def test_a_rate_that_is_not_a_positive_finite_number_is_refused_at_start(rate):
    """`CREDITLINE_RATE_PER_S=nan` passed the settings check and the server then answered every request 500."""
    from creditline.api.settings import SettingsInvalid, from_environment

    with pytest.raises(SettingsInvalid) as refused:
        from_environment({"CREDITLINE_RATE_PER_S": rate})
    assert refused.value.field in ("rate_per_s", "limits")
