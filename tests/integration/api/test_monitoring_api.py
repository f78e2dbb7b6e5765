"""Transaction monitoring over HTTP on SQLite and PostgreSQL: every drawdown is screened after its passkey
approval (which counts as the step-up); a change of repayment account from a new phone asks for a
passkey; the takeover that follows — drain the line from that phone to that account — is held with
nothing drawn until a risk analyst releases it (a rejection keeps it stopped)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_flows import approved_borrower
from servicing_flows import T0, daytime, draw, operators, with_vault
from sqlalchemy import select

from creditline.store.tables_audit import personal_data, personal_data_access

DAY_S = 86_400
ACCOUNT = "6222 0212 3456 7890 128"


@pytest.fixture(scope="module")
def people(client, engine):  # type: ignore[no-untyped-def]
    return operators(client, engine)


def _change_account(person, number: str, device: str, *, with_passkey: bool):  # type: ignore[no-untyped-def]
    body = {"account_number": number}
    if with_passkey:
        body |= {"assertion": person.step_up("/v1/me/repayment-account/approvals", body)}
    return _put_account(person, body, device)


def _put_account(person, body: dict, device: str):  # type: ignore[no-untyped-def]
    return person.client.put("/v1/me/repayment-account", json=body, headers=person.headers | {"X-Device-Id": device})


def test_an_ordinary_drawdown_is_screened_and_goes_through(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    daytime(monkeypatch)
    person, decision = approved_borrower(client, "Habit", min_limit="600.00")
    drawn = draw(person, decision["line_id"], {"amount": "600.00", "term_months": 3}, "h-1")
    assert drawn.status_code == 201, drawn.text
    monitoring = drawn.json()["monitoring"]
    assert monitoring["status"] == "allowed" and monitoring["rules"] == [] and monitoring["outcome_id"].startswith("MO")
    again = draw(person, decision["line_id"], {"amount": "600.00", "term_months": 3}, "h-1")
    assert again.json()["loan_id"] == drawn.json()["loan_id"], "a retry returns the first loan, screened once"


def test_a_takeover_is_stepped_up_then_held_and_only_a_release_lets_it_through(client, engine, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    daytime(monkeypatch, T0 + 30 * DAY_S)
    with_vault(monkeypatch)
    victim, decision = approved_borrower(client, "Victim", min_limit="1400.00")
    line_id = decision["line_id"]
    for n in range(2):  # the borrower's habit: small drawdowns from their own phone, a day apart
        assert draw(victim, line_id, {"amount": "700.00", "term_months": 3}, f"own-{n}").status_code == 201
    daytime(monkeypatch, T0 + 33 * DAY_S)
    asked = _change_account(victim, ACCOUNT, "attacker-phone", with_passkey=False)
    assert asked.status_code == 401 and asked.json()["code"] == "step_up_required"
    assert victim.get("/v1/me/repayment-account").json() == {"account": None, "changed_on": None, "source": "application"}
    changed = _change_account(victim, ACCOUNT, "attacker-phone", with_passkey=True)  # a phished synced passkey
    assert changed.status_code == 200, changed.text
    assert changed.json()["monitoring"]["status"] == "verified" and changed.json()["account"] == "••••0128"
    available = victim.get(f"/v1/lines/{line_id}").json()["available"]
    drain = {"amount": available, "term_months": 3}
    held = draw(victim, line_id, drain, "drain", device="attacker-phone")
    assert held.status_code == 409 and held.json()["code"] == "held_for_review"
    assert victim.get(f"/v1/lines/{line_id}").json()["available"] == available, "nothing was drawn"
    analyst = people["risk_analyst"]
    (hold,) = [o for o in analyst.get("/v1/monitoring/outcomes").json()["outcomes"] if o["borrower_id"] == decision["borrower_id"]]
    assert hold["kind"] == "drawdown" and hold["action"] == "hold" and "takeover_pattern" in hold["rules"]
    assert hold["outcome_id"] in held.json()["detail"]
    rejected = analyst.post(f"/v1/monitoring/outcomes/{hold['outcome_id']}/resolution", {"decision": "reject"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    retried = draw(victim, line_id, drain, "drain", device="attacker-phone")
    assert retried.status_code == 409, "a rejected hold stays stopped: the retry is held again"
    (second,) = analyst.get("/v1/monitoring/outcomes", params={"borrower_id": decision["borrower_id"]}).json()["outcomes"]
    released = analyst.post(f"/v1/monitoring/outcomes/{second['outcome_id']}/resolution", {"decision": "release"})
    assert released.json() == {"outcome_id": second["outcome_id"], "status": "released",
                               "resolver": analyst.account["account_id"], "resolved_on": released.json()["resolved_on"]}  # fmt: skip
    assert analyst.post(f"/v1/monitoring/outcomes/{second['outcome_id']}/resolution", {"decision": "release"}).status_code == 404
    cleared = draw(victim, line_id, drain, "drain", device="attacker-phone")
    assert cleared.status_code == 201 and cleared.json()["monitoring"]["status"] == "cleared"
    assert Decimal(victim.get(f"/v1/lines/{line_id}").json()["available"]) == 0


def test_a_release_lets_through_only_the_drawdown_it_held(client, people, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A reviewer releases the held request, not its Idempotency-Key: the same key with a larger amount is
    screened and held again, nothing drawn (it was cleared, so a thief holding a phished passkey could have a
    small drawdown released and then take the line)."""
    from creditline.risk.transactions import MonitoringRules

    daytime(monkeypatch, T0 + 90 * DAY_S)
    wary = MonitoringRules(step_up_at=Decimal("0.001"), hold_at=Decimal("0.001"), weights={
        rule: 0.99 if rule == "odd_hour" else 0.01 for rule in MonitoringRules().weights})  # fmt: skip
    monkeypatch.setattr("creditline.app.monitoring.default_rules", lambda: wary)
    monkeypatch.setattr("creditline.risk.transactions.score._odd_hour", lambda *_: True)  # every drawdown is held
    borrower, decision = approved_borrower(client, "Patient", min_limit="5000.00")
    line_id = decision["line_id"]
    available = borrower.get(f"/v1/lines/{line_id}").json()["available"]
    held = draw(borrower, line_id, {"amount": "500.00", "term_months": 3}, "small")
    assert held.status_code == 409 and held.json()["code"] == "held_for_review", held.text
    analyst = people["risk_analyst"]
    (hold,) = analyst.get("/v1/monitoring/outcomes", params={"borrower_id": decision["borrower_id"]}).json()["outcomes"]
    released = analyst.post(f"/v1/monitoring/outcomes/{hold['outcome_id']}/resolution", {"decision": "release"})
    assert released.status_code == 200 and released.json()["status"] == "released"
    larger = draw(borrower, line_id, {"amount": "5000.00", "term_months": 3}, "small")
    assert larger.status_code == 409, larger.text
    assert larger.json()["type"] == "/problems/held_for_review"
    assert borrower.get(f"/v1/lines/{line_id}").json()["available"] == available, "nothing was drawn"
    cleared = draw(borrower, line_id, {"amount": "500.00", "term_months": 3}, "small")
    assert cleared.status_code == 201 and cleared.json()["monitoring"]["status"] == "cleared"
    assert cleared.json()["principal_outstanding"] == "500.00"


def test_a_session_alone_does_not_change_where_the_money_goes(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A stolen session token (no passkey) must not redirect the borrower's disbursements and refunds: a change
    of repayment account from the borrower's usual device was allowed by monitoring and stored on the session
    alone, as adding a passkey was before finding 11 (docs/security.md finding 13). Now every change of an
    account with a passkey needs the step-up; a stale or used assertion changes nothing either."""
    from integration_helpers import dump
    from sqlalchemy import update

    from creditline.store.tables_identity import identity_challenges

    daytime(monkeypatch, T0 + 120 * DAY_S)
    with_vault(monkeypatch)
    victim, decision = approved_borrower(client, "Trusting", min_limit="500.00")
    assert draw(victim, decision["line_id"], {"amount": "500.00", "term_months": 3}, "own", device="phone-1").status_code == 201
    before = dump(engine)
    for body in ({"account_number": "6222021255550007"}, {"account_number": "6222021255550007", "assertion": None}):
        changed = _put_account(victim, body, "phone-1")
        assert changed.status_code == 401 and changed.json()["code"] == "step_up_required", changed.text
        assert changed.json()["errors"][0]["field"] == "assertion"
        assert "/v1/me/repayment-account/approvals" in changed.json()["detail"]
    assert dump(engine) == before, "nothing stored, nothing screened"
    assert victim.get("/v1/me/repayment-account").json()["source"] == "application"
    body = {"account_number": "6222021255550007"}
    options = victim.post("/v1/me/repayment-account/approvals", body).json()["publicKey"]
    with engine.begin() as connection:  # five minutes have passed
        connection.execute(update(identity_challenges).where(identity_challenges.c.challenge == options["challenge"])
                           .values(expires_at=0))  # fmt: skip
    late = _put_account(victim, body | {"assertion": victim.authenticator.get(options)}, "phone-1")
    assert (late.status_code, late.json()["code"]) == (401, "challenge_expired"), late.text
    person_assertion = victim.step_up("/v1/me/repayment-account/approvals", body)
    changed = _put_account(victim, body | {"assertion": person_assertion}, "phone-1")
    assert changed.status_code == 200 and changed.json()["account"] == "••••0007", changed.text
    assert changed.json()["monitoring"]["status"] in ("allowed", "verified")
    replayed = _put_account(victim, {"account_number": "6222021255550015", "assertion": person_assertion}, "phone-1")
    assert (replayed.status_code, replayed.json()["code"]) == (401, "challenge_used"), replayed.text
    assert victim.get("/v1/me/repayment-account").json()["account"] == "••••0007", "the replay changed nothing"


def test_an_account_without_a_passkey_is_screened_on_the_session_alone(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An account with no passkey has nothing to step up with (and its session is its only credential): its
    change is screened as before, allowed from its usual device."""
    from sqlalchemy import delete

    from creditline.store.tables_identity import identity_credentials

    daytime(monkeypatch, T0 + 150 * DAY_S)
    with_vault(monkeypatch)
    person, decision = approved_borrower(client, "Passkeyless", min_limit="500.00")
    assert draw(person, decision["line_id"], {"amount": "500.00", "term_months": 3}, "own", device="phone-1").status_code == 201
    with engine.begin() as connection:
        connection.execute(delete(identity_credentials).where(identity_credentials.c.account_id == person.account["account_id"]))
    changed = _change_account(person, "6222021255550023", "phone-1", with_passkey=False)
    assert changed.status_code == 200 and changed.json()["monitoring"]["status"] == "allowed", changed.text
    assert person.get("/v1/me/repayment-account").json()["account"] == "••••0023"


def test_the_account_is_kept_encrypted_and_shown_masked(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from creditline.store.collections_repository import ReviewRepository

    daytime(monkeypatch, T0 + 60 * DAY_S)
    with_vault(monkeypatch)
    first, _ = approved_borrower(client, "Saver")
    bad = _change_account(first, "12-34", "phone-1", with_passkey=False)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "account_number"
    assert _change_account(first, "6222021299990001", "phone-1", with_passkey=True).status_code == 200
    shown = first.get("/v1/me/repayment-account").json()
    assert shown["account"] == "••••0001" and shown["source"] == "changed"
    borrower_id = first.get("/v1/session").json()["borrower_id"]
    with engine.connect() as connection:
        stored = connection.execute(select(personal_data).where(personal_data.c.borrower_id == borrower_id)).mappings().one()
        reads = connection.execute(select(personal_data_access).where(personal_data_access.c.borrower_id == borrower_id)).all()
    assert "6222021299990001" not in str(dict(stored)) and stored["blind_index"]
    assert len(reads) == 1, "the borrower's read is in their access log"
    second, _ = approved_borrower(client, "Sibling")
    assert _change_account(second, "6222-0212-9999-0001", "phone-9", with_passkey=True).status_code == 200
    with engine.connect() as connection:
        signals = ReviewRepository(connection).unalerted_signals(1000)
    sibling = second.get("/v1/session").json()["borrower_id"]
    assert [s["kind"] for s in signals if s["borrower_id"] == sibling] == ["shared_repayment_account"]


def test_no_data_keys_no_change(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("CREDITLINE_KEYRING_FILE", "CREDITLINE_DATA_KEYS", "CREDITLINE_BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    person, _ = approved_borrower(client, "Keyless")
    refused = _change_account(person, ACCOUNT, "phone-1", with_passkey=False)
    assert refused.status_code == 503 and refused.json()["code"] == "vault_unavailable"
    assert refused.json()["errors"][0]["field"] == "account_number"
    assert person.get("/v1/me/repayment-account").json()["source"] == "application"


def test_only_risk_analysts_review_holds(client, people) -> None:  # type: ignore[no-untyped-def]
    borrower, _ = approved_borrower(client, "Curious")
    for person in (borrower, people["collections_agent"], people["finance"], people["admin"]):
        listed = person.get("/v1/monitoring/outcomes")
        resolved = person.post("/v1/monitoring/outcomes/MOnothing/resolution", {"decision": "release"})
        assert (listed.status_code, resolved.status_code) == (403, 403), person.name
    for operator in people.values():
        assert operator.get("/v1/me/repayment-account").status_code == 403
