"""Bytes PostgreSQL refuses, sent through the pages: a NUL in a path id or a form field is a 4xx page
and never reaches a query (it was a 500 on PostgreSQL, where text cannot hold NUL). SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from web_flows import approved

from shared_files import postgres_schema

pytestmark = pytest.mark.xdist_group("web-web_edge_input")  # one module-scoped site per module


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def edge_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from web_flows import make_site

    if request.param == "sqlite":
        app, engine = make_site(f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.sqlite'}")
        yield app, engine
        engine.dispose()
        return
    with postgres_schema(request.getfixturevalue("postgres_url"), "web") as url:
        app, engine = make_site(url)
        yield app, engine
        engine.dispose()


@pytest.fixture(scope="module")
def borrower(edge_site):  # type: ignore[no-untyped-def]
    app, _ = edge_site
    browser, decision_id, line_id = approved(app, 600)
    loan_path = browser.draw(line_id, "700.00", 3, key="edge").json()["location"].split("?")[0]
    return browser, decision_id, line_id, loan_path


def test_a_nul_in_a_page_id_is_refused_before_any_query(borrower) -> None:  # type: ignore[no-untyped-def]
    browser, _, _, _ = borrower
    for path in ("/app/lines/a%00b", "/app/loans/a%00b", "/app/decisions/a%00b", "/app/decisions/a%00b/explanation"):
        assert browser.get(path).status_code == 422, path
    token = browser.csrf()
    withdrawn = browser.client.post("/app/consents/a%00b/withdrawal", data={"csrf_token": token}, follow_redirects=False)
    assert withdrawn.status_code == 422


def test_a_nul_in_a_form_key_or_coupon_is_refused_and_nothing_is_repaid(edge_site, borrower) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan

    _, engine = edge_site
    browser, _, line_id, loan_path = borrower
    repaid = browser.post_form(f"{loan_path}/repayments", {"amount": "100.00", "form_key": "a\x00b"}, loan_path)
    assert repaid.status_code == 422 and "printable characters only" in repaid.text
    assert show_loan(engine, loan_path.rsplit("/", 1)[1])["principal_outstanding"] == "700.00"
    terms = {"amount": "600.00", "term_months": "3", "coupon_id": "a\x00b"}
    preview = browser.post_form(f"/app/lines/{line_id}/preview", terms, f"/app/lines/{line_id}")
    assert preview.status_code == 200 and 'data-code="form_invalid"' in preview.text and "coupon_id" in preview.text


def test_json_nested_deeper_than_the_parser_goes_is_a_form_error(edge_site) -> None:  # type: ignore[no-untyped-def]
    from web_flows import Browser

    app, _ = edge_site
    browser = Browser(app)
    for base in ("/app", "/console"):
        deep = browser.client.post(f"{base}/passkeys/registration-options", content=b'{"a":' * 5000,
                                   headers={"content-type": "application/json"})  # fmt: skip
        assert deep.status_code == 422 and deep.json() == {"error": "the body is not JSON", "field": "body", "code": "form_invalid"}


def test_a_json_key_given_twice_is_a_form_error_naming_it(edge_site) -> None:  # type: ignore[no-untyped-def]
    """The pages' JSON bodies took a repeated key last-wins, as /v1 did before it refused them."""
    from web_flows import Browser

    app, _ = edge_site
    browser = Browser(app)
    twice = browser.client.post("/app/passkeys/registration-options", content=b'{"name": "a", "name": "b"}',
                                headers={"content-type": "application/json"})  # fmt: skip
    assert twice.status_code == 422 and twice.json() == {
        "error": "'name' appears more than once in one JSON object", "field": "name", "code": "form_invalid"}


def test_a_field_posted_twice_is_refused_and_nothing_is_repaid(edge_site, borrower) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan

    _, engine = edge_site
    browser, _, _, loan_path = borrower
    fields = {"csrf_token": browser.csrf(loan_path), "amount": ["100", "200"], "form_key": "twice"}
    repaid = browser.client.post(f"{loan_path}/repayments", data=fields, follow_redirects=False)  # it was read as 100,200
    assert repaid.status_code == 422 and 'data-code="form_invalid"' in repaid.text and "<strong>amount</strong>" in repaid.text
    assert show_loan(engine, loan_path.rsplit("/", 1)[1])["principal_outstanding"] == "700.00"


def test_a_drawdown_approval_of_the_wrong_json_type_names_the_field_at_fault(borrower) -> None:  # type: ignore[no-untyped-def]
    browser, _, line_id, _ = borrower
    token = browser.csrf(f"/app/lines/{line_id}")
    for terms, field in (({"amount": 600, "term_months": 3}, "amount"), ({"amount": "600.00", "term_months": "3"}, "term_months")):
        refused = browser.post_json(f"/app/lines/{line_id}/approval", terms, token)
        assert (refused.status_code, refused.json()["field"]) == (422, field), terms  # an amount of 600 named term_months


def test_a_repayment_too_large_for_the_ledgers_totals_is_refused_and_nothing_changes(edge_site, borrower) -> None:  # type: ignore[no-untyped-def]
    """2**63 - 1 minor units overflowed the ledger's running totals: a 500 on PostgreSQL, and on SQLite the
    settlement cash account's debit total silently became a float."""
    from creditline.app.loans import show_loan

    _, engine = edge_site
    browser, _, _, loan_path = borrower
    for amount in ("92233720368547758.07", "10000000000000.01"):
        refused = browser.post_form(f"{loan_path}/repayments", {"amount": amount, "form_key": f"huge-{amount[:3]}"}, loan_path)
        assert refused.status_code == 422 and "<strong>amount</strong>" in refused.text and "at most 10000000000000.00" in refused.text
    assert show_loan(engine, loan_path.rsplit("/", 1)[1])["credit_balance"] == "0.00"
