"""What a person does through the API, as the tests drive it: register a passkey, sign in, apply,
draw with a passkey approval, repay. Import as `from api_flows import ...`."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from authenticator import SoftAuthenticator

BUSINESS_DATE = date(2025, 6, 30)
ORIGIN = "http://localhost"
# Applicants drawn for people who need a line, away from the serials tests pick themselves (below 2,000):
# an account applies as its own person only, and another account's person is refused.
_serials = itertools.count(100_000)


def make_platform(url: str, **settings: Any):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from creditline.api import create_app
    from creditline.api.settings import ApiSettings
    from creditline.app.apply_setup import forget_screens
    from creditline.app.setup import initialise
    from creditline.store import make_engine

    forget_screens()
    engine = make_engine(url)
    initialise(engine, BUSINESS_DATE)
    options = {"origins": (ORIGIN,), "rate_per_s": 10_000.0, "rate_burst": 10_000, "access_log": False} | settings
    app = create_app(ApiSettings(db_url=url, **options), engine=engine)
    client = TestClient(app, base_url="http://localhost", raise_server_exceptions=False)
    # Tests authenticate explicitly (a bearer token, or cookies passed per request): a jar that
    # silently kept the last Set-Cookie would sign in requests meant to be anonymous.
    client.event_hooks["response"].append(lambda response: client.cookies.clear())
    return client, engine


def application(serial: int, on: date = BUSINESS_DATE) -> dict[str, Any]:
    """An application made on the business date `on` (an application must fall within a day of it). The ID
    number holds the serial's last three digits only: each thousand is born a day later, another person."""
    from test_origination_forms import application as form

    born = date(1990, 8, 1) + timedelta(days=serial // 1000)
    made = form(serial, born=born, applied_at=f"{on.isoformat()}T10:15:00+08:00")
    for consent in made["consents"]:
        consent["granted_at"] = f"{on.isoformat()}T10:14:00+08:00"
    return made


def business_date_of(client: Any) -> date:
    """The platform's business date (tests move it with end-of-day runs between applications)."""
    from creditline.app.common import business_date
    from creditline.store import UnitOfWork

    with UnitOfWork(client.app.state.runtime.engine, read_only=True) as uow:
        return business_date(uow)


@dataclass
class Person:
    client: Any
    name: str
    authenticator: SoftAuthenticator = field(default_factory=lambda: SoftAuthenticator(origin=ORIGIN))
    token: str | None = None
    csrf: str | None = None
    account: dict[str, Any] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def register(self, *, uv: bool = True) -> Any:
        options = self.client.post("/v1/passkeys/registration-options", json={"display_name": self.name}).json()
        credential = self.authenticator.create(options["publicKey"], uv=uv)
        response = self.client.post("/v1/passkeys", json={"credential": credential})
        self._remember(response)
        return response

    def enroll(self, code: str) -> Any:
        options = self.client.post("/v1/passkeys/registration-options", json={"enrollment_code": code}).json()
        response = self.client.post("/v1/passkeys", json={"credential": self.authenticator.create(options["publicKey"])})
        self._remember(response)
        return response

    def sign_in(self, **flags: Any) -> Any:
        options = self.client.post("/v1/sessions/options").json()
        response = self.client.post("/v1/sessions", json={"credential": self.authenticator.get(options["publicKey"], **flags)})
        self._remember(response)
        return response

    def _remember(self, response: Any) -> None:
        if response.status_code == 201:
            body = response.json()
            self.account = body["account"]
            self.token, self.csrf = body["session"]["token"], body["session"]["csrf_token"]

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers | kwargs.pop("headers", {}), **kwargs)

    def post(self, path: str, body: Any = None, *, key: str | None = None, **kwargs: Any) -> Any:
        headers = self.headers | ({"Idempotency-Key": key} if key else {}) | kwargs.pop("headers", {})
        return self.client.post(path, json=body, headers=headers, **kwargs)

    def apply(self, serial: int | None = None, key: str | None = None) -> dict[str, Any]:
        serial = next(_serials) if serial is None else serial
        form = application(serial, business_date_of(self.client))
        response = self.post("/v1/applications", form, key=key or f"apply-{serial}")
        assert response.status_code == 201, response.text
        body = response.json()
        if body.get("session"):
            self.token, self.csrf = body["session"]["token"], body["session"]["csrf_token"]
        return body

    def approval(self, line_id: str, terms: dict[str, Any]) -> dict[str, Any]:
        response = self.post(f"/v1/lines/{line_id}/drawdown-approvals", terms)
        assert response.status_code == 200, response.text
        return response.json()["publicKey"]

    def step_up(self, approvals: str, body: Any = None, **flags: Any) -> dict[str, Any]:
        """A step-up: this person's passkey answering the options `approvals` gives (bound to one action)."""
        options = self.post(approvals, body)
        assert options.status_code == 200, options.text
        return self.authenticator.get(options.json()["publicKey"], **flags)

    def add_passkey_options(self, **flags: Any) -> Any:
        """Options to add a passkey, after the step-up it needs: an assertion of this person's passkey."""
        assertion = self.step_up("/v1/session/passkeys/approvals", **flags)
        return self.post("/v1/session/passkeys/options", {"assertion": assertion})

    def draw(self, line_id: str, terms: dict[str, Any], key: str, **flags: Any) -> Any:
        assertion = self.authenticator.get(self.approval(line_id, terms), **flags)
        return self.post(f"/v1/lines/{line_id}/drawdowns", terms | {"assertion": assertion}, key=key)


def approved_borrower(client: Any, name: str, min_limit: str = "0") -> tuple[Person, dict[str, Any]]:
    """A registered person whose application was approved with at least `min_limit`: (person, decision).
    Applicants are drawn at random, so a test that draws a set amount asks for a limit that holds it."""
    from decimal import Decimal

    for _ in range(20):  # the simulated population declines some applicants: the next person tries
        person = Person(client, name)
        assert person.register().status_code == 201
        decision = person.apply()
        if decision["outcome"] == "approve" and decision["linked"] and Decimal(decision["limit"]) >= Decimal(min_limit):
            return person, decision
    raise AssertionError("no approval in 20 applications")


def with_loan(client: Any, name: str, amount: str = "1000.00") -> tuple[Person, str, str]:
    """An approved borrower with one drawdown: (person, line id, loan id)."""
    person, decision = approved_borrower(client, name, min_limit=amount)
    line_id = decision["line_id"]
    response = person.draw(line_id, {"amount": amount, "term_months": 3}, key=f"draw-{name}")
    assert response.status_code == 201, response.text
    return person, line_id, response.json()["loan_id"]
