"""A person using the web pages in-process, as the tests drive them: `Browser` keeps the cookies,
reads the CSRF token and idempotency keys out of the pages it gets, and plays the phone's passkey
with the project's software authenticator (tests/integration/api/authenticator.py).
Import as `from web_flows import ...`."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # the shared software authenticator
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # test_origination_forms: well-formed applicants

from authenticator import SoftAuthenticator

BUSINESS_DATE = date(2025, 6, 30)
ORIGIN = "http://localhost"
CONSENTED = ("credit_bureau_query", "transaction_data", "device_data")


def make_site(url: str, **settings: Any) -> tuple[Any, Any]:
    """The API app with the web pages mounted, on a fresh database at the test business date."""
    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.app.apply_setup import forget_screens
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    forget_screens()
    engine = make_engine(url)
    initialise(engine, BUSINESS_DATE)
    options = {"rate_per_s": 10_000.0, "rate_burst": 10_000, "access_log": False} | settings
    return create_app(ApiSettings(db_url=url, origins=(ORIGIN,), **options), engine=engine), engine


def make_console_site(folder: Any, snapshots: Any) -> tuple[Any, Any]:
    """`make_site` in `folder` for the console's figures: the snapshot history `snapshots` (a polars frame)
    as the report's file, a CNY balance sheet (capital, HQLA, an outflow) and an LGD of 45%."""
    import os

    snapshots.write_parquet(folder / "snapshots.parquet")
    (folder / "sheet.json").write_text('{"currency": "CNY", "capital": {"cet1": "900,000", "tier2": "100,000"}, '
                                       '"hqla": {"level1": "2,000,000"}, '
                                       '"outflows": [{"name": "wholesale", "amount": "1,000,000", "rate": "0.25"}]}')
    saved = dict(os.environ)
    os.environ.update({"CREDITLINE_SNAPSHOTS": str(folder / "snapshots.parquet"),
                       "CREDITLINE_BALANCE_SHEET": str(folder / "sheet.json"), "CREDITLINE_REPORT_LGD": "0.45"})
    try:
        return make_site(f"sqlite:///{folder / 'console.sqlite'}")
    finally:
        os.environ.clear()
        os.environ.update(saved)


def applicant_fields(serial: int, *, marketing: bool = False) -> dict[str, str]:
    """The apply form's fields; `marketing` ticks the optional marketing consent too (coupons need it)."""
    from test_origination_forms import application

    applicant = application(serial)["applicant"]
    fields = {name: applicant[name] for name in ("name", "id_number", "phone", "bank_card", "income_monthly", "employment")}
    return fields | {f"consent_{scope}": "yes" for scope in CONSENTED + (("marketing",) if marketing else ())}


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in the page"
    return match.group(1)


@dataclass
class Browser:
    app: Any
    name: str = "Wang Xiaoming"
    authenticator: SoftAuthenticator = field(default_factory=lambda: SoftAuthenticator(origin=ORIGIN))
    client: Any = None
    serial: int | None = None  # the applicant of the last application (an account applies as its own borrower only)

    def __post_init__(self) -> None:
        from fastapi.testclient import TestClient

        # "testserver": the cookie jar of httpx does not keep cookies for a bare "localhost"
        self.client = TestClient(self.app, base_url="http://testserver", raise_server_exceptions=False)

    def account_id(self) -> str:
        from creditline.api.auth_tokens import SESSION_COOKIE
        from creditline.app.access import authenticate

        runtime = self.app.state.runtime
        return authenticate(runtime.engine, runtime.access, self.client.cookies.get(SESSION_COOKIE)).account_id

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def csrf(self, path: str = "/app/") -> str:
        return found(r'name="csrf-token" content="([^"]*)"', self.get(path).text)

    def post_form(self, path: str, fields: dict[str, str], page: str | None = None) -> Any:
        token = self.csrf(page or path.rsplit("/", 1)[0] or "/app/")
        return self.client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)

    def post_json(self, path: str, body: dict[str, Any], csrf: str = "") -> Any:
        return self.client.post(path, json=body, headers={"X-CSRF-Token": csrf})

    def register(self, base: str = "/app", **fields: str) -> Any:
        options = self.post_json(f"{base}/passkeys/registration-options", fields or {"display_name": self.name})
        assert options.status_code == 200, options.text
        return self.post_json(f"{base}/passkeys/registration", {"credential": self.authenticator.create(options.json()["publicKey"])})

    def sign_in(self, base: str = "/app", **flags: Any) -> Any:
        options = self.post_json(f"{base}/passkeys/sign-in-options", {})
        return self.post_json(f"{base}/passkeys/sign-in", {"credential": self.authenticator.get(options.json()["publicKey"], **flags)})

    def apply(self, serial: int, *, marketing: bool = False) -> Any:
        page = self.get("/app/apply").text
        fields = applicant_fields(serial, marketing=marketing) | {"form_key": found(r'name="form_key" value="([^"]+)"', page)}
        self.serial = serial
        return self.post_form("/app/apply", fields, "/app/apply")

    def draw(self, line_id: str, amount: str, term_months: int, *, key: str = "draw-1", **flags: Any) -> Any:
        token = self.csrf(f"/app/lines/{line_id}")
        terms = {"amount": amount, "term_months": term_months, "method": None}
        options = self.post_json(f"/app/lines/{line_id}/approval", terms, token)
        assert options.status_code == 200, options.text
        assertion = self.authenticator.get(options.json()["publicKey"], **flags)
        return self.post_json(f"/app/lines/{line_id}/drawdowns", terms | {"key": key, "assertion": assertion}, token)


def approved(app: Any, first_serial: int, *, marketing: bool = False) -> tuple[Browser, str, str]:
    """A registered borrower whose application was approved: (browser, decision id, line id)."""
    for serial in range(first_serial, first_serial + 20):  # the simulated population declines some
        browser = Browser(app)
        assert browser.register().status_code == 200
        response = browser.apply(serial, marketing=marketing)
        assert response.status_code == 303, response.text
        decision_id = response.headers["location"].rsplit("/", 1)[1]
        page = browser.get(f"/app/decisions/{decision_id}").text
        lines = re.findall(r'href="/app/lines/([^"]+)"', page)
        if 'data-outcome="approve"' in page and lines:
            return browser, decision_id, lines[0]
    raise AssertionError("no approval in 20 applications")
