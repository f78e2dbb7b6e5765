"""In headless Chromium against a running `creditline serve`: a borrower signs up with a passkey,
applies with consents, draws with a passkey approval after reading the live schedule, repays and
pays off; an operator enrolls a passkey and checks the console. Screenshots go to screenshots/."""

from __future__ import annotations

import re

import pytest
from browser_helpers import NAVIGATION_TIMEOUT_MS, Platform, phone, shot

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]


def money_text(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(selector).first.inner_text().strip()


def test_a_borrower_applies_draws_repays_and_pays_off(served: Platform, chromium) -> None:  # type: ignore[no-untyped-def]
    page = phone(chromium, device_of=served.base)
    page.goto(f"{served.base}/app/")
    page.get_by_label("Your name").fill("Wang Xiaoming")
    page.get_by_role("button", name="Create an account with a passkey").click()
    page.wait_for_selector("text=No credit line yet")
    shot(page, "01-signed-up")

    page.get_by_role("link", name="Apply now").click()
    for scope in ("credit_bureau_query", "transaction_data", "device_data"):
        page.locator(f'input[name="consent_{scope}"]').check()
    for name, value in served.applicant.items():
        page.locator(f'input[name="{name}"]').fill(value)
    shot(page, "02-apply")
    page.get_by_role("button", name="Submit application").click(timeout=NAVIGATION_TIMEOUT_MS)
    outcome = page.wait_for_selector("[data-outcome]").get_attribute("data-outcome")
    assert outcome == "approve", page.locator("main").inner_text()
    assert money_text(page, '[data-field="limit"]').startswith("CN¥")
    assert re.fullmatch(r"\d+\.\d{2}%", money_text(page, '[data-field="apr"]'))
    shot(page, "03-decision")

    page.get_by_role("link", name="Draw money").click()
    page.locator('input[name="amount"]').fill("2000.00")
    page.locator('select[name="term_months"]').select_option("6")
    # Locator assertions, not wait_for_function: its polling evaluates a string in the page, which
    # the strict CSP (no 'unsafe-eval') rightly refuses.
    from playwright.sync_api import expect

    expect(page.locator("#preview table.schedule tbody tr")).to_have_count(6)
    assert money_text(page, '#preview [data-field="apr"]').endswith("%")
    assert money_text(page, '#preview [data-field="daily-rate"]').endswith("%")
    shot(page, "04-draw-preview")
    page.get_by_role("button", name="Confirm with your passkey").click()
    page.wait_for_url(re.compile(r".*/app/loans/LO\w+\?notice=drawn"))
    assert money_text(page, '[data-field="principal-outstanding"]') == "CN¥2,000.00"
    shot(page, "05-loan")

    page.locator('#repay-form input[name="amount"]').fill("300.00")
    page.locator("#repay-form").get_by_role("button", name="Repay").click()
    page.wait_for_url(re.compile(r".*notice=repaid"))
    assert money_text(page, '[data-field="principal-outstanding"]') == "CN¥1,700.00"
    page.locator('[data-action="pay-off"]').click()
    page.wait_for_selector('[data-status="paid-off"]')
    shot(page, "06-paid-off")

    page.goto(f"{served.base}/app/language/zh")
    page.goto(f"{served.base}/app/history")
    assert "已结清" in page.content()
    shot(page, "07-history-zh")
    assert page.csp_violations == []  # htmx, the passkey script and the styles all run under the strict CSP
    page.context.close()


def test_a_phone_that_cannot_verify_the_user_gets_no_passkey(served: Platform, chromium) -> None:  # type: ignore[no-untyped-def]
    """The options require user verification, so the browser refuses before the server is asked;
    the server's own refusal of an assertion without UV is tested in-process (test_web_security)."""
    page = phone(chromium, user_verified=False)
    page.goto(f"{served.base}/app/")
    page.get_by_label("Your name").fill("No Verify")
    page.get_by_role("button", name="Create an account with a passkey").click()
    page.wait_for_selector("#status.error")
    assert "not allowed" in page.locator("#status").inner_text().lower()
    page.goto(f"{served.base}/app/history", wait_until="load")
    assert page.url.endswith("/app/")  # not signed in: sent back to the welcome page
    page.context.close()


def test_an_operator_enrolls_and_checks_the_console(served: Platform, chromium) -> None:  # type: ignore[no-untyped-def]
    page = phone(chromium)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{served.base}/console/sign-in")
    page.locator('input[name="enrollment_code"]').fill(served.enrollment_code)
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{served.base}/console/")
    for _ in range(50):  # the snapshot report is computed in the background at start
        if "being computed" not in page.content():
            break
        page.wait_for_timeout(200)
        page.reload()
    assert page.locator('[data-field="ecl"]').inner_text().startswith("CN¥")
    for _ in range(50):  # page.evaluate runs through DevTools, outside the page's CSP
        if page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the dashboard's charts never finished loading")
    shot(page, "10-console-dashboard")

    page.get_by_role("link", name="Decision reviews").click()
    page.wait_for_selector("h1:has-text('Decision reviews')")
    page.get_by_role("link", name="Model monitoring").click()
    page.wait_for_selector("h1:has-text('Model monitoring')")
    shot(page, "11-console-models")
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_selector("h1:has-text('Audit log')")
    assert page.get_by_role("link", name="Collections").count() == 0  # a risk analyst works no collections
    assert page.csp_violations == []
    page.context.close()
