"""The web pages' defences: CSRF tokens and origins on every post, user verification on every
drawdown, another borrower's ids answered as not found, CSP without inline script, escaping, roles."""

from __future__ import annotations

import re

import pytest
from web_flows import Browser, approved

pytestmark = pytest.mark.xdist_group("web-web_security")  # one module-scoped site per module


def test_a_post_without_the_session_csrf_token_changes_nothing(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan

    app, engine = site
    browser, _, line_id = approved(app, 120)
    loan_path = browser.draw(line_id, "800.00", 3, key="csrf").json()["location"].split("?")[0]
    loan_id = loan_path.rsplit("/", 1)[1]
    for token in ("", "forged-token"):
        response = browser.client.post(f"{loan_path}/repayments", data={"csrf_token": token, "amount": "100", "form_key": "k1"})
        assert response.status_code == 403 and "csrf_token" in response.text
    foreign = browser.client.post(f"{loan_path}/repayments", headers={"Origin": "https://evil.example"},
                                  data={"csrf_token": browser.csrf(loan_path), "amount": "100", "form_key": "k2"})
    assert foreign.status_code == 403
    assert show_loan(engine, loan_id)["principal_outstanding"] == "800.00"


def test_a_drawdown_needs_a_user_verified_assertion_for_that_very_drawdown(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.ownership import loans_of

    app, engine = site
    browser, _, line_id = approved(app, 160)
    borrower_id = _borrower(engine, line_id)
    refused = browser.draw(line_id, "600.00", 3, key="no-uv", uv=False)
    assert refused.status_code == 401 and refused.json()["code"] == "user_verification_required"
    token = browser.csrf(f"/app/lines/{line_id}")
    options = browser.post_json(f"/app/lines/{line_id}/approval", {"amount": "600.00", "term_months": 3, "method": None}, token)
    assertion = browser.authenticator.get(options.json()["publicKey"])
    swapped = browser.post_json(f"/app/lines/{line_id}/drawdowns",
                                {"amount": "6000.00", "term_months": 3, "method": None, "key": "swap", "assertion": assertion}, token)
    assert swapped.status_code == 401 and swapped.json()["code"] == "binding_mismatch"
    assert loans_of(engine, borrower_id, after=None, limit=10) == []


def _borrower(engine, line_id: str) -> str:  # type: ignore[no-untyped-def]
    from creditline.app.ownership import line_owner

    owner = line_owner(engine, line_id)
    assert owner is not None
    return owner.borrower_id


def test_another_borrowers_pages_are_not_found(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    owner, decision_id, line_id = approved(app, 200)
    loan_path = owner.draw(line_id, "700.00", 3, key="own").json()["location"].split("?")[0]
    other, _, _ = approved(app, 240)
    for path in (f"/app/lines/{line_id}", loan_path, f"/app/decisions/{decision_id}", f"/app/decisions/{decision_id}/explanation"):
        assert other.get(path).status_code == 404, path
    token = other.csrf()
    stolen = other.client.post(f"{loan_path}/repayments", data={"csrf_token": token, "amount": "1", "form_key": "x"})
    assert stolen.status_code == 404
    approval = other.post_json(f"/app/lines/{line_id}/approval", {"amount": "600", "term_months": 3}, token)
    assert approval.status_code == 404


def test_pages_carry_a_strict_csp_and_no_inline_script(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    browser, decision_id, line_id = approved(app, 280)
    for path in ("/app/", "/app/apply", f"/app/decisions/{decision_id}", f"/app/lines/{line_id}", "/app/history",
                 "/app/consents", "/console/sign-in"):
        response = browser.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), path  # every script is a file
        assert not re.search(r"\son[a-z]+=", response.text), path  # no inline event handlers
        for form in re.findall(r"<form[^>]*>", response.text):
            assert 'method="get"' not in form.lower(), (path, form)  # personal data never rides in a URL


def test_output_is_escaped(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # With data keys the name typed at sign-up is kept (sealed, docs/security.md finding 1) and shown back.
    import base64

    monkeypatch.setenv("CREDITLINE_DATA_KEYS", "k1:" + base64.b64encode(bytes(range(32))).decode())
    monkeypatch.setenv("CREDITLINE_BLIND_INDEX_KEY", base64.b64encode(bytes(range(32, 64))).decode())
    app, _ = site
    browser = Browser(app, name="<img src=x onerror=alert(1)>")
    assert browser.register().status_code == 200
    page = browser.get("/app/").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_signed_out_visitors_are_sent_to_sign_in_and_borrowers_kept_out_of_the_console(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    stranger = Browser(app)
    for path, target in (("/app/history", "/app/"), ("/app/apply", "/app/"), ("/console/", "/console/sign-in"),
                         ("/console/audit", "/console/sign-in")):
        response = stranger.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == target, path
    stranger.client.cookies.set("creditline_session", "not-a-session-token")
    assert stranger.client.get("/app/history", follow_redirects=False).headers["location"] == "/app/"
    borrower, _, _ = approved(app, 320)
    for path in ("/console/", "/console/reviews", "/console/audit", "/console/charts/balances.svg"):
        assert borrower.get(path).status_code == 403, path


def test_web_routes_stay_out_of_the_openapi_document(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    paths = Browser(app).get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/app", "/console", "/static"))]


def test_a_signed_in_browser_keeps_its_own_rate_bucket_and_a_made_up_cookie_does_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from web_flows import Browser, make_site

    app, engine = make_site(f"sqlite:///{tmp_path / 'rate.sqlite'}", rate_per_s=0.01, rate_burst=4)
    browser = Browser(app)
    assert browser.register().status_code == 200  # 2 requests from the address
    assert browser.get("/app/").status_code == 200  # 3: the session is seen live
    assert browser.get("/app/consents").status_code == 200
    anonymous = Browser(app)
    statuses = [anonymous.get("/app/").status_code for _ in range(3)]  # the address is spent
    assert statuses[-1] == 429, statuses
    forged = anonymous.client.get("/app/", headers={"Cookie": "creditline_session=made-up"})
    assert forged.status_code == 429
    assert [browser.get("/app/consents").status_code for _ in range(3)] == [200] * 3
    engine.dispose()


def test_over_https_every_cookie_that_names_the_person_is_secure(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The device cookie identifies the borrower's phone (transaction monitoring knows it by it): over an
    https site it must never travel over plain http, like the session and CSRF cookies."""
    from authenticator import SoftAuthenticator
    from fastapi.testclient import TestClient
    from web_flows import BUSINESS_DATE, applicant_fields, found

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.app.apply_setup import forget_screens
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    forget_screens()
    url = f"sqlite:///{tmp_path / 'https.sqlite'}"
    engine = make_engine(url)
    initialise(engine, BUSINESS_DATE)
    settings = ApiSettings(db_url=url, origins=("https://testserver",), rp_id="testserver", access_log=False,
                           rate_per_s=10_000.0, rate_burst=10_000)  # fmt: skip
    browser = Browser(create_app(settings, engine=engine), authenticator=SoftAuthenticator(origin="https://testserver"))
    browser.client = TestClient(browser.app, base_url="https://testserver", raise_server_exceptions=False)
    assert browser.register().status_code == 200
    page = browser.get("/app/apply").text
    fields = applicant_fields(300) | {"form_key": found(r'name="form_key" value="([^"]+)"', page)}
    applied = browser.post_form("/app/apply", fields, "/app/apply")
    assert applied.status_code == 303, applied.text
    cookies = {header.split("=", 1)[0]: header for header in applied.headers.get_list("set-cookie")}
    assert "creditline_device" in cookies
    for name, header in cookies.items():
        assert "secure" in header.lower(), (name, header)
    engine.dispose()


def test_a_page_opened_from_another_site_carries_a_token_its_forms_can_post(site) -> None:  # type: ignore[no-untyped-def]
    """A borrower who follows a link from an SMS or an e-mail arrives by a cross-site navigation: the
    browser sends the cookies that are not SameSite=Strict. The page must still carry the session's CSRF
    token, or its forms (repay, withdraw a consent, sign out) all answer 403 "the form is stale"."""
    from http.cookies import SimpleCookie

    from fastapi.testclient import TestClient

    app, _ = site
    browser = Browser(app)
    signed_up = browser.register()
    assert signed_up.status_code == 200
    same_site = {}
    for header in signed_up.headers.get_list("set-cookie"):
        (name, morsel), = SimpleCookie(header).items()
        same_site[name] = morsel["samesite"].lower()
    sent_cross_site = "; ".join(f"{name}={value}" for name, value in browser.client.cookies.items()
                                if same_site.get(name) != "strict")  # fmt: skip
    link = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)  # no cookie jar of its own
    arrived = link.get("/app/", headers={"Cookie": sent_cross_site})  # the link in the text message
    assert arrived.status_code == 200 and "sign-out" in arrived.text, "the borrower is signed in"
    # then the borrower taps a button on that page: a same-site post, with every cookie
    token = re.search(r'name="csrf_token" value="([^"]*)"', arrived.text).group(1)
    signed_out = browser.client.post("/app/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.status_code == 303, signed_out.text
