"""A borrower's whole journey through the web pages, in-process: sign up with a passkey, apply with
consents, see the decision, draw with a passkey approval and a live schedule, repay, pay off early,
read the history, withdraw a consent, ask for an explanation and a human review."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from web_flows import Browser, applicant_fields, approved, found

pytestmark = pytest.mark.xdist_group("web-borrower_journey")  # one module-scoped site per module


def figure(page: str, name: str) -> str:
    return found(rf'data-field="{name}">([^<]+)<', page)


def test_sign_up_apply_draw_repay_pay_off(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.loans import show_loan
    from creditline.app.quotes import drawdown_preview

    app, engine = site
    browser, decision_id, line_id = approved(app, 1)
    decision = browser.get(f"/app/decisions/{decision_id}").text
    assert 'data-outcome="approve"' in decision
    assert figure(decision, "limit").startswith("CN¥") and figure(decision, "apr").endswith("%")

    token = browser.csrf(f"/app/lines/{line_id}")
    shown = browser.client.post(f"/app/lines/{line_id}/preview",
                                data={"csrf_token": token, "amount": "3000", "term_months": "6", "method": ""}).text
    expected = drawdown_preview(engine, line_id, "3000", 6, None)
    assert figure(shown, "apr") == f"{expected['apr_pct']}%"  # the APR next to the daily rate (PBOC)
    assert figure(shown, "daily-rate") == f"{expected['daily_rate_pct']}%"
    assert figure(shown, "total-interest") == f"CN¥{Decimal(expected['total_interest']):,.2f}"
    assert shown.count("<tr>") == 1 + 6  # header + one row per installment

    drawn = browser.draw(line_id, "3000.00", 6, key="journey-draw")
    assert drawn.status_code == 201, drawn.text
    loan_path = drawn.json()["location"].split("?")[0]
    loan_id = loan_path.rsplit("/", 1)[1]
    assert show_loan(engine, loan_id)["principal_outstanding"] == "3000.00"

    page = browser.get(loan_path).text
    assert figure(page, "loan-apr") == f"{expected['apr_pct']}%"  # the APR the borrower was shown before drawing
    key = found(r'name="form_key" value="([^"]+)"', page)
    repaid = browser.post_form(f"{loan_path}/repayments", {"amount": "500.00", "form_key": key}, loan_path)
    assert repaid.status_code == 303 and repaid.headers["location"].endswith("notice=repaid")
    assert show_loan(engine, loan_id)["principal_outstanding"] == "2500.00"  # no interest on the day of drawing
    again = browser.post_form(f"{loan_path}/repayments", {"amount": "500.00", "form_key": key}, loan_path)
    assert again.status_code == 303  # the same form submitted twice: the first result, no second repayment
    assert show_loan(engine, loan_id)["principal_outstanding"] == "2500.00"
    other = browser.post_form(f"{loan_path}/repayments", {"amount": "1.00", "form_key": key}, loan_path)
    assert other.status_code == 409 and 'data-code="idempotency_key_reused"' in other.text  # the refusal's status, not 422
    assert show_loan(engine, loan_id)["principal_outstanding"] == "2500.00"

    page = browser.get(loan_path).text
    total = found(r'data-total="([^"]+)"', page)
    assert total == "2500.00"
    payoff_key = found(r'name="form_key" value="(payoff-[^"]+)"', page)
    paid = browser.post_form(f"{loan_path}/repayments", {"amount": total, "form_key": payoff_key}, loan_path)
    assert paid.status_code == 303
    assert show_loan(engine, loan_id)["status"] == "paid-off"
    history = browser.get("/app/history").text
    assert loan_id in history and "Paid off" in history


def test_available_limit_follows_drawdowns_and_the_apr_stands_by_the_daily_rate(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.applications import decision_for_account

    app, engine = site
    browser, decision_id, line_id = approved(app, 40)
    home = browser.get("/app/").text
    decided = decision_for_account(engine, browser.account_id(), decision_id)
    if Decimal(decided["limit"]) >= 10_000:  # the decision priced the same reference drawdown
        assert figure(home, "line-apr") == f"{decided['apr_pct']}%"
    before = Decimal(found(r'data-field="available">CN¥([\d,.]+)<', home).replace(",", ""))
    assert browser.draw(line_id, "1000.00", 3, key="avail").status_code == 201
    after = Decimal(found(r'data-field="available">CN¥([\d,.]+)<', browser.get("/app/").text).replace(",", ""))
    assert before - after == Decimal("1000.00")
    draw_page = browser.get(f"/app/lines/{line_id}").text  # the largest drawdown offered is what the line has left
    assert Decimal(found(r'data-max="([^"]+)"', draw_page)) == after  # it was the product's CN¥200,000.00


def test_consent_withdrawal_explanation_and_review(site) -> None:  # type: ignore[no-untyped-def]
    from creditline.app.decision import review_queue

    app, engine = site
    browser, decision_id, _ = approved(app, 80)
    page = browser.get("/app/consents").text
    consent_ids = re.findall(r'data-consent="([^"]+)" data-scope="[^"]+" data-active="yes"', page)
    assert len(consent_ids) == 3  # the three scopes ticked on the application
    withdrawn = browser.post_form(f"/app/consents/{consent_ids[0]}/withdrawal", {}, "/app/consents")
    assert withdrawn.status_code == 303
    page = browser.get("/app/consents").text
    assert re.search(rf'data-consent="{consent_ids[0]}" data-scope="[^"]+" data-active="no"', page)

    explanation = browser.get(f"/app/decisions/{decision_id}/explanation")
    assert explanation.status_code == 200 and "How this was decided" in explanation.text
    asked = browser.post_form(f"/app/decisions/{decision_id}/review", {"reason": "my income rose last month"},
                              f"/app/decisions/{decision_id}")
    assert asked.status_code == 303
    assert any(r["decision_id"] == decision_id and r["kind"] == "borrower_request" for r in review_queue(engine))


def test_a_declined_form_shows_the_field_and_keeps_the_answers(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    browser = Browser(app)
    browser.register()
    page = browser.get("/app/apply").text
    fields = {"form_key": found(r'name="form_key" value="([^"]+)"', page), "name": "Li Lei", "id_number": "123",
              "phone": "13900000000", "bank_card": "6222020000000000000", "income_monthly": "abc",
              "employment": "salaried", "consent_credit_bureau_query": "yes"}  # fmt: skip
    response = browser.post_form("/app/apply", fields, "/app/apply")
    assert response.status_code == 422
    assert 'role="alert"' in response.text and 'value="Li Lei"' in response.text


def test_the_apply_form_sent_twice_answers_the_first_decision(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A double tap or a retry posts the same form under the key the page was rendered with: the server's stamps
    (the time, the device of a phone without the cookie yet) are the first's, so it is the same request. It is
    answered in one pass through `apply`, nothing decided: no second decision, application or consent."""
    from datetime import timedelta

    from integration_helpers import dump

    import creditline.app.applications as applications
    import creditline.app.apply_pipeline as pipeline
    from creditline.app.applications import decisions_of_account

    app, engine = site
    browser = Browser(app)
    browser.register()
    fields = applicant_fields(700) | {"form_key": found(r'name="form_key" value="([^"]+)"', browser.get("/app/apply").text)}
    first = browser.post_form("/app/apply", fields, "/app/apply")
    browser.client.cookies.delete("creditline_device")  # the second tap left before the first's answer came
    kept = lambda rows: {name: table for name, table in rows.items() if "session" not in name}  # noqa: E731
    before, passes, decided = kept(dump(engine)), [], []
    stamp, apply = applications.application_time, applications.apply
    monkeypatch.setattr(applications, "application_time", lambda *args: stamp(*args) + timedelta(seconds=3))  # stamped anew
    monkeypatch.setattr(applications, "apply", lambda *args, **kwargs: passes.append(1) or apply(*args, **kwargs))
    monkeypatch.setattr(pipeline, "decide", lambda *args, **kwargs: decided.append(args))
    again = browser.post_form("/app/apply", fields, "/app/apply")  # it was 422: the key "used for a different application"
    assert first.status_code == again.status_code == 303 and again.headers["location"] == first.headers["location"]
    assert (passes, decided) == ([1], []), "one pass through apply (it was two), nothing decided"
    after = kept(dump(engine))
    assert [len(after[name]) for name in ("origination_decisions", "account_applications", "account_consents")] == [
        len(before[name]) for name in ("origination_decisions", "account_applications", "account_consents")
    ]
    assert after == before, "nothing written by the second submit"
    assert len(decisions_of_account(engine, browser.account_id(), every=True)) == 1
    changed = browser.post_form("/app/apply", fields | {"income_monthly": "99000"}, "/app/apply")  # another form: refused
    assert changed.status_code == 409 and 'data-code="idempotency_key_reused"' in changed.text
    assert (passes, decided) == ([1, 1], [])


def test_the_apply_form_refuses_an_identity_another_account_holds(site) -> None:  # type: ignore[no-untyped-def]
    """The form with another account holder's name and ID number was decided ("Approved", a line for
    that person this account could never reach): it is refused on the form, naming the ID number."""
    from integration_helpers import dump

    from creditline.app.applications import decisions_of_account

    app, engine = site
    holder, _, _ = approved(app, 900)
    intruder = Browser(app, name="Someone Else")
    assert intruder.register().status_code == 200
    kept = lambda rows: {name: table for name, table in rows.items()  # noqa: E731 -- refusals are counted (identity_claims)
                         if "session" not in name and name != "identity_claim_refusals"}  # fmt: skip
    before = kept(dump(engine))
    refused = intruder.apply(holder.serial)  # type: ignore[arg-type]
    assert refused.status_code == 409, refused.text
    assert 'data-code="identity_claimed"' in refused.text and 'role="alert"' in refused.text
    assert kept(dump(engine)) == before
    assert decisions_of_account(engine, intruder.account_id(), every=True) == []


def test_the_apply_form_waits_after_three_refused_identities(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each refusal says the ID number is a customer's: after three within a day the form is refused
    (429, identity_attempts_exceeded, Retry-After) whatever it names, and nothing is decided."""
    from creditline.app.applications import decisions_of_account

    app, engine = site
    monkeypatch.setattr("creditline.app.identity_claims.wall_clock_s", lambda: 1_900_000_000)
    holder, _, _ = approved(app, 940)
    prober = Browser(app, name="Prober")
    assert prober.register().status_code == 200
    for _ in range(3):
        assert prober.apply(holder.serial).status_code == 409  # type: ignore[arg-type]
    waited = prober.apply(980)  # an identity nobody holds
    assert waited.status_code == 429 and waited.headers["Retry-After"] == "86400"
    assert 'data-code="identity_attempts_exceeded"' in waited.text and 'role="alert"' in waited.text
    assert decisions_of_account(engine, prober.account_id(), every=True) == []


def test_a_declined_applicant_reads_how_it_was_decided(site) -> None:  # type: ignore[no-untyped-def]
    """A decline has no limit and no price: its explanation page (PIPL Art. 24) shows the reasons, not a 500."""
    from creditline.app.decision import explain_decision

    app, engine = site
    for serial in range(300, 340):  # the simulated population declines some
        browser = Browser(app)
        assert browser.register().status_code == 200
        decision_id = browser.apply(serial).headers["location"].rsplit("/", 1)[1]
        if 'data-outcome="decline"' in browser.get(f"/app/decisions/{decision_id}").text:
            break
    else:
        raise AssertionError("no decline in 40 applications")
    explained = explain_decision(engine, decision_id)
    assert "limit" not in explained and "price" not in explained and explained["reasons"]
    page = browser.get(f"/app/decisions/{decision_id}/explanation")
    assert page.status_code == 200 and "How this was decided" in page.text
    # the page escapes an apostrophe ("Your mobile carrier's real-name record …"): compare what a reader sees
    assert all(reason["text"] in html.unescape(page.text) for reason in explained["reasons"])
    assert "Your limit" not in page.text and "Your price" not in page.text


def test_the_history_lists_every_loan_and_application_not_a_pages_worth(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """docs/web.md: /app/history is every loan and application. The home page shows the first of each;
    the history page listed no more than that (100 loans by id, 20 decisions)."""
    from creditline.app import applications, borrower_views, ownership

    app, _ = site
    browser, decision_id, line_id = approved(app, 60)
    again = browser.apply(browser.serial)  # a second application from the same account (as the same person)
    assert again.status_code == 303, again.text
    second_decision = again.headers["location"].rsplit("/", 1)[1]
    loan_ids = []
    for n in (1, 2, 3):
        drawn = browser.draw(line_id, "500.00", 3, key=f"history-{n}")
        assert drawn.status_code == 201, drawn.text
        loan_ids.append(drawn.json()["location"].split("?")[0].rsplit("/", 1)[1])
    # Pages of one, so that every page boundary is crossed with three loans and two decisions.
    monkeypatch.setattr(borrower_views, "LOANS_SHOWN_MAX", 1)
    monkeypatch.setattr(borrower_views, "DECISIONS_SHOWN_MAX", 1)
    monkeypatch.setattr(ownership, "PAGE_SIZE_MAX", 1)
    monkeypatch.setattr(applications, "APPLICATIONS_LISTED_MAX", 1)
    history = browser.get("/app/history")
    assert history.status_code == 200
    assert [loan_id in history.text for loan_id in loan_ids] == [True, True, True]
    assert [f"/app/decisions/{d}" in history.text for d in (decision_id, second_decision)] == [True, True]


def test_a_frozen_line_s_preview_says_it_lends_nothing(site) -> None:  # type: ignore[no-untyped-def]
    """The preview of a drawdown on a frozen line said nothing (it read `within_limit` alone) and offered
    the schedule of money the drawdown would refuse; it now says why, in the borrower's language."""
    from creditline.app.lines import ChangeLineStatus, change_line_status

    app, engine = site
    browser, _decision_id, line_id = approved(app, 500)
    fields = {"amount": "1000", "term_months": "3", "method": ""}
    before = browser.client.post(f"/app/lines/{line_id}/preview", data={"csrf_token": browser.csrf(f"/app/lines/{line_id}"), **fields}).text
    assert 'role="alert"' not in before
    change_line_status(engine, ChangeLineStatus(line_id, "freeze", "test: frozen by risk"))
    after = browser.client.post(f"/app/lines/{line_id}/preview", data={"csrf_token": browser.csrf(f"/app/lines/{line_id}"), **fields}).text
    assert "Your credit line is frozen: it lends nothing until it is unfrozen." in after
    assert "more than your available limit" not in after
