"""Migration 0017_sealed_display_names converts the names already stored in clear (docs/security.md,
finding 1), on SQLite and PostgreSQL: with data keys every name becomes ciphertext bound to its
account; without keys a borrower's name is dropped and a staff name stays; downgrading opens them."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import insert, select

from creditline.app import account_names
from creditline.store import make_engine, upgrade
from creditline.store.migrate import current_revision
from creditline.store.tables_identity import identity_accounts

BEFORE = "0016_bank_statement_index"
KEYS = {"CREDITLINE_DATA_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
        "CREDITLINE_BLIND_INDEX_KEY": base64.b64encode(bytes(range(32, 64))).decode()}  # fmt: skip
PEOPLE = {"ACborrower1": ("borrower", "李秀英"), "ACborrower2": ("borrower", "Chen Jing"), "OPstaff1": ("admin", "Ops Olga")}


def _engine_with_clear_names(db_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine, BEFORE)
    with engine.begin() as connection:
        connection.execute(insert(identity_accounts), [
            {"account_id": account_id, "role": role, "display_name": name, "user_handle": f"h-{account_id}",
             "status": "active", "privilege_epoch": 1, "created_at": 1_700_000_000}
            for account_id, (role, name) in PEOPLE.items()
        ])  # fmt: skip
    return engine


def _stored(engine) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(identity_accounts.c.account_id, identity_accounts.c.display_name)).all()
    return dict(rows)  # type: ignore[arg-type]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLINE_KEYRING_FILE", raising=False)
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)


def test_with_keys_every_name_is_sealed_and_a_downgrade_opens_them(db_url: str, keys: None) -> None:
    engine = _engine_with_clear_names(db_url)
    try:
        upgrade(engine)
        stored = _stored(engine)
        for account_id, (_role, name) in PEOPLE.items():
            assert stored[account_id].startswith("enc1:k1:") and name not in stored[account_id]  # type: ignore[union-attr]
            assert account_names.shown(account_id, stored[account_id]) == name
        from alembic import command

        from creditline.store.migrate import alembic_config

        command.downgrade(alembic_config(engine), BEFORE)
        assert current_revision(engine) == BEFORE
        assert _stored(engine) == {account_id: name for account_id, (_role, name) in PEOPLE.items()}
    finally:
        engine.dispose()


def test_without_keys_borrowers_names_are_dropped_and_staff_names_stay(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CREDITLINE_KEYRING_FILE", "CREDITLINE_DATA_KEYS", "CREDITLINE_BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    engine = _engine_with_clear_names(db_url)
    try:
        upgrade(engine)
        assert _stored(engine) == {"ACborrower1": None, "ACborrower2": None, "OPstaff1": "Ops Olga"}
        assert account_names.shown("ACborrower1", None) == "ACborrower1"
    finally:
        engine.dispose()


def test_names_are_resealed_under_a_new_current_key(db_url: str, keys: None) -> None:
    """After `keys add`, the names follow the vault to the new key, so retiring the old one loses none."""
    from creditline.privacy.keyring import load_keyring

    engine = _engine_with_clear_names(db_url)
    try:
        upgrade(engine)
        old = load_keyring(KEYS)
        new, copied = old.with_new_key("k2"), _stored(engine)["ACborrower1"]
        with engine.begin() as connection:
            connection.execute(insert(identity_accounts), [{
                "account_id": "ACmoved", "role": "borrower", "user_handle": "h-moved", "status": "active",
                "privilege_epoch": 1, "created_at": 1, "display_name": copied,
            }])  # fmt: skip
            assert account_names.reseal(connection, new, batch=2) == (2, 2)
            assert account_names.reseal(connection, new, batch=2) == (2, 0)
            assert account_names.reseal(connection, new) == (0, 0)
        stored, retired = _stored(engine), new.without_keys_except_current()
        assert stored["ACmoved"] is None, "a name copied from another account never opens: dropped"
        for account_id, (_role, name) in PEOPLE.items():
            assert stored[account_id].startswith("enc1:k2:")  # type: ignore[union-attr]
            assert account_names.shown(account_id, stored[account_id], retired) == name
    finally:
        engine.dispose()
