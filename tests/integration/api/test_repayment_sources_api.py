"""Repayment sources and payday over HTTP on SQLite and PostgreSQL: link (screened, approved with the
passkey), list masked in priority order, reorder, remove; every refusal is problem+json naming its
field, and changes nothing."""

from __future__ import annotations

import pytest
from api_flows import approved_borrower
from servicing_flows import daytime, with_vault

WALLET = "WALLET-0000-1111-22"


def _link(person, number: str, kind: str = "wallet"):  # type: ignore[no-untyped-def]
    body = {"account_number": number}
    body |= {"kind": kind, "assertion": person.step_up("/v1/me/repayment-sources/approvals", body)}
    return _post_source(person, body)


def _post_source(person, body: dict):  # type: ignore[no-untyped-def]
    return person.client.post(
        "/v1/me/repayment-sources", json=body, headers=person.headers | {"X-Device-Id": "phone-1"}
    )


def _field(answer) -> str:  # type: ignore[no-untyped-def]
    return answer.json()["errors"][0]["field"]


def _listed(person) -> list[tuple]:  # type: ignore[no-untyped-def]
    found = person.get("/v1/me/repayment-sources")
    assert found.status_code == 200, found.text
    return [
        (s["source_id"], s["kind"], s["account"], s["on_file"], s["priority"])
        for s in found.json()["sources"]
    ]


def test_link_list_reorder_remove(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with_vault(monkeypatch)
    daytime(monkeypatch)
    person, _ = approved_borrower(client, "Sources")
    (on_file,) = _listed(person)  # before any link: the account on file, from the application
    assert on_file[1:] == ("bank-account", None, True, 1)
    added = _link(person, WALLET)
    assert added.status_code == 201, added.text
    wallet = added.json()["source_id"]
    assert (added.json()["account"], added.json()["priority"]) == ("••••1122", 2)
    assert WALLET.replace("-", "") not in added.text
    listed = _listed(person)
    assert [(s[0] == wallet, s[2], s[3], s[4]) for s in listed] == [
        (False, None, True, 1),
        (True, "••••1122", False, 2),
    ]
    moved = person.client.put(
        f"/v1/me/repayment-sources/{wallet}/priority", json={"priority": 1}, headers=person.headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["order"][0] == wallet and _listed(person)[0][0] == wallet
    again = _link(person, WALLET)
    assert again.status_code == 409 and again.json()["code"] == "source_already_linked"
    removed = person.client.delete(f"/v1/me/repayment-sources/{listed[0][0]}", headers=person.headers)
    assert removed.status_code == 200 and removed.json()["order"] == [wallet]
    last = person.client.delete(f"/v1/me/repayment-sources/{wallet}", headers=person.headers)
    assert last.status_code == 409 and last.json()["code"] == "last_source" and _field(last) == "source_id"
    assert [s[0] for s in _listed(person)] == [wallet]


@pytest.mark.parametrize(("method", "path", "body", "status", "code", "field"), [
    ("put", "/v1/me/repayment-sources/RSnosuch/priority", {"priority": 1}, 404, "source_not_found", "source_id"),
    ("delete", "/v1/me/repayment-sources/RSnosuch", None, 404, "source_not_found", "source_id"),
    ("post", "/v1/me/repayment-sources", {"account_number": "WALLET000001", "kind": "cash"}, 422,
     "repayment_source_invalid", "kind"),
    ("post", "/v1/me/repayment-sources", {"account_number": "12 34 ?? 56 78"}, 422, "repayment_account_invalid",
     "account_number"),
])  # fmt: skip
def test_refusals_name_the_field_and_change_nothing(
    client, monkeypatch, method, path, body, status, code, field
) -> None:  # type: ignore[no-untyped-def]
    with_vault(monkeypatch)
    daytime(monkeypatch)
    person, _ = approved_borrower(client, f"Refused {code}")
    before = _listed(person)
    answer = person.client.request(method.upper(), path, json=body, headers=person.headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert (answer.json()["code"], _field(answer)) == (code, field)
    assert _listed(person) == before


def test_a_source_is_linked_only_with_a_step_up(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Linking a source sends money's way as a repayment account does (docs/security.md finding 13): an account
    with a passkey links none on the session alone, from whatever device, nor with a used assertion."""
    from integration_helpers import dump

    with_vault(monkeypatch)
    daytime(monkeypatch)
    person, _ = approved_borrower(client, "Sources stepped up")
    before, rows = _listed(person), dump(engine)
    refused = _post_source(person, {"account_number": WALLET, "kind": "wallet"})
    assert refused.status_code == 401 and refused.json()["code"] == "step_up_required", refused.text
    assert _field(refused) == "assertion" and "/v1/me/repayment-sources/approvals" in refused.json()["detail"]
    assert dump(engine) == rows, "nothing linked, nothing screened"
    assert _listed(person) == before
    assertion = person.step_up("/v1/me/repayment-sources/approvals", {"account_number": WALLET})
    linked = _post_source(person, {"account_number": WALLET, "kind": "wallet", "assertion": assertion})
    assert linked.status_code == 201 and linked.json()["account"] == "••••1122", linked.text
    again = _post_source(person, {"account_number": "WALLET-0000-3333-44", "kind": "wallet", "assertion": assertion})
    assert again.status_code == 401 and again.json()["code"] == "challenge_used", again.text
    assert [s[2] for s in _listed(person)] == [None, "••••1122"]


def test_an_approval_is_spent_only_on_the_action_it_was_asked_for(client, engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An approval was bound to the number alone, so one asked for changing the repayment account to a number
    linked that number as a repayment source (and the reverse). Each is now bound to its action: the other
    action refuses it (`401 binding_mismatch` on `assertion`) and nothing changes, the used-up challenges aside."""
    from integration_helpers import dump

    with_vault(monkeypatch)
    daytime(monkeypatch)
    person, _ = approved_borrower(client, "Approvals bound")
    body = {"account_number": WALLET}
    for_change = person.step_up("/v1/me/repayment-account/approvals", body)
    for_link = person.step_up("/v1/me/repayment-sources/approvals", body)
    sources, account, before = _listed(person), person.get("/v1/me/repayment-account").json(), dump(engine)
    linked = _post_source(person, body | {"kind": "wallet", "assertion": for_change})
    changed = person.client.put("/v1/me/repayment-account", json=body | {"assertion": for_link},
                                headers=person.headers | {"X-Device-Id": "phone-1"})  # fmt: skip
    for refused in (linked, changed):
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        assert (refused.json()["code"], _field(refused)) == ("binding_mismatch", "assertion"), refused.text
    after = dump(engine)
    after.pop("identity_challenges"), before.pop("identity_challenges")  # the two approvals, used up
    assert after == before, "nothing linked, changed or screened"
    assert _listed(person) == sources and person.get("/v1/me/repayment-account").json() == account
    assert _link(person, WALLET).status_code == 201, "linking's own approval links it"


def test_payday_stated(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    person, _ = approved_borrower(client, "Payday")
    stated = person.client.put("/v1/me/payday", json={"payday": 25}, headers=person.headers)
    assert stated.status_code == 200 and (stated.json()["payday"], stated.json()["basis"]) == (25, "stated")
    wrong = person.client.put("/v1/me/payday", json={"payday": 32}, headers=person.headers)
    assert wrong.status_code == 422 and wrong.headers["content-type"] == "application/problem+json"


def test_another_borrowers_source_is_not_found_and_stays(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with_vault(monkeypatch)
    daytime(monkeypatch)
    owner, _ = approved_borrower(client, "Owner")
    intruder, _ = approved_borrower(client, "Intruder of sources")
    theirs = _link(owner, "WALLET-9999-0000-11").json()["source_id"]
    before = _listed(owner)
    for method, path, body in (("PUT", f"/v1/me/repayment-sources/{theirs}/priority", {"priority": 1}),
                               ("DELETE", f"/v1/me/repayment-sources/{theirs}", None)):  # fmt: skip
        answer = intruder.client.request(method, path, json=body, headers=intruder.headers)
        assert (answer.status_code, answer.json()["code"], _field(answer)) == (
            404,
            "source_not_found",
            "source_id",
        )
    assert theirs not in [s[0] for s in _listed(intruder)]
    assert _listed(owner) == before


def test_the_account_on_file_cannot_become_a_source_already_linked(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Changing the repayment account to a linked wallet left two active sources for one account (the
    account on file and the wallet), so auto-debit asked that account again for what it could not pay."""
    with_vault(monkeypatch)
    daytime(monkeypatch)
    person, _ = approved_borrower(client, "Twice linked")
    assert _link(person, WALLET).status_code == 201
    before, account_before = _listed(person), person.get("/v1/me/repayment-account").json()
    body = {"account_number": " wallet 0000-1111-22 "}  # the same number, written otherwise
    options = person.post("/v1/me/repayment-account/approvals", body)
    body |= {"assertion": person.authenticator.get(options.json()["publicKey"])}
    changed = person.client.put("/v1/me/repayment-account", json=body, headers=person.headers | {"X-Device-Id": "phone-1"})
    assert changed.status_code == 409, changed.text
    assert changed.headers["content-type"] == "application/problem+json"
    assert (changed.json()["code"], _field(changed)) == ("source_already_linked", "account_number")
    assert _listed(person) == before
    assert person.get("/v1/me/repayment-account").json() == account_before
    other = {"account_number": "6222020200445566"}
    options = person.post("/v1/me/repayment-account/approvals", other)
    other |= {"assertion": person.authenticator.get(options.json()["publicKey"])}
    moved = person.client.put("/v1/me/repayment-account", json=other, headers=person.headers | {"X-Device-Id": "phone-1"})
    assert moved.status_code == 200, moved.text
    assert [(s[2], s[3]) for s in _listed(person)] == [("••••5566", True), ("••••1122", False)]
