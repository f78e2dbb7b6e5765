"""/v1/funding over HTTP on SQLite and PostgreSQL: finance and portfolio readers see the co-lending partners
(balances, concentration, appetite), their statements and reconciliation, and the deals sold to trusts with
their waterfall; a collections agent and a borrower are refused (403), an unknown id is 404."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from api_flows import BUSINESS_DATE, ORIGIN, Person, with_loan

PARTNER = """partner_id: bank
version: 1
name: City Bank
currency: CNY
cost_of_funds: "3%"
concentration_limit: "100%"
appetite:
  balance_max: "1000000.00"
  share_min: "10%"
  share_max: "50%"
"""


def operator(client, engine, role: str) -> Person:  # type: ignore[no-untyped-def]
    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    account, issued = dev_session(engine, AccessConfig(RelyingParty("localhost", "creditline", (ORIGIN,))), role, role)
    return Person(client, role, token=issued.token, csrf=issued.csrf_token, account=account)


@pytest.fixture(scope="module")
def funded(client, engine):  # type: ignore[no-untyped-def]
    """A partner, two co-lent loans drawn through the API, and a deal of the platform's shares of them."""
    from creditline.app.colending import add_partner
    from creditline.app.securitisation import SellPool, sell_pool

    add_partner(engine, PARTNER, "bank.yaml")
    borrower, _, _ = with_loan(client, "Funded", "1000.00")
    with_loan(client, "Funded-too", "1200.00")
    spec = {"name": "API ABS", "currency": "CNY", "cut_off_date": BUSINESS_DATE,
            "closing_date": BUSINESS_DATE + timedelta(days=1), "first_payment_date": BUSINESS_DATE + timedelta(days=30),
            "tranches": [{"name": "A", "share": Decimal("0.9"), "coupon_rate": Decimal("0.03")},
                         {"name": "Sub", "share": Decimal("0.1")}]}  # fmt: skip
    deal = sell_pool(engine, SellPool(spec, "api deal", "yaml", "api-sale"))
    people = {role: operator(client, engine, role) for role in ("finance", "admin", "risk_analyst", "collections_agent")}
    return people, borrower, deal


def test_finance_reads_partners_statements_and_reconciliation(funded) -> None:  # type: ignore[no-untyped-def]
    people, _, _ = funded
    finance = people["finance"]
    partners = finance.get("/v1/funding/partners")
    assert partners.status_code == 200, partners.text
    bank = next(p for p in partners.json()["partners"] if p["partner_id"] == "bank")
    assert bank["principal_outstanding"] == "1100.00"  # half of each loan
    assert bank["concentration"] == "50.00%" and bank["appetite_used"] == "0.11%" and bank["payable"] == "0.00"
    shown = finance.get("/v1/funding/partners/bank")
    assert shown.status_code == 200 and shown.json()["remittances"] == []
    before_registration = {"from": "2025-06-01", "to": (BUSINESS_DATE - timedelta(days=1)).isoformat()}
    refused = finance.get("/v1/funding/partners/bank/statement", params=before_registration)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert (refused.json()["code"], refused.json()["errors"][0]["field"]) == ("invalid_date", "to"), refused.text
    assert finance.get("/v1/funding/partners/bank/reconciliation").json()["clean"]
    assert finance.get("/v1/funding/reconciliation").json()["clean"]


@pytest.fixture(scope="module")
def closed_day(funded, engine):  # type: ignore[no-untyped-def]
    """The registration day closed by every stage, as `creditline eod` closes it."""
    from creditline.app import run_eod

    run_eod(engine, BUSINESS_DATE + timedelta(days=1), stages=None)
    return funded


def partners_half_of_the_interest(engine) -> str:  # type: ignore[no-untyped-def]
    """The partner's half of each loan's interest so far, the odd cent the platform's. (The applicants are
    drawn at random, so their rates, and the day's interest, vary from run to run.)"""
    from sqlalchemy import select

    from creditline.money import Money
    from creditline.store.tables import loans

    with engine.connect() as connection:
        interest = connection.execute(select(loans.c.interest_accrued_minor)).scalars().all()
    assert len(interest) == 2 and all(minor > 0 for minor in interest), interest
    return Money.of_minor(sum(minor // 2 for minor in interest), "CNY").amount_str()


def test_a_statement_covers_the_closed_day_the_partner_was_registered(closed_day, engine) -> None:  # type: ignore[no-untyped-def]
    """Once the registration day is closed, a period from before it that ends on it is the partner's first
    statement: the half of each loan it funded that day and its half of the day's interest. (The one
    refused above was not stored.)"""
    finance = closed_day[0]["finance"]
    period = {"from": "2025-06-01", "to": BUSINESS_DATE.isoformat()}
    statement = finance.get("/v1/funding/partners/bank/statement", params=period)
    assert statement.status_code == 200, statement.text
    assert statement.json()["disbursements"] == "1100.00"
    assert statement.json()["accruals"]["interest"] == partners_half_of_the_interest(engine), statement.text
    assert statement.json()["payable"]["remitted"] == "0.00" and "allowance_share" in statement.json()
    before_registration = {"from": "2025-06-01", "to": (BUSINESS_DATE - timedelta(days=1)).isoformat()}
    assert finance.get("/v1/funding/partners/bank/statement", params=before_registration).status_code == 422


def test_the_partner_reconciliation_stays_clean_once_the_day_is_closed(closed_day, engine) -> None:  # type: ignore[no-untyped-def]
    """The day's interest on both co-lent loans is split as every day's, though a trust bought the platform's
    shares: the partner's half of each is in its journal and in its parts of the loans."""
    half = partners_half_of_the_interest(engine)
    finance = closed_day[0]["finance"]
    reconciliation = finance.get("/v1/funding/partners/bank/reconciliation").json()
    assert reconciliation["clean"] and reconciliation["partners"][0]["differences"] == [], reconciliation
    bank = reconciliation["partners"][0]
    assert (bank["accounts"]["partner_income"], bank["exposure"]["interest"]) == (half, half), reconciliation
    assert finance.get("/v1/funding/reconciliation").json()["clean"]


def test_deals_show_the_sale_and_a_waterfall_with_no_period_yet(funded) -> None:  # type: ignore[no-untyped-def]
    people, _, deal = funded
    finance = people["finance"]
    listed = finance.get("/v1/funding/deals").json()["deals"]
    assert [d["deal_id"] for d in listed] == [deal["deal_id"]]
    shown = finance.get(f"/v1/funding/deals/{deal['deal_id']}").json()
    assert shown["pool_principal"] == "1100.00" and shown["retained_notes"] == "110.00"
    assert shown["position"]["trust_funding"] == "1100.00" and shown["periods_closed"] == 0
    waterfall = finance.get(f"/v1/funding/deals/{deal['deal_id']}/waterfall").json()
    assert waterfall["periods"] == [] and [t["balance"] for t in waterfall["tranches"]] == ["990.00", "110.00"]


@pytest.mark.parametrize("path", ["/v1/funding/partners", "/v1/funding/partners/bank", "/v1/funding/deals",
                                  "/v1/funding/partners/bank/reconciliation", "/v1/funding/reconciliation"])  # fmt: skip
def test_only_funding_and_portfolio_readers_may_look(funded, path: str) -> None:  # type: ignore[no-untyped-def]
    people, borrower, _ = funded
    for role in ("finance", "admin", "risk_analyst"):
        assert people[role].get(path).status_code == 200, (role, path)
    for person in (people["collections_agent"], borrower):
        refused = person.get(path)
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied", (person.name, path)


def test_unknown_ids_are_not_found_and_bad_dates_are_named(funded) -> None:  # type: ignore[no-untyped-def]
    finance = funded[0]["finance"]
    assert finance.get("/v1/funding/partners/nobody").json()["code"] == "unknown_partner"
    assert finance.get("/v1/funding/deals/DLnosuch").status_code == 404
    assert finance.get("/v1/funding/deals/DLnosuch/waterfall").json()["code"] == "deal_not_found"
    late = finance.get("/v1/funding/partners/bank/statement", params={"from": "2025-06-01", "to": (BUSINESS_DATE + timedelta(days=1)).isoformat()})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "to"


def test_the_console_funding_page_shows_partners_and_deals(funded) -> None:  # type: ignore[no-untyped-def]
    from creditline.api.auth_tokens import SESSION_COOKIE

    def page_for(person):  # type: ignore[no-untyped-def]
        person.client.cookies.set(SESSION_COOKIE, person.token)  # the jar is cleared after each response
        return person.client.get("/console/funding")

    people, _, deal = funded
    finance = people["finance"]
    page = page_for(finance)
    assert page.status_code == 200, page.text
    assert 'data-partner="bank"' in page.text and f'data-deal="{deal["deal_id"]}"' in page.text
    assert page.text.count('data-field="tranche"') == 2 and 'data-field="appetite">0.11%<' in page.text
    agent = people["collections_agent"]
    assert page_for(agent).status_code == 403
