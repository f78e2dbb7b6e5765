"""Inputs at the edge of what the types hold: each is a 4xx problem naming the rule, and nothing is
written (a row that could be stored but never read back would break every later read)."""

from __future__ import annotations

import json

import pytest
from api_flows import Person, application
from servicing_flows import operator
from sqlalchemy import func, select
from test_api_problems import assert_problem

from creditline.store.tables_identity import account_consents
from creditline.store.tables_promotions import promotion_campaigns as campaigns

OUT_OF_UTC = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]  # year 10000 and year 0 in UTC


def consent_rows(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(account_consents)).scalar_one()


@pytest.fixture(scope="module")
def person(client):  # type: ignore[no-untyped-def]
    someone = Person(client, "Edge Input")
    assert someone.register().status_code == 201
    return someone


@pytest.mark.parametrize("moment", OUT_OF_UTC)
def test_a_consent_expiring_outside_the_utc_years_is_refused(person, engine, moment):
    before = consent_rows(engine)
    body = {"scope": "marketing", "purpose": "marketing", "text_version": "v1", "expires_at": moment}
    problem = assert_problem(person.post("/v1/consents", body), 422)
    assert problem["code"] == "invalid_consent"
    assert "years 1 to 9999" in problem["detail"]
    assert consent_rows(engine) == before
    assert person.get("/v1/consents").status_code == 200


@pytest.mark.parametrize("moment", OUT_OF_UTC)
def test_an_application_whose_consent_times_utc_cannot_hold_is_refused(client, engine, moment):
    applicant = Person(client, "Edge Applicant")
    assert applicant.register().status_code == 201
    form = application(880 + OUT_OF_UTC.index(moment))
    form["consents"][0]["withdrawn_at" if moment.startswith("9999") else "granted_at"] = moment
    before = consent_rows(engine)
    problem = assert_problem(applicant.post("/v1/applications", form, key="edge-apply"), 422)
    assert problem["code"] == "invalid_consent"
    assert problem["errors"][0]["field"].startswith("consents.")
    assert consent_rows(engine) == before
    assert applicant.get("/v1/applications").json()["decisions"] == []


def test_every_documented_error_response_is_problem_json(client):
    """What the OpenAPI document says an error body is must be what is sent: application/problem+json
    (the vault routes' 503 was documented as application/json)."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert "application/problem+json" in response.get("content", {}), (method, path, status)


@pytest.mark.parametrize(
    "source", ["a = " + "{x=" * 3000 + "1" + "}" * 3000, "a = " + "[" * 7000 + "]" * 7000], ids=["tables", "arrays"]
)
def test_a_campaign_nested_deeper_than_the_parser_recurses_is_refused(client, engine, source):
    """Within the source's 16,000 characters a TOML file can nest past Python's recursion limit."""
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(campaigns)).scalar_one()
    finance = operator(client, engine, "finance")
    problem = assert_problem(finance.post("/v1/campaigns", {"format": "toml", "source": source}), 422)
    assert (problem["code"], problem["errors"][0]["field"]) == ("campaign_invalid", "file")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(campaigns)).scalar_one() == before


def _padded(form: dict) -> dict:
    """The form with spaces around its identity and device values, as a hand-typed or pasted form has."""
    padded = json.loads(json.dumps(form))
    for group, names in (("applicant", ("name", "id_number", "phone", "bank_card")), ("device", ("device_id", "ip"))):
        for name in names:
            padded[group][name] = f"  {padded[group][name]} "
    padded["contacts"] = [f" {contact}" for contact in padded["contacts"]]
    return padded


def test_an_application_is_the_same_request_over_http_and_the_cli_whatever_spaces_surround_its_values(
    client, api_db_url, tmp_path
):
    """One canonical form is hashed for the idempotency key whichever way the application came: a retry
    through the CLI of a padded application sent over HTTP (padded or not) is answered with its decision."""
    from integration_helpers import ok

    applicant = Person(client, "Padded Applicant")
    assert applicant.register().status_code == 201
    form = application(890)
    sent = applicant.post("/v1/applications", _padded(form), key="padded")
    assert sent.status_code == 201, sent.text
    key = f"{applicant.account['account_id']}:padded"  # the key the API scoped to the account
    for name, body in (("padded.json", _padded(form)), ("trimmed.json", form)):
        path = tmp_path / name
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        again = ok("apply", "--db", api_db_url, "--key", key, "--file", str(path))
        assert again["decision_id"] == sent.json()["decision_id"], name


def test_an_application_over_http_is_validated_once_and_a_time_without_offset_still_refused(client, monkeypatch):
    """The route validates the body into the form, which `apply` takes as it is: it was dumped to JSON and
    validated again. What the form's model does not check itself is still refused: a time with no offset."""
    import creditline.app.apply as apply_module
    from creditline.app.apply_form import ApplicationForm

    applicant = Person(client, "Validated Once")
    assert applicant.register().status_code == 201
    naive = application(895)
    naive["applied_at"] = naive["applied_at"][:19]  # no +08:00
    problem = assert_problem(applicant.post("/v1/applications", naive, key="naive"), 422)
    assert (problem["code"], problem["errors"][0]["field"]) == ("invalid_application", "applied_at")
    assert applicant.get("/v1/applications").json()["decisions"] == []

    def validated_again(data):  # type: ignore[no-untyped-def]
        raise AssertionError("the application was validated again")

    dumps, dump = [], ApplicationForm.model_dump
    monkeypatch.setattr(apply_module, "application_form", validated_again)
    monkeypatch.setattr(ApplicationForm, "model_dump", lambda self, **kwargs: dumps.append(1) or dump(self, **kwargs))
    decided = applicant.post("/v1/applications", application(896), key="once")
    assert decided.status_code == 201, decided.text
    assert dumps == [1], "dumped once, for its hash"
    assert [d["decision_id"] for d in applicant.get("/v1/applications").json()["decisions"]] == [decided.json()["decision_id"]]


def _grant_directly(engine, account_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from creditline.app.consents import consent_rows
    from creditline.privacy import ConsentRecord, ConsentScope, Purpose
    from creditline.store.identity_repository import IdentityRepository

    record = ConsentRecord(ConsentScope.MARKETING, "v1", Purpose.MARKETING, datetime(2025, 6, 1, tzinfo=UTC))
    with engine.begin() as connection:
        IdentityRepository(connection).add_consents(consent_rows(account_id, [record] * count))


def _account_consents(engine, account_id: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        query = select(func.count()).select_from(account_consents).where(account_consents.c.account_id == account_id)
        return connection.execute(query).scalar_one()


def test_an_applications_consents_count_towards_the_accounts_consent_limit(client, engine):
    """An account holds at most CONSENTS_PER_ACCOUNT_MAX consent records, whether granted one by one or
    carried by applications: an application that would pass the limit is refused naming `consents`,
    and nothing of it is written (no decision, no consent)."""
    from creditline.app.consents import CONSENTS_PER_ACCOUNT_MAX
    from creditline.store.tables_origination import origination_decisions

    applicant = Person(client, "Consent Collector")
    assert applicant.register().status_code == 201
    account_id = applicant.account["account_id"]
    first = application(891)
    carried = len(first["consents"])
    _grant_directly(engine, account_id, CONSENTS_PER_ACCOUNT_MAX - carried - _account_consents(engine, account_id))
    accepted = applicant.post("/v1/applications", first, key="up-to-the-limit")
    assert accepted.status_code == 201, accepted.text  # exactly at the limit
    assert _account_consents(engine, account_id) == CONSENTS_PER_ACCOUNT_MAX
    session = accepted.json()["session"]  # the application linked the account: its session was rotated
    applicant.token = session["token"] if session else applicant.token
    retried = applicant.post("/v1/applications", first, key="up-to-the-limit")  # adds nothing: answered
    assert retried.status_code == 201 and retried.json()["decision_id"] == accepted.json()["decision_id"]
    granted = applicant.post("/v1/consents", {"scope": "marketing", "purpose": "marketing", "text_version": "v1"})
    assert assert_problem(granted, 422)["code"] == "too_many"
    with engine.connect() as connection:
        decisions = connection.execute(select(func.count()).select_from(origination_decisions)).scalar_one()
    problem = assert_problem(applicant.post("/v1/applications", application(891), key="past-the-limit"), 422)
    assert (problem["code"], problem["errors"][0]["field"]) == ("too_many", "consents")
    assert str(CONSENTS_PER_ACCOUNT_MAX) in problem["detail"]
    assert _account_consents(engine, account_id) == CONSENTS_PER_ACCOUNT_MAX
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(origination_decisions)).scalar_one() == decisions
