"""The name typed when an account is made is stored only sealed (docs/security.md, finding 1), on
SQLite and PostgreSQL: with data keys, `identity_accounts.display_name` holds the field cipher's
ciphertext bound to the account id, opened only where it is shown (the session, the operator list,
a new passkey's user name); without keys a borrower's name is not kept at all, and an operator's
(a staff name) is kept as typed. The challenge of a registration never carries the name either."""

from __future__ import annotations

import base64
import json

import pytest
from api_flows import ORIGIN, Person
from sqlalchemy import select, update

from creditline.app.access import AccessConfig
from creditline.app.dev_access import dev_session
from creditline.identity.passkeys import RelyingParty
from creditline.store.tables_identity import identity_accounts, identity_challenges

DEV = AccessConfig(RelyingParty("localhost", "creditline", (ORIGIN,)))

KEYS = {"CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
        "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode()}  # fmt: skip
NO_KEYS = ("CREDITLINE_KEYRING_FILE", "CREDITLINE_DATA_KEYS", "CREDITLINE_DATA_KEY_CURRENT", "CREDITLINE_BLIND_INDEX_KEY")


@pytest.fixture
def with_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NO_KEYS:
        monkeypatch.delenv(name, raising=False)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NO_KEYS:
        monkeypatch.delenv(name, raising=False)


def stored_name(engine, account_id: str) -> str | None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        query = select(identity_accounts.c.display_name).where(identity_accounts.c.account_id == account_id)
        return connection.execute(query).scalar_one()


def challenges_text(engine) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(identity_challenges.c.binding_json)).scalars()
        return "\n".join(json.dumps(json.loads(r), ensure_ascii=False) for r in rows if r)


def admin(client, engine) -> Person:  # type: ignore[no-untyped-def]
    person = Person(client, "admin")
    person.token = dev_session(engine, DEV, "admin", "Head Admin")[1].token
    return person


def test_with_keys_a_borrower_name_is_ciphertext_and_the_session_shows_it(client, engine, with_keys):
    person = Person(client, "王秀英")
    options = client.post("/v1/passkeys/registration-options", json={"display_name": person.name}).json()["publicKey"]
    assert options["user"]["name"] == "王秀英", "the browser gets the name for the passkey picker"
    assert "王秀英" not in challenges_text(engine), "the challenge binds the ciphertext, not the name"
    registered = client.post("/v1/passkeys", json={"credential": person.authenticator.create(options)})
    assert registered.status_code == 201, registered.text
    person._remember(registered)
    account_id = registered.json()["account"]["account_id"]
    assert registered.json()["account"]["display_name"] == "王秀英"
    sealed = stored_name(engine, account_id)
    assert sealed is not None and sealed.startswith("enc1:k1:") and "王秀英" not in sealed
    assert person.get("/v1/session").json()["display_name"] == "王秀英"
    assert person.sign_in().json()["account"]["display_name"] == "王秀英"
    again = person.add_passkey_options().json()["publicKey"]
    assert again["user"]["name"] == "王秀英"


def test_a_name_copied_onto_another_account_does_not_open(client, engine, with_keys):
    victim, thief = Person(client, "Victim Name"), Person(client, "Thief Name")
    victim.register()
    thief.register()
    copied = stored_name(engine, victim.account["account_id"])  # type: ignore[index]
    with engine.begin() as connection:
        connection.execute(update(identity_accounts).where(identity_accounts.c.account_id == thief.account["account_id"])
                           .values(display_name=copied))  # type: ignore[index]  # fmt: skip
    shown = thief.get("/v1/session").json()["display_name"]
    assert shown == thief.account["account_id"], "bound to its account: shown as the id, never the victim's name"


def test_operators_names_are_sealed_and_listed_opened(client, engine, with_keys):
    boss = admin(client, engine)
    created = boss.post("/v1/operators", {"display_name": "Risk Ruth", "role": "risk_analyst"})
    assert created.status_code == 201 and created.json()["display_name"] == "Risk Ruth"
    account_id = created.json()["account_id"]
    assert stored_name(engine, account_id).startswith("enc1:")  # type: ignore[union-attr]
    listed = {o["account_id"]: o["display_name"] for o in boss.get("/v1/operators").json()["operators"]}
    assert listed[account_id] == "Risk Ruth"
    ruth = Person(client, "Risk Ruth")
    options = client.post("/v1/passkeys/registration-options", json={"enrollment_code": created.json()["enrollment_code"]})
    assert options.json()["publicKey"]["user"]["name"] == "Risk Ruth"
    ruth._remember(client.post("/v1/passkeys", json={"credential": ruth.authenticator.create(options.json()["publicKey"])}))
    assert ruth.get("/v1/session").json()["display_name"] == "Risk Ruth"


def test_without_keys_a_borrower_name_is_not_kept_and_a_staff_name_is(client, engine, without_keys):
    person = Person(client, "Zhao Lei")
    options = client.post("/v1/passkeys/registration-options", json={"display_name": person.name}).json()["publicKey"]
    assert options["user"]["name"] == "Zhao Lei"
    registered = client.post("/v1/passkeys", json={"credential": person.authenticator.create(options)})
    assert registered.status_code == 201, registered.text
    person._remember(registered)
    account_id = person.account["account_id"]  # type: ignore[index]
    assert stored_name(engine, account_id) is None
    assert "Zhao Lei" not in challenges_text(engine)
    assert person.get("/v1/session").json()["display_name"] == account_id, "shown by the account id"
    boss = admin(client, engine)
    created = boss.post("/v1/operators", {"display_name": "Finance Fei", "role": "finance"}).json()
    assert stored_name(engine, created["account_id"]) == "Finance Fei", "staff names are not borrower personal data"


def test_a_name_shaped_like_a_ciphertext_is_refused(client):
    refused = client.post("/v1/passkeys/registration-options", json={"display_name": "enc1:k1:AAAA"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "display_name"
