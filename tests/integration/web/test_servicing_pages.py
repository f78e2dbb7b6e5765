"""The servicing pages in-process: the drawdown page's recommended plan and coupon (saving and APR with
it, redeemed by the passkey-approved drawdown); the console's work item forms (contact, promise,
hardship offer and apply), the monitoring holds queue and the coupon campaigns — role gates and CSRF."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from web_flows import Browser, approved, found

CAMPAIGN = """
campaign_id = "web-spring"
version = 1
name = "Spring: 20% off interest"
kind = "rate-discount"
currency = "CNY"
budget_cap = "300.00"
issue_from = 2025-06-01
issue_until = 2025-12-31
valid_days = 30
discount_pct = "20"
"""


def operator(app, engine, role: str) -> Browser:  # type: ignore[no-untyped-def]
    from creditline.app.access import create_operator

    code = create_operator(engine, f"{role} on duty", role)["enrollment_code"]
    browser = Browser(app, name=role)
    assert browser.register("/console", enrollment_code=code).status_code == 200
    return browser


def figure(page: str, name: str) -> str:
    return found(rf'data-field="{name}">([^<]+)<', page)


@pytest.fixture(scope="module")
def campaign(site):  # type: ignore[no-untyped-def]
    from creditline.app.coupons import add_campaign

    app, engine = site
    add_campaign(engine, CAMPAIGN, "web-spring.toml")  # the same file again (another test's worker) changes nothing
    return app, engine


def late_loan(app, engine) -> str:  # type: ignore[no-untyped-def]
    """A borrower's loan whose first installment was missed: end of day for 41 days opens its work item."""
    from servicing_flows import close_days  # tests/integration/api, on the path once web_flows is imported

    borrower, _, line_id = approved(app, 600)
    drawn = borrower.draw(line_id, "2000.00", 3, key="late")
    close_days(engine, 41)
    return drawn.json()["location"].split("?")[0].rsplit("/", 1)[1]


def test_the_drawdown_page_shows_the_plan_and_redeems_the_coupon(campaign) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.coupons import IssueCoupon, issue_coupon, show_campaign
    from creditline.app.ownership import line_owner
    from creditline.app.plans import RecommendPlan, recommend

    app, engine = campaign
    borrower, _, line_id = approved(app, 640, marketing=True)  # a coupon is marketing: it needs the consent
    coupon = issue_coupon(engine, IssueCoupon("web-spring", line_owner(engine, line_id).borrower_id, "web-1"))["coupon_id"]
    page = borrower.get(f"/app/lines/{line_id}").text
    assert f'<option value="{coupon}">' in page
    token = borrower.csrf(f"/app/lines/{line_id}")
    fields = {"csrf_token": token, "amount": "3000", "term_months": "6", "method": "", "coupon_id": coupon}
    shown = borrower.client.post(f"/app/lines/{line_id}/preview", data=fields).text
    saving, apr_with = figure(shown, "coupon-saving"), figure(shown, "apr-with-coupon")
    assert Decimal(apr_with.rstrip("%")) < Decimal(figure(shown, "apr").rstrip("%")) and saving.startswith("CN¥")
    expected = recommend(engine, RecommendPlan(line_id, "3000"))
    assert found(r'data-field="plan" data-recommended="([^"]*)"', shown) == (expected["recommended"] or "")
    terms = {"amount": "3000.00", "term_months": 6, "method": None, "coupon_id": coupon}
    options = borrower.post_json(f"/app/lines/{line_id}/approval", terms, token)
    assertion = borrower.authenticator.get(options.json()["publicKey"])
    drawn = borrower.post_json(f"/app/lines/{line_id}/drawdowns", terms | {"key": "coupon-draw", "assertion": assertion}, token)
    assert drawn.status_code == 201, drawn.text
    committed = Decimal(show_campaign(engine, "web-spring")["committed"])
    assert f"CN¥{committed:,.2f}" == saving, "the saving shown is the saving committed"
    again = borrower.client.post(f"/app/lines/{line_id}/preview", data=fields).text
    assert 'data-code="coupon_already_used"' in again


def test_an_agent_records_a_contact_a_promise_and_a_hardship_plan(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan
    from creditline.servicing.collections_strategy import builtin_strategy

    app, engine = site
    loan_id = late_loan(app, engine)
    agent = operator(app, engine, "collections_agent")
    queue = agent.get("/console/collections").text
    item_id = found(rf'<a href="/console/collections/([^"]+)">{loan_id}</a>', queue)
    path = f"/console/collections/{item_id}"
    assert 'data-status="open"' in agent.get(path).text
    night = agent.post_form(f"{path}/contacts", {"channel": "call", "outcome": "no_answer", "at": "2025-08-09T23:00+08:00"}, path)
    assert night.status_code == 409 and 'data-code="contact_quiet_hours"' in night.text
    for at in ("9999-12-31T23:59+00:00", "0001-01-01T00:00+14:00"):  # no calendar holds it in the borrower's zone
        refused = agent.post_form(f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": at}, path)
        assert refused.status_code == 422 and 'data-code="collections_input_invalid"' in refused.text, at
    call = agent.post_form(f"{path}/contacts", {"channel": "call", "outcome": "reached", "at": "2025-08-09T10:00+08:00",
                                                "note": "pays on Friday"}, path)  # fmt: skip
    assert call.status_code == 303 and call.headers["location"].endswith("notice=contact")
    assert "pays on Friday" in agent.get(path).text
    promised = agent.post_form(f"{path}/promises", {"amount": "700.00", "due_on": "2025-08-15"}, path)
    assert promised.status_code == 303, promised.text
    assert re.search(r'<tr data-promise="PR[^"]+"><td>[^<]+</td><td>CN¥700\.00</td>', agent.get(path).text)
    offer = agent.post_form(f"{path}/hardship", {"step": "offer", "income_monthly": "8000"}, path)
    assert 'data-eligible="false"' in offer.text and 'data-reason="payment_history_short"' in offer.text
    base = builtin_strategy()  # a lenient strategy (data), so this loan qualifies
    lenient = base.model_copy(update={"hardship": base.hardship.model_copy(update={"paid_installments_min": 0, "days_past_due_min": 1})})
    monkeypatch.setattr("creditline.app.collections_hardship.builtin_strategy", lambda: lenient)
    offer = agent.post_form(f"{path}/hardship", {"step": "offer", "income_monthly": "8000"}, path)
    assert 'data-eligible="true"' in offer.text and 'value="apply"' in offer.text
    key = found(r'name="form_key" value="([^"]+)"', offer.text)
    token = found(r'name="csrf_token" value="([^"]+)"', offer.text)
    form = {"csrf_token": token, "step": "apply", "income_monthly": "8000", "form_key": key}
    applied = agent.client.post(f"{path}/hardship", data=form, follow_redirects=False)
    assert applied.status_code == 303 and applied.headers["location"].endswith("notice=hardship")
    assert show_loan(engine, loan_id)["status"] == "active"
    twice = agent.client.post(f"{path}/hardship", data=form, follow_redirects=False)
    assert twice.status_code == 303, "the same form again: the first re-age, not a second"
    stale = agent.client.post(f"{path}/contacts", data={"channel": "call", "outcome": "reached"}, follow_redirects=False)
    assert stale.status_code == 403, "no CSRF token, no contact"


def test_holds_are_released_from_the_console(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.lines import show_line
    from creditline.app.loans import Draw
    from creditline.app.monitoring import DrawContext, HeldForReview, draw_monitored, list_outcomes

    app, engine = site
    _, _, line_id = approved(app, 680)
    noon = 1_751_256_000 + 100 * 86_400  # noon in Beijing, then a day apart
    for n in range(5):
        draw_monitored(engine, Draw(line_id, "500", 3, f"habit-{n}"), DrawContext(noon + n * 86_400, "phone", "card"))
    everything = show_line(engine, line_id)["available"]
    with pytest.raises(HeldForReview):  # a new phone drains the line to a new account
        draw_monitored(engine, Draw(line_id, everything, 3, "takeover"), DrawContext(noon + 6 * 86_400, "new-phone", "mule"))
    analyst = operator(app, engine, "risk_analyst")
    page = analyst.get("/console/holds").text
    (held,) = [o["outcome_id"] for o in list_outcomes(engine, status="held") if o["reference"].startswith("takeover#")]
    assert f'data-hold="{held}"' in page
    released = analyst.post_form(f"/console/holds/{held}/release", {}, "/console/holds")
    assert released.status_code == 303 and released.headers["location"].endswith("notice=release")
    assert f'data-hold="{held}"' not in analyst.get("/console/holds").text
    assert analyst.post_form(f"/console/holds/{held}/release", {}, "/console/holds").status_code == 404
    assert analyst.post_form(f"/console/holds/{held}/ignore", {}, "/console/holds").status_code == 404


def test_campaigns_and_holds_open_only_to_their_roles(campaign) -> None:  # type: ignore[no-untyped-def]
    app, engine = campaign
    finance, analyst, agent = (operator(app, engine, role) for role in ("finance", "risk_analyst", "collections_agent"))
    page = finance.get("/console/campaigns").text
    row = found(r'(?s)(<tr data-campaign="web-spring">.*?</tr>)', page)
    assert "CN¥300.00" in row and re.search(r'data-field="used">\d+\.\d\d%<', row)
    assert "/console/campaigns" in page and "/console/holds" not in page  # the navigation shows what the role opens
    assert analyst.get("/console/campaigns").status_code == 403
    assert agent.get("/console/holds").status_code == 403 and finance.get("/console/holds").status_code == 403
    assert analyst.get(f"/console/collections/{'CW' + 'x' * 10}").status_code == 403
    chinese = finance.get("/console/campaigns", headers={"Accept-Language": "zh-CN"}).text
    assert "优惠券活动" in chinese and "预算使用率" in chinese
