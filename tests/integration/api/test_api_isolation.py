"""A borrower reads and acts only on their own data: every route with an id, tried with another
borrower's ids, answers exactly as for an id that does not exist — 404 — and changes nothing.

The table below must name every templated path in /openapi.json: a new route without an entry
fails `test_every_templated_route_is_swept`.
"""

from __future__ import annotations

import pytest
from api_flows import Person, with_loan

# path template -> (method, expected status for a borrower, body)
SWEEP = {
    "/v1/decisions/{decision_id}": ("get", 404, None),
    "/v1/decisions/{decision_id}/explanation": ("get", 404, None),
    "/v1/decisions/{decision_id}/record": ("get", 403, None),  # operators only, whoever's id
    "/v1/decisions/{decision_id}/reviews": ("post", 404, {"reason": "let me see"}),
    "/v1/reviews/{review_id}/resolution": ("post", 403, {"resolution": "approved", "note": "mine now"}),
    "/v1/lines/{line_id}": ("get", 404, None),
    "/v1/lines/{line_id}/drawdown-preview": ("get", 404, None),
    "/v1/lines/{line_id}/drawdown-approvals": ("post", 404, {"amount": "600.00", "term_months": 3}),
    "/v1/lines/{line_id}/drawdowns": ("post", 404, {"amount": "600.00", "term_months": 3, "assertion": {}}),
    "/v1/loans/{loan_id}": ("get", 404, None),
    "/v1/loans/{loan_id}/schedule": ("get", 404, None),
    "/v1/loans/{loan_id}/payoff-quote": ("get", 404, None),
    "/v1/loans/{loan_id}/repayments": ("post", 404, {"amount": "10.00"}),
    "/v1/loans/{loan_id}/prepayments": ("post", 404, {"amount": "10.00"}),
    "/v1/borrowers/{borrower_id}/credit-refunds": ("post", 403, {"amount": "1.00"}),  # finance's, whoever's id
    "/v1/consents/{consent_id}/withdrawal": ("post", 404, None),
    "/v1/audit/loans/{loan_id}/proof": ("get", 404, None),
    "/v1/operators/{account_id}": ("patch", 403, {"status": "disabled"}),
    # servicing: the borrower's own line or loan (404 otherwise); the operators' queues (403 for a borrower)
    "/v1/lines/{line_id}/plan-recommendations": ("post", 404, {"amount": "600.00"}),
    "/v1/lines/{line_id}/limit-reviews": ("get", 404, None),
    "/v1/lines/{line_id}/coupon-quote": ("get", 404, None),
    "/v1/loans/{loan_id}/restructure-proposal": ("get", 404, None),
    "/v1/collections/work-items/{item_id}": ("get", 403, None),
    "/v1/collections/work-items/{item_id}/assignment": ("post", 403, None),
    "/v1/collections/work-items/{item_id}/contacts": ("post", 403, {"channel": "call", "outcome": "reached",
                                                                    "at": "2025-06-30T10:00:00+08:00"}),
    "/v1/collections/work-items/{item_id}/promises": ("post", 403, {"amount": "10.00", "due_on": "2025-07-05"}),
    "/v1/collections/work-items/{item_id}/hardship-offers": ("post", 403, {}),
    "/v1/collections/work-items/{item_id}/hardship-plans": ("post", 403, {}),
    "/v1/alerts/{alert_id}/acknowledgement": ("post", 403, {}),
    "/v1/alerts/{alert_id}/resolution": ("post", 403, {}),
    "/v1/monitoring/outcomes/{outcome_id}/resolution": ("post", 403, {"decision": "release"}),
    "/v1/campaigns/{campaign_id}": ("get", 403, None),
    "/v1/campaigns/{campaign_id}/members": ("post", 403, {"borrower_id": "B1"}),
    "/v1/campaigns/{campaign_id}/coupons": ("post", 403, {"borrower_id": "B1"}),
    # repayment sources: the borrower's own (404 otherwise, as for an id that does not exist)
    "/v1/me/repayment-sources/{source_id}/priority": ("put", 404, {"priority": 1}),
    "/v1/me/repayment-sources/{source_id}": ("delete", 404, None),
    # funding: finance's (and portfolio readers') partners and deals, 403 for a borrower
    "/v1/funding/partners/{partner_id}": ("get", 403, None),
    "/v1/funding/partners/{partner_id}/statement": ("get", 403, None),
    "/v1/funding/partners/{partner_id}/reconciliation": ("get", 403, None),
    "/v1/funding/deals/{deal_id}": ("get", 403, None),
    "/v1/funding/deals/{deal_id}/waterfall": ("get", 403, None),
    # privacy requests taken for a borrower: admins' (handle_subject_requests), 403 for a borrower
    "/v1/borrowers/{borrower_id}/erasure-request": ("post", 403, None),
    "/v1/borrowers/{borrower_id}/export": ("post", 403, None),
    "/v1/borrowers/{borrower_id}/erasure-request/approvals": ("post", 403, None),
    "/v1/borrowers/{borrower_id}/export/approvals": ("post", 403, None),
}
QUERY = {
    "/v1/lines/{line_id}/drawdown-preview": {"amount": "600.00", "term_months": 3},
    "/v1/lines/{line_id}/coupon-quote": {"amount": "600.00", "term_months": 3, "coupon_id": "CPany"},
    "/v1/funding/partners/{partner_id}/statement": {"from": "2025-06-01", "to": "2025-06-29"},
}


def _victims_source(engine, line_id: str) -> str:  # type: ignore[no-untyped-def]
    """A second repayment source linked for the victim (through the use case: the vault's keys for a moment)."""
    from servicing_flows import VAULT_KEYS

    from creditline.app import show_line
    from creditline.app.repayment_sources import AddSource, add_source

    borrower_id = show_line(engine, line_id)["borrower_id"]
    with pytest.MonkeyPatch.context() as patch:
        for name, value in VAULT_KEYS.items():
            patch.setenv(name, value)
        return add_source(engine, AddSource(borrower_id, "test", "WALLET0000000001", "wallet", user_verified=True))["source_id"]


@pytest.fixture(scope="module")
def victim_and_intruder(client, engine):  # type: ignore[no-untyped-def]
    victim, line_id, loan_id = with_loan(client, "Victim", "800.00")
    decision_id = victim.get("/v1/applications").json()["decisions"][0]["decision_id"]
    consent_id = victim.get("/v1/consents").json()["consents"][0]["consent_id"]
    review = victim.post(f"/v1/decisions/{decision_id}/reviews", {"reason": "check"}).json()
    intruder, _, _ = with_loan(client, "Intruder", "700.00")
    source_id = _victims_source(engine, line_id)
    ids = {
        "decision_id": decision_id, "line_id": line_id, "loan_id": loan_id, "consent_id": consent_id,
        "review_id": str(review["review_id"]), "account_id": victim.account["account_id"],
        "item_id": "CWany", "alert_id": "1", "outcome_id": "MOany", "campaign_id": "spring", "partner_id": "bank", "deal_id": "DLany",  # operators' queues
        "source_id": source_id, "borrower_id": victim.get(f"/v1/loans/{loan_id}").json()["borrower_id"],
    }  # fmt: skip
    return victim, intruder, ids


def test_every_templated_route_is_swept(client):
    templated = {path for path in client.get("/openapi.json").json()["paths"] if "{" in path}
    assert templated == set(SWEEP)


def _call(person: Person, template: str, ids: dict[str, str]):  # type: ignore[no-untyped-def]
    method, _, body = SWEEP[template]
    path = template.format(**ids)
    headers = person.headers | {"Idempotency-Key": f"sweep-{method}-{template}"}
    return person.client.request(method.upper(), path, json=body, params=QUERY.get(template), headers=headers)


def _comparable(response) -> tuple:  # type: ignore[no-untyped-def]
    body = response.json()
    return response.status_code, body.get("code"), body.get("type")


@pytest.mark.parametrize("template", sorted(SWEEP))
def test_another_borrowers_id_is_not_found_and_nothing_changes(victim_and_intruder, template):
    victim, intruder, ids = victim_and_intruder
    before = victim.get(f"/v1/loans/{ids['loan_id']}").json(), victim.get("/v1/consents").json()
    theirs = _call(intruder, template, ids)
    nobody = _call(intruder, template, dict.fromkeys(ids, "NOSUCHID0000") | {"review_id": "999999", "alert_id": "999999"})
    assert theirs.status_code == SWEEP[template][1], theirs.text
    assert theirs.headers["content-type"] == "application/problem+json"
    assert _comparable(theirs) == _comparable(nobody), "another borrower's id looks exactly like no id"
    after = victim.get(f"/v1/loans/{ids['loan_id']}").json(), victim.get("/v1/consents").json()
    assert after == before


def test_lists_never_show_another_borrower(victim_and_intruder):
    victim, intruder, ids = victim_and_intruder
    victim_borrower = victim.get("/v1/session").json()["borrower_id"]
    for path in ("/v1/lines", "/v1/loans"):
        mine = intruder.get(path).json()
        assert ids["line_id"] not in str(mine) and ids["loan_id"] not in str(mine)
        theirs = intruder.get(path, params={"borrower_id": victim_borrower})
        assert theirs.status_code == 200
        assert ids["line_id"] not in theirs.text and ids["loan_id"] not in theirs.text
    assert ids["decision_id"] not in intruder.get("/v1/applications").text
    assert ids["consent_id"] not in intruder.get("/v1/consents").text


def _failing_liveness(id_number: str) -> str:
    """A selfie reference the (deterministic) face simulator finds not live for this ID number."""
    from creditline.identity.simulators import SimulatedFaceMatcher

    matcher = SimulatedFaceMatcher()
    return next(ref for ref in (f"selfie-{n}" for n in range(10_000)) if not matcher.match(id_number, ref).live)


def test_a_decision_that_did_not_confirm_the_identity_links_no_account_to_it(client):
    """The first decision naming a borrower links the account to that borrower's lines and loans. A
    decision that says the applicant is not shown to be that person (the selfie failed the liveness
    check) must not: typing someone's ID number, name and phone would otherwise open their line."""
    from api_flows import application, business_date_of

    from creditline.app.apply import ApplyForCredit, apply

    runtime = client.app.state.runtime
    for serial in range(700, 720):  # someone who became a borrower without an account (the CLI, a batch)
        form = application(serial, business_date_of(client))
        theirs = apply(runtime.engine, ApplyForCredit(f"cli-{serial}", form, runtime.origination))
        if theirs["outcome"] == "approve":
            break
    assert theirs["line_id"] is not None
    impostor = Person(client, "Impostor")
    impostor.register()
    form["device"]["selfie_ref"] = _failing_liveness(form["applicant"]["id_number"])
    decided = impostor.post("/v1/applications", form, key="impostor-1")
    assert decided.status_code == 201, decided.text
    body = decided.json()
    assert body["outcome"] == "decline" and "liveness_failed" in body["reasons"], body
    assert (body["linked"], body["borrower_id"], body["line_id"], body["session"]) == (False, None, None, None)
    assert impostor.get("/v1/session").json()["borrower_id"] is None
    assert theirs["line_id"] not in impostor.get("/v1/lines").text
    assert impostor.get(f"/v1/lines/{theirs['line_id']}").status_code == 404


def test_a_referral_for_a_weak_face_match_links_the_account_once_a_person_approves_it(client, engine):
    from decimal import Decimal

    from api_flows import application, business_date_of

    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.simulators import SimulatedFaceMatcher

    matcher = SimulatedFaceMatcher()
    for serial in range(740, 800):
        form = application(serial, business_date_of(client))
        id_number = form["applicant"]["id_number"]
        form["device"]["selfie_ref"] = next(
            ref for ref in (f"weak-{n}" for n in range(20_000))
            if matcher.match(id_number, ref).live and matcher.match(id_number, ref).similarity < Decimal("0.9")
        )
        person = Person(client, "Weak Selfie")
        person.register()
        decided = person.post("/v1/applications", form, key=f"weak-{serial}").json()
        if decided["outcome"] == "refer" and decided["reasons"] == ["face_match_weak"]:
            break
    else:
        raise AssertionError("no referral for a weak face match in 60 applicants")
    assert (decided["linked"], decided["line_id"]) == (False, None), "not linked before a person looked"
    runtime = client.app.state.runtime
    _, issued = dev_session(engine, AccessConfig(runtime.access.rp, runtime.access.policy), "risk_analyst", "Analyst")
    analyst = {"Authorization": f"Bearer {issued.token}"}
    reviews = client.get("/v1/reviews", headers=analyst).json()["reviews"]
    review_id = next(r["review_id"] for r in reviews if r["decision_id"] == decided["decision_id"])
    approved = client.post(f"/v1/reviews/{review_id}/resolution", headers=analyst,
                           json={"resolution": "approved", "note": "same person, poor light"})  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert person.get("/v1/session").status_code == 401, "the account's privileges changed: sign in again"
    assert person.sign_in().status_code == 201
    assert person.get("/v1/session").json()["borrower_id"] is not None
    assert approved.json()["line_id"] in person.get("/v1/lines").text


def test_a_decision_that_did_not_confirm_the_identity_tells_nothing_of_that_persons_credit_report(client):
    """The bureau is queried for the ID number typed, and every policy rule is evaluated: without
    withholding, anyone who typed a person's name and ID number (with a selfie that fails) read their
    court-debtor status, late payments, PD and score in the decision and its explanation."""
    from api_flows import application, business_date_of

    from creditline.identity.simulators import SimulatedBureau

    bureau = SimulatedBureau()
    on = business_date_of(client)
    form = next(f for f in (application(s, on) for s in range(800, 1200))
                if bureau.report(f["applicant"]["id_number"], "", on=on).delinquencies_24m >= 1)  # fmt: skip
    form["device"]["selfie_ref"] = _failing_liveness(form["applicant"]["id_number"])
    impostor = Person(client, "Curious")
    impostor.register()
    decided = impostor.post("/v1/applications", form, key="curious-1").json()
    assert decided["outcome"] == "decline"
    assert decided["reasons"] == ["liveness_failed"], decided["reasons"]
    assert (decided["pd"], decided["score"], decided["fraud_score"], decided["limit"]) == (None, None, None, None)
    for path in (f"/v1/decisions/{decided['decision_id']}", "/v1/applications"):
        assert "bureau_delinquenc" not in impostor.get(path).text, path
    explained = impostor.get(f"/v1/decisions/{decided['decision_id']}/explanation").json()
    assert [r["code"] for r in explained["reasons"]] == ["liveness_failed"]
    assert explained["model_factors"] == [] and explained.get("limit") is None and explained.get("price") is None
    assert explained["factors"] == []  # the same factors as data, withheld alike


def _holder(client, name: str, first_serial: int) -> tuple[Person, dict]:  # type: ignore[no-untyped-def]
    """A registered person approved for a line under their own identity: (person, their application form)."""
    from api_flows import application, business_date_of

    for serial in range(first_serial, first_serial + 20):  # the simulated population declines some
        person = Person(client, name)
        person.register()
        form = application(serial, business_date_of(client))
        decided = person.post("/v1/applications", form, key=f"holder-{serial}").json()
        if decided["outcome"] == "approve" and decided["linked"]:
            person.token, person.csrf = decided["session"]["token"], decided["session"]["csrf_token"]
            return person, form
    raise AssertionError("no approval in 20 applicants")


def _without_sessions(rows: dict) -> dict:  # type: ignore[type-arg]
    """The rows but sessions and the count of refused identity claims (test_identity_claim_limit's)."""
    return {name: table for name, table in rows.items() if "session" not in name and name != "identity_claim_refusals"}


def test_an_identity_another_account_holds_is_refused_before_anything_is_decided(client, engine, caplog):
    """One account applied with another person's name and ID number, a person who had an account and
    a line: it was decided ("Approved") and a line opened for that person that this account could
    never reach. It is refused — 409 naming the ID number — and nothing is written."""
    from integration_helpers import dump

    holder, form = _holder(client, "Holder", 1300)
    intruder = Person(client, "Intruder")
    intruder.register()
    before = _without_sessions(dump(engine))
    with caplog.at_level("WARNING", logger="creditline.security"):
        refused = intruder.post("/v1/applications", form, key="claim-1")
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("identity_claimed", "applicant.id_number"), problem
    assert _without_sessions(dump(engine)) == before, "no decision, no line, no fraud signals"
    logged = [record.fields for record in caplog.records if record.name == "creditline.security"]  # type: ignore[attr-defined]
    assert logged == [{"event": "identity_claimed", "account_id": intruder.account["account_id"],
                       "borrower_id": holder.get("/v1/session").json()["borrower_id"]}], "for the fraud team"  # fmt: skip
    assert intruder.get("/v1/applications").json()["decisions"] == []
    assert intruder.get("/v1/session").json()["borrower_id"] is None
    again = holder.post("/v1/applications", form, key="holder-again")  # the holder applies as themself
    assert again.status_code == 201, again.text


def test_an_account_with_a_borrower_applies_as_that_borrower_only(client, engine):
    from api_flows import application, business_date_of
    from integration_helpers import dump

    holder, _ = _holder(client, "Linked", 1400)
    before = _without_sessions(dump(engine))
    someone_else = application(1450, business_date_of(client))  # nobody's borrower yet
    refused = holder.post("/v1/applications", someone_else, key="mismatch-1")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("identity_mismatch", "applicant.id_number"), problem
    assert _without_sessions(dump(engine)) == before
