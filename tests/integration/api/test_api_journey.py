"""A borrower's whole journey through the API on SQLite and PostgreSQL: passkey, apply, preview,
draw with a passkey approval, repay, pay off early — with the idempotency and the figures checked."""

from __future__ import annotations

from decimal import Decimal

from api_flows import Person, approved_borrower, with_loan
from api_flows import application as _form
from sqlalchemy import func, select

from creditline.store.tables import journal_entries, loans


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_apply_links_the_account_and_rotates_the_session(client):
    person = Person(client, "Li Hua")
    assert person.register().status_code == 201
    old_token = person.token
    decision = person.apply(serial=500)
    assert decision["outcome"] == "approve"
    assert decision["linked"] is True
    assert decision["session"] is not None, "gaining a borrower is a privilege change: a new session"
    assert decision["daily_rate_pct"] and decision["apr_pct"]
    stale = client.get("/v1/session", headers={"Authorization": f"Bearer {old_token}"})
    assert stale.status_code == 401
    assert stale.json()["code"] == "session_invalid"  # ended by the rotation
    me = person.get("/v1/session").json()
    assert me["borrower_id"] == decision["borrower_id"]
    lines = person.get("/v1/lines").json()["lines"]
    assert [line["line_id"] for line in lines] == [decision["line_id"]]
    assert lines[0]["limit"] == decision["limit"]
    again = person.post("/v1/applications", None, key="apply-500")
    assert again.status_code == 422  # a body is required; the key alone is not a retry


def test_a_claim_that_collides_leaves_the_decision_made_once(client, engine, monkeypatch):
    """The account's claim commits in the decision's transaction; should it collide (a concurrent
    account linking the same borrower), the decision is made alone and the claim tried after it."""
    from sqlalchemy.exc import IntegrityError

    from creditline.store.identity_repository import IdentityRepository
    from creditline.store.tables_origination import origination_decisions

    link, calls = IdentityRepository.queue_link_first_borrower, []

    def collides_once(self, account_id, borrower_id):  # type: ignore[no-untyped-def]
        calls.append(account_id)
        if len(calls) == 1:
            raise IntegrityError("UPDATE identity_accounts", {}, Exception("unique borrower_id"))
        return link(self, account_id, borrower_id)

    monkeypatch.setattr(IdentityRepository, "queue_link_first_borrower", collides_once)
    person = Person(client, "Collided")
    assert person.register().status_code == 201
    before = count(engine, origination_decisions)
    decision = person.apply(serial=501)
    assert len(calls) == 2, "tried in the decision's transaction, then after it"
    assert count(engine, origination_decisions) == before + 1
    assert decision["outcome"] == "approve" and decision["linked"] is True
    assert person.get("/v1/session").json()["borrower_id"] == decision["borrower_id"]
    monkeypatch.setattr(IdentityRepository, "queue_link_first_borrower", link)
    again = person.post("/v1/applications", _form(501), key="apply-501")
    assert again.status_code == 201 and again.json()["decision_id"] == decision["decision_id"]
    assert count(engine, origination_decisions) == before + 1


def test_a_link_at_an_epoch_moved_since_sign_in_still_rotates_the_session(client, monkeypatch):
    """The rotation queued with the link assumes the epoch the session was read at; when the account's
    epoch moved in between, the session is rotated after the link, at the epoch the link set."""
    from sqlalchemy import text

    from creditline.store.identity_repository import IdentityRepository

    link = IdentityRepository.queue_link_first_borrower

    def moved_first(self, account_id, borrower_id):  # type: ignore[no-untyped-def]
        bump = "UPDATE identity_accounts SET privilege_epoch = privilege_epoch + 1 WHERE account_id = :a"
        self.connection.execute(text(bump), {"a": account_id})
        return link(self, account_id, borrower_id)

    monkeypatch.setattr(IdentityRepository, "queue_link_first_borrower", moved_first)
    person = Person(client, "Moved")
    assert person.register().status_code == 201
    decision = person.apply(serial=502)
    assert decision["linked"] is True and decision["session"] is not None
    assert person.get("/v1/session").json()["borrower_id"] == decision["borrower_id"]


def test_preview_shows_the_schedule_with_apr_next_to_the_daily_rate(client):
    person, decision = approved_borrower(client, "Preview", min_limit="1200.00")
    query = {"amount": "1200.00", "term_months": 3, "method": "equal-principal"}
    preview = person.get(f"/v1/lines/{decision['line_id']}/drawdown-preview", params=query).json()
    rows = preview["installments"]
    assert [row["n"] for row in rows] == [1, 2, 3]
    assert sum(Decimal(row["principal"]) for row in rows) == Decimal("1200.00")
    assert all(row["principal"] == "400.00" for row in rows)
    interest = sum(Decimal(row["interest"]) for row in rows)
    assert Decimal(preview["total_interest"]) == interest > 0
    assert Decimal(preview["total_repayable"]) == Decimal("1200.00") + interest
    daily = Decimal(preview["daily_rate_pct"])
    assert daily == Decimal(decision["daily_rate_pct"])
    assert Decimal(preview["apr_pct"]) > daily * 360 * Decimal("0.9"), "APR is about the daily rate times the year"
    assert preview["within_limit"] is True and preview["refusal"] is None


def test_drawdown_needs_a_fresh_user_verified_assertion_for_that_request(client, engine):
    person, decision = approved_borrower(client, "Draw", min_limit="1000.00")
    line = decision["line_id"]
    terms = {"amount": "1000.00", "term_months": 3}
    before = (count(engine, loans), count(engine, journal_entries))

    no_uv = person.draw(line, terms, key="d-1", uv=False)
    assert no_uv.status_code == 401
    assert no_uv.json()["code"] == "user_verification_required"
    options = person.approval(line, terms)
    other = person.post(f"/v1/lines/{line}/drawdowns", {"amount": "2000.00", "term_months": 3,
                        "assertion": person.authenticator.get(options)}, key="d-2")  # fmt: skip
    assert other.status_code == 401
    assert other.json()["code"] == "binding_mismatch"
    assert (count(engine, loans), count(engine, journal_entries)) == before, "refused drawdowns change nothing"

    options = person.approval(line, terms)
    assertion = person.authenticator.get(options)
    first = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="d-3")
    assert first.status_code == 201, first.text
    loan = first.json()
    assert loan["principal"] == "1000.00" and loan["status"] == "active"
    replayed = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="d-4")
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "challenge_used"
    retry = person.post(f"/v1/lines/{line}/drawdowns", terms | {"assertion": assertion}, key="d-3")
    assert retry.status_code == 201
    assert retry.json() == loan, "same key, same request: the stored response"
    changed = person.post(f"/v1/lines/{line}/drawdowns", {"amount": "900.00", "term_months": 3,
                          "assertion": assertion}, key="d-3")  # fmt: skip
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency_key_reused"
    assert count(engine, loans) == before[0] + 1
    line_after = person.get(f"/v1/lines/{line}").json()
    assert Decimal(line_after["available"]) == Decimal(line_after["limit"]) - Decimal("1000.00")


def test_repay_and_pay_off_early(client):
    person, _line, loan_id = with_loan(client, "Repay", "1500.00")
    first = person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "100.00", "currency": "CNY"}, key="r-1")
    assert first.status_code == 201, first.text
    assert Decimal(first.json()["principal_outstanding"]) == Decimal("1400.00")  # no interest accrued yet on day 0
    retry = person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "100.00", "currency": "CNY"}, key="r-1")
    assert retry.json() == first.json()
    conflict = person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "50.00"}, key="r-1")
    assert conflict.status_code == 409
    wrong_currency = person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "5.00", "currency": "USD"}, key="r-2")
    assert wrong_currency.status_code == 422
    assert wrong_currency.json()["errors"][0]["field"] == "currency"
    quote = person.get(f"/v1/loans/{loan_id}/payoff-quote").json()
    assert quote["total"] == "1400.00"
    paid = person.post(f"/v1/loans/{loan_id}/repayments", {"amount": quote["total"]}, key="r-3")
    assert paid.status_code == 201
    assert paid.json()["principal_outstanding"] == "0.00"
    assert paid.json()["status"] == "paid-off"
    full = person.get(f"/v1/loans/{loan_id}").json()
    assert [e["kind"] for e in full["events"]] == ["disbursement", "repayment", "repayment"]
    page = person.get("/v1/loans").json()
    assert [item["loan_id"] for item in page["loans"]] == [loan_id]
    assert page["next_after"] is None
    schedule = person.get(f"/v1/loans/{loan_id}/schedule").json()
    assert len(schedule["schedule"]) == 3


def test_consents_explanations_and_reviews(client):
    person, decision = approved_borrower(client, "Consents")
    listed = person.get("/v1/consents").json()["consents"]
    assert {c["scope"] for c in listed} == {"credit_bureau_query", "transaction_data", "device_data"}
    granted = person.post("/v1/consents", {"scope": "marketing", "purpose": "marketing", "text_version": "m1"})
    assert granted.status_code == 201 and granted.json()["active"] is True
    withdrawn = person.post(f"/v1/consents/{granted.json()['consent_id']}/withdrawal")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["active"] is False and withdrawn.json()["withdrawn_at"]
    english = person.get(f"/v1/decisions/{decision['decision_id']}/explanation")
    explanation = english.json()
    assert explanation["automated"] is True and explanation["limit"]["amount"] == decision["limit"]
    assert english.headers["content-language"] == "en" and "Accept-Language" in english.headers["vary"]
    assert "label_words" not in explanation  # the record's, read for the page; not a field of the API
    chinese = person.get(f"/v1/decisions/{decision['decision_id']}/explanation", headers={"Accept-Language": "ZH-cn"})
    assert chinese.status_code == 200 and chinese.headers["content-language"] == "zh-Hans"
    translated = chinese.json()
    assert "日利率" in translated["price"]["display"] and "daily rate" in explanation["price"]["display"]
    assert translated["limit"]["amount"] == explanation["limit"]["amount"]
    assert len(translated["model_factors"]) == len(explanation["model_factors"])
    assert explanation["factors"] and [f["text"] for f in explanation["factors"]] == explanation["model_factors"]
    assert [f["text"] for f in translated["factors"]] == translated["model_factors"]
    assert [f["field"] for f in translated["factors"]] == [f["field"] for f in explanation["factors"]]
    assert translated["model_factors"] != explanation["model_factors"] or not explanation["model_factors"]
    review = person.post(f"/v1/decisions/{decision['decision_id']}/reviews", {"reason": "please check my limit"})
    assert review.status_code == 201
    twice = person.post(f"/v1/decisions/{decision['decision_id']}/reviews", {"reason": "again"})
    assert twice.status_code == 409
    mine = person.get("/v1/applications").json()["decisions"]
    assert [d["decision_id"] for d in mine] == [decision["decision_id"]]


def test_a_reused_key_names_the_idempotency_key_header_and_the_key_sent(client):
    """The 409 named the field `key` (no input of the API) and the key as the store scopes it,
    `<account id>:<key>`; the client sent the `Idempotency-Key` header, and reads back its own key."""
    from api_flows import business_date_of

    person, line, loan_id = with_loan(client, "ReusedKey", "1200.00")
    account = person.account["account_id"]  # type: ignore[index]
    assert person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "10.00"}, key="same").status_code == 201
    assert person.post(f"/v1/loans/{loan_id}/prepayments", {"amount": "10.00", "mode": "keep-term"}, key="same").status_code == 201
    applicant = Person(client, "Reused Application Key")
    assert applicant.register().status_code == 201
    on = business_date_of(client)
    applicant.apply(serial=900_001, key="same")  # its session replaced when the application links a borrower
    refused = {
        "repayment": person.post(f"/v1/loans/{loan_id}/repayments", {"amount": "20.00"}, key="same"),
        "prepayment": person.post(f"/v1/loans/{loan_id}/prepayments", {"amount": "20.00", "mode": "keep-term"}, key="same"),
        "drawdown": person.draw(line, {"amount": "500.00", "term_months": 6}, key="draw-ReusedKey"),
        "application": applicant.post("/v1/applications", _form(900_002, on), key="same"),
    }
    for what, response in refused.items():
        assert response.status_code == 409, (what, response.text)
        problem = response.json()
        assert problem["code"] == "idempotency_key_reused", (what, problem)
        assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"], (what, problem)
        assert "'same'" in problem["detail"] or what == "drawdown", (what, problem)
        assert account not in response.text and applicant.account["account_id"] not in response.text, (what, problem)  # type: ignore[index]
