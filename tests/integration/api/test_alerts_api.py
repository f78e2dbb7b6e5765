"""Early-warning alerts over HTTP on SQLite and PostgreSQL: a fraud signal becomes an alert at the next
early-warning run; a risk analyst lists, acknowledges and resolves it; every other role is refused."""

from __future__ import annotations

import pytest
from api_flows import approved_borrower
from servicing_flows import operators


@pytest.fixture(scope="module")
def alerted(client, engine):  # type: ignore[no-untyped-def]
    """A borrower a fraud signal was reported about, the alert it raised, and operators of every role."""
    from creditline.app.alerts import FraudSignal, check_alerts_today, record_fraud_signal

    borrower, decision = approved_borrower(client, "Watched")
    record_fraud_signal(engine, FraudSignal(decision["borrower_id"], "device_change", "a new phone, then a new account",
                                            "transaction-monitoring"))  # fmt: skip
    assert check_alerts_today(engine)["raised_fraud_signal"] == 1
    people = operators(client, engine)
    listed = people["risk_analyst"].get("/v1/alerts", params={"borrower_id": decision["borrower_id"]}).json()["alerts"]
    (alert,) = listed
    return borrower, decision, alert, people


def test_the_analyst_sees_the_alert_with_its_details(alerted) -> None:  # type: ignore[no-untyped-def]
    _, decision, alert, people = alerted
    assert alert["status"] == "open" and alert["scope"] == "loan" and alert["borrower_id"] == decision["borrower_id"]
    assert alert["kind"] == "fraud_signal" and "device_change" in str(alert["details"])
    every_open = people["risk_analyst"].get("/v1/alerts").json()
    assert alert["alert_id"] in [a["alert_id"] for a in every_open["alerts"]]
    none_resolved = people["risk_analyst"].get("/v1/alerts", params={"status": "resolved", "scope": "portfolio"}).json()
    assert alert["alert_id"] not in [a["alert_id"] for a in none_resolved["alerts"]]
    bad = people["risk_analyst"].get("/v1/alerts", params={"status": "maybe"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    typo = people["risk_analyst"].get("/v1/alerts", params={"kind": "fraud_signals"})  # it was 200 with no alerts
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "kind"
    assert [a["alert_id"] for a in people["risk_analyst"].get("/v1/alerts", params={"kind": "fraud_signal"}).json()
            ["alerts"]] == [alert["alert_id"]]  # fmt: skip


def test_acknowledged_then_resolved_once(alerted) -> None:  # type: ignore[no-untyped-def]
    _, _, alert, people = alerted
    analyst = people["risk_analyst"]
    path = f"/v1/alerts/{alert['alert_id']}"
    acked = analyst.post(f"{path}/acknowledgement", {"note": "calling the borrower"})
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_by"] == analyst.account["account_id"]
    twice = analyst.post(f"{path}/acknowledgement", {})
    assert twice.status_code == 409 and twice.json()["code"] == "alert_state_invalid"
    resolved = analyst.post(f"{path}/resolution", {"note": "the borrower's own new phone"})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved" and resolved.json()["note"] == "the borrower's own new phone"
    assert analyst.post(f"{path}/resolution", {}).status_code == 409
    assert analyst.post("/v1/alerts/999999999/resolution", {}).json()["code"] == "alert_not_found"
    too_long = analyst.post(f"{path}/resolution", {"note": "x" * 401})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "note"


def test_only_risk_analysts_handle_alerts(alerted) -> None:  # type: ignore[no-untyped-def]
    borrower, _, alert, people = alerted
    for person in (borrower, people["collections_agent"], people["finance"], people["admin"]):
        for method, url in (("GET", "/v1/alerts"), ("POST", f"/v1/alerts/{alert['alert_id']}/acknowledgement"),
                            ("POST", f"/v1/alerts/{alert['alert_id']}/resolution")):  # fmt: skip
            answer = person.client.request(method, url, json={} if method == "POST" else None, headers=person.headers)
            assert answer.status_code == 403 and answer.json()["code"] == "permission_denied", (person.name, url)
