"""End-to-end helpers (fixtures in conftest.py): a real `creditline serve` on a free port over a seeded SQLite database, and
headless Chromium (Debian's package) driven by Playwright, with a virtual WebAuthn authenticator
that verifies the user (CDP `WebAuthn.addVirtualAuthenticator`, `isUserVerified: true`).

Without /usr/bin/chromium (or Playwright) the browser tests skip with the reason printed, unless
CREDITLINE_REQUIRE_BROWSER=1 (CI sets it, after installing the package), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
BUSINESS_DATE = date(2025, 6, 30)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SERVER_START_S_MAX = 90
# Generous on a shared 2-core machine: the first application builds the server's deciders (PD model,
# fraud indexes), which takes seconds even when the machine is idle.
ACTION_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 60_000
TESTS = Path(__file__).resolve().parents[1]
# The borrower's phone keeps one device cookie, so its selfie (and the simulated face match) is fixed.
DEVICE_ID = "e2e-phone-0001"
APPLICANT_FIELDS = ("name", "id_number", "phone", "bank_card", "income_monthly")
CONSENTED = ("credit_bureau_query", "transaction_data", "device_data")


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is absent (apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is absent (pip install -e '.[dev]')"
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("CREDITLINE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CREDITLINE_REQUIRE_BROWSER=1 but {reason}")
    print(f"\nskipping the browser tests: {reason}", file=sys.stderr)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Platform:
    base: str  # http://localhost:PORT (passkeys need the relying party's host name, not an IP)
    db_url: str
    applicant: dict[str, str]  # an applicant the seeded database approves from the phone DEVICE_ID
    enrollment_code: str  # a risk analyst's one-time code


def _approved_applicant(db_file: Path, device_id: str) -> dict[str, str]:
    """Find, on a scratch copy of the fresh database, an applicant the simulated verifiers approve when
    the borrower app sends the form: from `device_id` (its selfie is `selfie-<device>`, and the simulated
    face matcher judges that pair) at 127.0.0.1, now and an hour from now (the fraud screen's anomaly
    model reads the hour), so the browser's own application is decided the same way."""
    sys.path.insert(0, str(TESTS / "integration"))
    from test_origination_forms import application as probe_form

    from creditline.app.applications import application_time
    from creditline.app.apply import ApplyForCredit, apply
    from creditline.app.apply_setup import forget_screens
    from creditline.store import make_engine
    from creditline.web.application_form import application
    from creditline.web.i18n import choose

    scratch = db_file.with_name("scratch.sqlite")
    now = datetime.now(UTC)
    try:
        for serial in range(1, 40):
            applicant = probe_form(serial)["applicant"]
            fields = {k: applicant[k] for k in (*APPLICANT_FIELDS, "employment")}
            ticked = {f"consent_{scope}": "yes" for scope in CONSENTED}
            approved = True
            for when in (now, now + timedelta(hours=1)):
                shutil.copyfile(db_file, scratch)
                forget_screens()  # the fraud screen's velocity index is per database URL
                engine = make_engine(f"sqlite:///{scratch}")
                try:
                    stamped = application_time(engine, when)  # what the web app stamps, as the browser applies
                    form = application(fields | ticked, choose(None, "en-US"), device_id, "127.0.0.1", stamped)
                    approved &= apply(engine, ApplyForCredit(f"probe-{serial}", form))["outcome"] == "approve"
                finally:
                    engine.dispose()
            if approved:
                return {k: fields[k] for k in APPLICANT_FIELDS}
    finally:
        forget_screens()
        scratch.unlink(missing_ok=True)
    raise AssertionError("no applicant approved in 40 tries")


def seed(folder: Path) -> tuple[str, dict[str, str], str, dict[str, str]]:
    from creditline.app.access import create_operator
    from creditline.app.setup import initialise
    from creditline.portfolio.synthetic import synthetic_snapshots
    from creditline.store import make_engine

    db_file = folder / "e2e.sqlite"
    url = f"sqlite:///{db_file}"
    engine = make_engine(url)
    initialise(engine, BUSINESS_DATE)
    code = create_operator(engine, "Analyst Zhou", "risk_analyst")["enrollment_code"]
    engine.dispose()
    applicant = _approved_applicant(db_file, DEVICE_ID)
    synthetic_snapshots(loans=500, months=15, seed=9).write_parquet(folder / "snapshots.parquet")
    env = {"CREDITLINE_SNAPSHOTS": str(folder / "snapshots.parquet"), "CREDITLINE_REPORT_LGD": "0.45"}
    return url, applicant, code, env


def wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    """Poll `url` (the server's /ready: migrated and warmed up, as a load balancer waits) until 200."""
    import urllib.request

    deadline = time.monotonic() + SERVER_START_S_MAX
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"creditline serve exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"creditline serve did not answer {url} in {SERVER_START_S_MAX} s")


def phone(browser: Any, *, user_verified: bool = True, device_of: str | None = None) -> Any:
    """A mobile-sized page whose platform authenticator holds passkeys and verifies the user; with
    `device_of` (a base URL) the app there already knows the phone as DEVICE_ID."""
    from creditline.web.borrower_pages import DEVICE_COOKIE

    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US")  # fmt: skip
    if device_of is not None:
        context.add_cookies([{"name": DEVICE_COOKIE, "value": DEVICE_ID, "url": device_of, "httpOnly": True}])
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on("console", lambda message: _note_violation(page, message))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": user_verified, "automaticPresenceSimulation": True,
    }})  # fmt: skip
    return page


def _note_violation(page: Any, message: Any) -> None:
    if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
        page.csp_violations.append(message.text)


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
