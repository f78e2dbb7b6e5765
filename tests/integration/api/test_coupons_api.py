"""Coupons over HTTP on SQLite and PostgreSQL: finance adds a campaign and issues a coupon; the borrower
quotes it, approves a drawdown naming it with the passkey and draws (the saving committed against the
budget, the key covering the coupon); another borrower's coupon is "not found"; end of day applies the
first installment's saving before it asks the bank for the installment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from api_flows import approved_borrower
from servicing_flows import draw, operators

CAMPAIGN = """
campaign_id = "{campaign_id}"
version = 1
name = "20% off interest"
kind = "rate-discount"
currency = "CNY"
budget_cap = "{budget}"
issue_from = 2025-06-01
issue_until = 2025-12-31
valid_days = 30
discount_pct = "20"
"""
TERMS = {"amount": "3000.00", "term_months": 3}
MARKETING = {"scope": "marketing", "purpose": "marketing", "text_version": "v1"}


def consenting(borrower):  # type: ignore[no-untyped-def]
    """The borrower consents to marketing through the API, as a coupon needs (docs/privacy.md)."""
    granted = borrower.post("/v1/consents", MARKETING)
    assert granted.status_code == 201, granted.text
    return granted.json()


@pytest.fixture(scope="module")
def issued(client):  # type: ignore[no-untyped-def]
    """A campaign, a borrower holding one of its coupons, and the operators of every role."""
    people = operators(client, client.app.state.runtime.engine)
    added = people["finance"].post("/v1/campaigns", {"format": "toml", "source": CAMPAIGN.format(campaign_id="summer", budget="500.00")})
    assert added.status_code == 201, added.text
    borrower, decision = approved_borrower(client, "Saver", min_limit=TERMS["amount"])
    consenting(borrower)
    coupon = people["finance"].post("/v1/campaigns/summer/coupons", {"borrower_id": decision["borrower_id"]}, key="c-1")
    assert coupon.status_code == 201, coupon.text
    return borrower, decision, coupon.json(), people


def test_campaigns_are_finances_and_readable_by_admins(issued) -> None:  # type: ignore[no-untyped-def]
    borrower, _, _, people = issued
    finance, admin = people["finance"], people["admin"]
    again = finance.post("/v1/campaigns", {"format": "toml", "source": CAMPAIGN.format(campaign_id="summer", budget="500.00")})
    assert again.status_code == 201 and again.json()["budget_cap"] == "500.00", "the same file again changes nothing"
    other = finance.post("/v1/campaigns", {"format": "toml", "source": CAMPAIGN.format(campaign_id="summer", budget="9.00")})
    assert other.status_code == 409 and other.json()["code"] == "campaign_exists"
    broken = finance.post("/v1/campaigns", {"format": "yaml", "source": "campaign_id: [unclosed"})
    assert broken.status_code == 422 and broken.json()["code"] == "campaign_invalid"
    (listed,) = [c for c in admin.get("/v1/campaigns").json()["campaigns"] if c["campaign_id"] == "summer"]
    assert listed["budget_used_pct"] == "0.00" and listed["committed"] == "0.00" and listed["discount_pct"] == "20"
    assert admin.get("/v1/campaigns/summer").json() == listed
    assert admin.post("/v1/campaigns", {"format": "toml", "source": CAMPAIGN}).status_code == 403
    for person in (borrower, people["risk_analyst"], people["collections_agent"]):
        assert person.get("/v1/campaigns").status_code == 403
        assert person.post("/v1/campaigns/summer/coupons", {"borrower_id": "B1"}, key="x").status_code == 403


def test_a_coupon_is_issued_once_per_key_and_listed_for_its_borrower(issued) -> None:  # type: ignore[no-untyped-def]
    borrower, decision, coupon, people = issued
    finance = people["finance"]
    again = finance.post("/v1/campaigns/summer/coupons", {"borrower_id": decision["borrower_id"]}, key="c-1")
    assert again.json() == coupon, "same key: the same coupon"
    assert coupon["status"] == "issued" and coupon["saving"] == "0.00"
    mine_all = borrower.get("/v1/coupons").json()
    (mine,) = mine_all["coupons"]
    assert mine["coupon_id"] == coupon["coupon_id"] and mine["last_day"] == "2025-07-29"
    theirs = people["collections_agent"].get("/v1/coupons", params={"borrower_id": decision["borrower_id"]}).json()
    assert [c["coupon_id"] for c in theirs["coupons"]] == [coupon["coupon_id"]]
    other = borrower.get("/v1/coupons", params={"borrower_id": "Bsomeoneelse"})
    assert other.status_code == 200 and other.json()["coupons"] == []
    assert other.json()["business_date"] == mine_all["business_date"] != "", "the business date was left empty"


def test_a_drawdown_redeems_the_coupon_it_was_approved_with(issued, engine) -> None:  # type: ignore[no-untyped-def]
    borrower, decision, coupon, people = issued
    line_id, coupon_id = decision["line_id"], coupon["coupon_id"]
    quote = borrower.get(f"/v1/lines/{line_id}/coupon-quote", params=TERMS | {"coupon_id": coupon_id}).json()
    saving = Decimal(quote["total_saving"])
    assert saving > 0 and Decimal(quote["apr_with_pct"]) < Decimal(quote["apr_without_pct"])
    assert Decimal(quote["interest_with"]) + saving == Decimal(quote["interest_without"])
    approved = TERMS | {"coupon_id": coupon_id}
    assertion = borrower.authenticator.get(borrower.approval(line_id, approved))
    swapped = borrower.post(f"/v1/lines/{line_id}/drawdowns", TERMS | {"assertion": assertion}, key="with-coupon")
    assert swapped.status_code == 401 and swapped.json()["code"] == "binding_mismatch", "the passkey approved the coupon"
    assertion = borrower.authenticator.get(borrower.approval(line_id, approved))
    drawn = borrower.post(f"/v1/lines/{line_id}/drawdowns", approved | {"assertion": assertion}, key="with-coupon")
    assert drawn.status_code == 201, drawn.text
    loan = drawn.json()
    assert loan["coupon"]["status"] == "redeemed" and Decimal(loan["coupon"]["saving"]) == saving
    assert sum(Decimal(i["saving"]) for i in loan["coupon"]["installments"]) == saving
    assert people["admin"].get("/v1/campaigns/summer").json()["committed"] == quote["total_saving"]
    retry = borrower.post(f"/v1/lines/{line_id}/drawdowns", approved | {"assertion": assertion}, key="with-coupon")
    assert retry.status_code == 201 and retry.json() == loan, "a retry (the assertion used up) returns the stored response"
    without = borrower.post(f"/v1/lines/{line_id}/drawdowns", TERMS | {"assertion": assertion}, key="with-coupon")
    assert without.status_code == 409 and without.json()["code"] == "idempotency_key_reused"
    # The product's smallest drawdown, so what is refused is the coupon, not the limit left (the line's
    # limit depends on the decision, which the fraud index's memory of earlier tests can move).
    used = borrower.post(f"/v1/lines/{line_id}/drawdown-approvals", approved | {"amount": "500.00"})
    assert used.status_code == 409 and used.json()["code"] == "coupon_already_used", used.text


def test_another_borrowers_coupon_is_not_found_and_nothing_changes(client, issued) -> None:  # type: ignore[no-untyped-def]
    _, decision, _, people = issued
    victim, victim_decision = approved_borrower(client, "Holder")
    consenting(victim)
    theirs = people["finance"].post("/v1/campaigns/summer/coupons", {"borrower_id": victim_decision["borrower_id"]}, key="c-2").json()
    intruder, own = approved_borrower(client, "Intruder")
    # The product's smallest drawdown, so what is refused is the coupon, not the limit left (the line's
    # limit depends on the decision, which the fraud index's memory of earlier tests can move).
    smallest = TERMS | {"amount": "500.00"}
    terms = smallest | {"coupon_id": theirs["coupon_id"]}
    nobody = smallest | {"coupon_id": "CPdoesnotexist"}
    for body in (terms, nobody):
        quoted = intruder.get(f"/v1/lines/{own['line_id']}/coupon-quote", params=body)
        approval = intruder.post(f"/v1/lines/{own['line_id']}/drawdown-approvals", body)
        assert (quoted.status_code, quoted.json()["code"]) == (404, "coupon_not_found")
        assert (approval.status_code, approval.json()["code"]) == (404, "coupon_not_found")
    assert victim.get("/v1/coupons").json()["coupons"][0]["status"] == "issued"
    assert decision["borrower_id"] != own["borrower_id"]


def test_end_of_day_applies_the_saving_before_asking_the_bank(client, issued, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from creditline.app.eod_pipeline import run_pipeline
    from creditline.store.tables_servicing import debit_attempts

    people = issued[3]
    borrower, decision = approved_borrower(client, "Settler", min_limit=TERMS["amount"])
    consenting(borrower)
    coupon = people["finance"].post("/v1/campaigns/summer/coupons", {"borrower_id": decision["borrower_id"]}, key="c-eod")
    terms = TERMS | {"coupon_id": coupon.json()["coupon_id"]}
    assert draw(borrower, decision["line_id"], terms, "settle").status_code == 201
    loan_id = borrower.get("/v1/coupons").json()["coupons"][0]["loan_id"]
    first = borrower.get(f"/v1/loans/{loan_id}").json()["schedule"][0]  # the contract's installment, before any coupon
    assert first["due_date"] == "2025-07-30"
    days = run_pipeline(engine, date(2025, 7, 31), catch_up=True, only=frozenset({"coupon-settle", "auto-debit"}))
    assert list(days[-1]["seconds"])[:2] == ["coupon-settle", "auto-debit"], "the saving is applied before the debit"
    mine_all = borrower.get("/v1/coupons").json()
    (mine,) = mine_all["coupons"]
    first_saving = Decimal(mine["applied"])
    assert first_saving > 0 and mine["status"] == "redeemed"
    with engine.connect() as connection:
        asked = connection.execute(select(debit_attempts.c.requested_minor).where(
            debit_attempts.c.loan_id == loan_id, debit_attempts.c.business_date == date(2025, 7, 30))).scalars().all()  # fmt: skip
    installment = Decimal(first["principal"]) + Decimal(first["interest"])
    assert asked and Decimal(asked[0]) / 100 + first_saving == installment, "the bank is asked for the reduced installment"
    loan = borrower.get(f"/v1/loans/{loan_id}").json()
    waived = [e for e in loan["events"] if e["kind"] == "waiver"]
    assert len(waived) == 1 and Decimal(waived[0]["amount"]) == first_saving
    paid = loan["installments"][0]
    if paid["status"] == "paid":  # the simulated bank's fate for this debit: when it paid, interest net of the coupon
        assert Decimal(paid["interest_paid"]) == Decimal(first["interest"]) - first_saving


def test_a_borrower_without_marketing_consent_gets_no_coupon(client, issued) -> None:  # type: ignore[no-untyped-def]
    """Marketing consent is optional at apply and can be withdrawn; a coupon issued without it was marketing
    the borrower had not agreed to. The refusal names the rule and the field, and nothing is issued."""
    people = issued[3]
    borrower, decision = approved_borrower(client, "Unconsenting")
    body = {"borrower_id": decision["borrower_id"]}
    refused = people["finance"].post("/v1/campaigns/summer/coupons", body, key="c-none")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == "marketing_consent_missing" and problem["errors"][0]["field"] == "borrower"
    assert borrower.get("/v1/coupons").json()["coupons"] == []
    consent = consenting(borrower)
    assert people["finance"].post("/v1/campaigns/summer/coupons", body, key="c-yes").status_code == 201
    withdrawn = borrower.post(f"/v1/consents/{consent['consent_id']}/withdrawal")
    assert withdrawn.status_code == 200, withdrawn.text
    again = people["finance"].post("/v1/campaigns/summer/coupons", body, key="c-after")
    assert (again.status_code, again.json()["code"]) == (422, "marketing_consent_missing"), again.text


def test_a_coupon_in_a_currency_the_borrower_has_no_line_in_is_not_issued(issued) -> None:  # type: ignore[no-untyped-def]
    """A USD coupon for a borrower whose lines are all CNY could never be used, yet counted against the
    campaign's per-borrower limit: 422 naming the borrower, nothing issued, nothing committed."""
    borrower, decision, _, people = issued
    finance = people["finance"]
    dollars = CAMPAIGN.format(campaign_id="dollars", budget="500.00").replace('"CNY"', '"USD"')
    assert finance.post("/v1/campaigns", {"format": "toml", "source": dollars}).status_code == 201
    before = borrower.get("/v1/coupons").json()["coupons"]
    refused = finance.post("/v1/campaigns/dollars/coupons", {"borrower_id": decision["borrower_id"]}, key="c-usd")
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["code"], problem["errors"][0]["field"]) == ("no_line_in_currency", "borrower")
    assert borrower.get("/v1/coupons").json()["coupons"] == before
    assert finance.get("/v1/campaigns/dollars").json()["committed"] == "0.00"
