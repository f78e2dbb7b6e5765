"""The operator console in-process: enrollment and passkey sign-in, role gates, and each page's
figures against the read models they come from."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from web_flows import BUSINESS_DATE, Browser, approved, found, make_console_site

pytestmark = pytest.mark.xdist_group("web-console_pages")  # one module-scoped site per module


def operator(app, engine, role: str) -> Browser:  # type: ignore[no-untyped-def]
    from creditline.app.access import create_operator

    code = create_operator(engine, f"{role} on duty", role)["enrollment_code"]
    browser = Browser(app, name=role)
    enrolled = browser.register("/console", enrollment_code=code)
    assert enrolled.status_code == 200 and enrolled.json()["location"] == "/console/", enrolled.text
    return browser


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A site with snapshot history and a balance sheet configured, two borrowers, one loan overdue."""
    from creditline.app.eod_pipeline import run_pipeline
    from creditline.portfolio.synthetic import synthetic_snapshots
    from creditline.servicing.bank_simulator import BankBehaviour, SimulatedBank
    from creditline.store.tables_servicing import SqlBankBook

    folder = tmp_path_factory.mktemp("console")
    app, engine = make_console_site(folder, synthetic_snapshots(loans=600, months=15, seed=5))
    borrower, decision_id, line_id = approved(app, 400)
    late = borrower.draw(line_id, "2000.00", 3, key="late").json()["location"].split("?")[0].rsplit("/", 1)[1]
    # end of day with the post-loan stages; the simulated bank never holds enough money, so the first
    # installment is missed: 10 days late, a collections work item, early-warning alerts
    unfunded = BankBehaviour(short_rate=Decimal(1), partial_share=Decimal(0), timeout_rate=Decimal(0), declined_rate=Decimal(0))
    bank = SimulatedBank(SqlBankBook(engine), unfunded)
    run_pipeline(engine, BUSINESS_DATE + timedelta(days=40), catch_up=True, gateway=bank)
    yield app, engine, borrower, decision_id, late
    engine.dispose()


def test_an_enrolled_operator_signs_in_with_the_passkey_and_lands_on_the_console(book) -> None:  # type: ignore[no-untyped-def]
    app, engine, *_ = book
    analyst = operator(app, engine, "risk_analyst")
    analyst.client.cookies.clear()
    assert analyst.get("/console/", follow_redirects=False).status_code == 303
    signed = analyst.sign_in("/console")
    assert signed.status_code == 200 and signed.json()["location"] == "/console/"
    assert analyst.get("/console/").status_code == 200


def test_the_dashboard_shows_the_live_book_and_the_snapshot_figures(book) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.console_views import live_portfolio

    app, engine, *_ = book
    finance = operator(app, engine, "finance")
    live = live_portfolio(engine)["currencies"][0]
    page = _ready(finance, "/console/", f'data-field="loans">{live["loans"]}<')  # recomputed once money moved
    assert found(r'data-field="loans">(\d+)<', page) == str(live["loans"])
    assert found(r'data-field="default-share">([^<]+)<', page) == f"{live['principal_90_plus_pct']}%"
    assert 'data-field="ecl">CN¥' in page and "charts/vintage.svg" in page and "charts/ratios.svg" in page
    for chart in ("balances", "statuses", "vintage", "roll-rates", "ecl", "ratios"):
        response = finance.get(f"/console/charts/{chart}.svg")
        assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml", chart
        assert response.content.startswith(b"<?xml") and b"<svg" in response.content
    assert finance.get("/console/charts/nonsense.svg").status_code == 404


def _ready(browser: Browser, path: str, showing: str = "") -> str:
    """The page once its background figures are computed (the first request starts them)."""
    import time

    for _ in range(100):
        page = browser.get(path).text
        if "being computed" not in page and showing in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"{path} still computing after 10 s")


def test_roles_open_only_their_pages(book) -> None:  # type: ignore[no-untyped-def]
    app, engine, *_ = book
    agent = operator(app, engine, "collections_agent")
    assert agent.get("/console/", follow_redirects=False).headers["location"] == "/console/collections"
    nav = agent.get("/console/collections").text
    assert "/console/reviews" not in nav and "/console/audit" not in nav
    for path in ("/console/reviews", "/console/audit", "/console/models", "/console/charts/vintage.svg"):
        assert agent.get(path).status_code == 403, path
    admin = operator(app, engine, "admin")
    assert admin.get("/console/reviews").status_code == 403  # an admin decides no credit
    token = admin.csrf("/console/audit")
    refused = admin.client.post("/console/reviews/1/resolution", data={"csrf_token": token, "resolution": "approved", "note": "x"})
    assert refused.status_code == 403


def test_a_chart_opens_only_to_the_roles_of_the_page_that_shows_it(book) -> None:  # type: ignore[no-untyped-def]
    """The PSI chart is model monitoring's (read_decision_records): finance, who may not open that page, may
    not fetch its chart either; the portfolio charts stay the dashboard's (read_portfolio)."""
    app, engine, *_ = book
    finance, admin = operator(app, engine, "finance"), operator(app, engine, "admin")
    assert finance.get("/console/models").status_code == 403
    refused = finance.get("/console/charts/psi.svg")
    assert refused.status_code == 403 and 'data-code="permission_denied"' in refused.text
    assert finance.get("/console/charts/vintage.svg").status_code in (200, 204)
    assert admin.get("/console/charts/psi.svg").status_code in (200, 204)  # an admin reads decision records


def test_collections_shows_the_work_item_and_the_late_loan_and_an_agent_takes_it(book) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.collections import list_queue
    from creditline.app.loans import show_loan

    app, engine, _, _, late = book
    agent = operator(app, engine, "collections_agent")
    page = _ready(agent, "/console/collections")
    row = found(rf'(<tr data-loan="{late}">.*?</tr>)', page)
    days = show_loan(engine, late)["days_past_due"]
    assert days == 10 and f"<td>{days}</td>" in row and "<td>M1</td>" in row
    item_id = found(rf'<tr data-item="([^"]+)" data-loan="{late}">', page)
    taken = agent.client.post(f"/console/collections/{item_id}/assignment", data={"csrf_token": agent.csrf("/console/collections")},
                              follow_redirects=False)  # fmt: skip
    assert taken.status_code == 303
    mine = [item for item in list_queue(engine, status="assigned")["items"] if item["item_id"] == item_id]
    assert mine and mine[0]["assignee"] == agent.account_id()
    other = operator(app, engine, "collections_agent")  # the item is the first agent's: a second cannot take it
    refused = other.client.post(f"/console/collections/{item_id}/assignment",
                                data={"csrf_token": other.csrf("/console/collections")}, follow_redirects=False)  # fmt: skip
    assert refused.status_code == 409 and 'data-code="work_item_held"' in refused.text
    still = [item for item in list_queue(engine, status="assigned")["items"] if item["item_id"] == item_id]
    assert still == mine


def test_early_warning_alerts_are_acknowledged_and_resolved(book) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.alerts import list_alerts

    app, engine, *_ = book
    analyst = operator(app, engine, "risk_analyst")
    page = analyst.get("/console/alerts").text
    alert_ids = re.findall(r'data-alert="(\d+)" data-status="open"', page)
    assert alert_ids and len(alert_ids) == len(list_alerts(engine, status="open")["alerts"])
    token = analyst.csrf("/console/alerts")
    first = alert_ids[0]
    assert analyst.client.post(f"/console/alerts/{first}/acknowledgement", data={"csrf_token": token}).status_code == 200
    assert f'data-alert="{first}" data-status="acknowledged"' in analyst.get("/console/alerts").text
    resolved = analyst.client.post(f"/console/alerts/{first}/resolution", data={"csrf_token": token, "note": "called, paid"})
    assert resolved.status_code == 200 and f'data-alert="{first}"' not in resolved.text
    assert analyst.client.post(f"/console/alerts/{first}/deletion", data={"csrf_token": token}).status_code == 404
    # the statuses of /v1/alerts, and the page's error names the rule (they were all 422)
    again = analyst.client.post(f"/console/alerts/{first}/acknowledgement", data={"csrf_token": token})
    assert again.status_code == 409 and 'data-code="alert_state_invalid"' in again.text
    unknown = analyst.client.post("/console/alerts/987654321/resolution", data={"csrf_token": token, "note": "x"})
    assert unknown.status_code == 404 and 'data-code="alert_not_found"' in unknown.text


def test_only_a_role_that_handles_alerts_acknowledges_or_resolves_them(book) -> None:  # type: ignore[no-untyped-def]
    """Finance, admin and collections agents see the early-warning page (read_portfolio or work_collections)
    but handling an alert is `handle_alerts` (the risk analyst's, as /v1/alerts): 403, the alert unchanged."""
    from creditline.app.alerts import list_alerts

    app, engine, *_ = book
    before = list_alerts(engine, status="open")["alerts"]
    assert before
    first = before[0]["alert_id"]
    for role in ("finance", "admin", "collections_agent"):
        browser = operator(app, engine, role)
        page = browser.get("/console/alerts")
        assert page.status_code == 200 and f'data-alert="{first}"' in page.text, role
        assert "/acknowledgement" not in page.text and "/resolution" not in page.text, role
        token = browser.csrf("/console/alerts")
        for step in ("acknowledgement", "resolution"):
            refused = browser.client.post(f"/console/alerts/{first}/{step}", data={"csrf_token": token, "note": "x"})
            assert refused.status_code == 403 and "permission_denied" in refused.text, (role, step)
    assert list_alerts(engine, status="open")["alerts"] == before


def test_the_report_reads_the_snapshots_end_of_day_stored(book) -> None:  # type: ignore[no-untyped-def]
    """Without a snapshot file the dashboard reports over the database's snapshots (this site has a file)."""
    from creditline.app.console_views import database_snapshot_report, latest_snapshot_date

    _, engine, *_ = book
    report = database_snapshot_report(engine, lgd=Decimal("0.45"))
    assert report is not None and report["source"] == "database"
    assert report["as_of"] == latest_snapshot_date(engine).isoformat() == (BUSINESS_DATE + timedelta(days=40)).isoformat()
    assert report["summary"]["loans_on_book"] >= 1 and report["summary"]["ecl"]["allowance_minor"] > 0


def test_the_database_report_shows_the_allowance_end_of_day_booked_as_report_portfolio_does(book) -> None:  # type: ignore[no-untyped-def]
    """`provisions.booked_allowance_minor` was added by the CLI after the report was built, so the console's
    report over the same snapshots had no such figure: it is now in the build both call (`database_report`)."""
    import os

    from sqlalchemy import text

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.app.console_views import database_snapshot_report, latest_snapshot_date
    from creditline.web.i18n import LANGUAGES
    from creditline.web.rendering import money_minor

    _, engine, *_ = book
    latest = latest_snapshot_date(engine)
    with engine.connect() as connection:
        booked = connection.execute(text("SELECT allowance_minor FROM provision_runs WHERE run_date = :d AND "
                                         "currency = 'CNY'"), {"d": latest}).scalar_one()
        ledger = connection.execute(text("SELECT SUM(credit_minor - debit_minor) FROM account_balances "
                                         "WHERE account = 'loss_allowance' AND currency = 'CNY'")).scalar_one()
    assert booked == ledger > 0  # the allowance EOD booked on the latest snapshot's day is the ledger's
    report = database_snapshot_report(engine, lgd=Decimal("0.45"))
    assert report is not None and report["summary"]["provisions"]["booked_allowance_minor"] == booked
    saved = dict(os.environ)
    os.environ.pop("CREDITLINE_SNAPSHOTS", None)  # no file: the dashboard reports over the database
    os.environ["CREDITLINE_REPORT_LGD"] = "0.45"
    try:
        settings = ApiSettings(db_url=engine.url.render_as_string(hide_password=False), origins=("http://localhost",),
                               rate_per_s=10_000.0, rate_burst=10_000, access_log=False)
        console = create_app(settings, engine=engine)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    page = _ready(operator(console, engine, "finance"), "/console/", 'data-field="booked-allowance"')
    assert "(database)" in page
    shown = found(r'data-field="booked-allowance">([^<]+)<', page)
    assert shown == money_minor(booked, "CNY", LANGUAGES["en"]) == f"CN¥{Decimal(booked) / 100:,.2f}"


def test_a_review_request_is_resolved_from_the_queue(book) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.decision import review_queue

    app, engine, borrower, decision_id, _ = book
    borrower.post_form(f"/app/decisions/{decision_id}/review", {"reason": "please look again"}, f"/app/decisions/{decision_id}")
    analyst = operator(app, engine, "risk_analyst")
    page = analyst.get("/console/reviews").text
    review_id = found(rf'data-review="(\d+)" data-decision="{decision_id}"', page)
    token = analyst.csrf("/console/reviews")
    empty = analyst.client.post(f"/console/reviews/{review_id}/resolution", data={"csrf_token": token, "resolution": "upheld", "note": ""})
    assert empty.status_code == 422 and "note" in empty.text  # the note is required, the review stays open
    done = analyst.client.post(f"/console/reviews/{review_id}/resolution",
                               data={"csrf_token": token, "resolution": "upheld", "note": "income unchanged"}, follow_redirects=False)
    assert done.status_code == 303
    assert not [r for r in review_queue(engine) if str(r["review_id"]) == review_id]
    again = analyst.client.post(f"/console/reviews/{review_id}/resolution",
                                data={"csrf_token": token, "resolution": "upheld", "note": "again"})  # fmt: skip
    assert again.status_code == 409 and 'data-code="review_closed"' in again.text  # it was 422, as every refusal
    unknown = analyst.client.post("/console/reviews/987654321/resolution",
                                  data={"csrf_token": token, "resolution": "upheld", "note": "x"})  # fmt: skip
    assert unknown.status_code == 404 and 'data-code="review_not_found"' in unknown.text


def test_model_monitoring_compares_the_latest_decisions(book) -> None:  # type: ignore[no-untyped-def]
    app, engine, *_ = book
    analyst = operator(app, engine, "risk_analyst")
    page = _ready(analyst, "/console/models")
    assert int(found(r'data-field="monitored">(\d+)<', page)) >= 1
    assert re.search(r'data-field="psi">\d+\.\d{4}<', page)
    assert analyst.get("/console/charts/psi.svg").status_code == 200


def test_audit_verification_runs_and_reports(book, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from creditline.ledger.transparency import private_key_pem

    app, engine, *_ = book
    auditor = operator(app, engine, "finance")
    token = auditor.csrf("/console/audit")
    missing = auditor.client.post("/console/audit/verification", data={"csrf_token": token})
    assert missing.status_code == 422 and "CREDITLINE_AUDIT_SIGNING_KEY_FILE" in missing.text
    key_file = tmp_path / "log.pem"
    key_file.write_bytes(private_key_pem(Ed25519PrivateKey.generate()))
    key_file.chmod(0o600)
    monkeypatch.setenv("CREDITLINE_AUDIT_SIGNING_KEY_FILE", str(key_file))
    result = auditor.client.post("/console/audit/verification", data={"csrf_token": token})
    assert result.status_code == 200 and 'data-ok="yes"' in result.text


def test_funding_and_alerts_show_what_exists(book) -> None:  # type: ignore[no-untyped-def]
    app, engine, *_ = book
    finance = operator(app, engine, "finance")
    assert 'data-field="partners"' in finance.get("/console/funding").text  # no partner has funded anything
    assert finance.get("/console/alerts").status_code == 200
