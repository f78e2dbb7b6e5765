"""The name an account is shown by: kept only encrypted (docs/security.md, finding 1).

The name a person types when creating their account is personal data. It is sealed with the field
cipher of the personal-data vault (AES-256-GCM, `privacy.field_crypto`) under the keyring's current
key, bound to (identity_accounts, display_name, account id): a stolen database shows ciphertext, and
a ciphertext copied onto another account does not decrypt. It is opened only where it is shown:
the signed-in principal's own name, an operator list, the user name offered to a new passkey.

Without data keys (development, tests) the vault stores nothing (`vault_unavailable`), and so here:
a borrower's typed name is not kept at all, and the account is shown by its id. Staff names are not
borrower personal data: without keys an operator's name is kept as typed, so the console can tell
operators apart. A name that cannot be opened (its key retired, or the ciphertext moved) is shown
as the account id too: a greeting is never worth a failed request.
"""

from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import Connection, func, select, update

from creditline.identity.roles import Role
from creditline.privacy.field_crypto import PREFIX, FieldAddress, FieldCipher, is_ciphertext
from creditline.privacy.keyring import (
    ENV_CURRENT,
    ENV_DATA_KEYS,
    ENV_FILE,
    ENV_INDEX_KEY,
    Keyring,
    load_keyring,
)
from creditline.privacy.protection_errors import DecryptionFailed, KeyringError, UnknownKey
from creditline.store.tables_identity import identity_accounts

TABLE, COLUMN = "identity_accounts", "display_name"
RESEAL_BATCH = 1_000


def address(account_id: str) -> FieldAddress:
    return FieldAddress(TABLE, COLUMN, account_id)


def _file_stamp(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=8)
def _keyring_for(settings: tuple[str, ...], stamp: int) -> Keyring | None:
    environ = dict(zip((ENV_FILE, ENV_DATA_KEYS, ENV_CURRENT, ENV_INDEX_KEY), settings, strict=True))
    try:
        return load_keyring({k: v for k, v in environ.items() if v})
    except KeyringError:
        return None


def keyring() -> Keyring | None:
    """The data keys this process was given, or None (the same environment the vault reads).

    Read once per setting (and per change of the keyring file), not on every request."""
    settings = tuple(os.environ.get(name, "") for name in (ENV_FILE, ENV_DATA_KEYS, ENV_CURRENT, ENV_INDEX_KEY))
    return _keyring_for(settings, _file_stamp(settings[0]) if settings[0] else 0)


def sealed(account_id: str, role: str, name: str, keys: Keyring | None = None) -> str | None:
    """What `identity_accounts.display_name` stores for a name just typed (already validated)."""
    keys = keys if keys is not None else keyring()
    if keys is not None:
        return FieldCipher(keys).encrypt(name, address(account_id))
    return None if role == Role.BORROWER else name


def shown(account_id: str, stored: str | None, keys: Keyring | None = None) -> str:
    """The name to show for what `display_name` holds: opened, as typed (staff without keys), or the id."""
    if stored is None:
        return account_id
    if not is_ciphertext(stored):
        return stored
    keys = keys if keys is not None else keyring()
    if keys is None:
        return account_id
    try:
        return FieldCipher(keys).decrypt(stored, address(account_id))
    except (DecryptionFailed, UnknownKey):
        return account_id


def reseal(connection: Connection, keys: Keyring, batch: int = RESEAL_BATCH) -> tuple[int, int]:
    """Re-encrypt up to `batch` names still under an older key: (re-sealed, still under old keys).

    What `creditline keys rotate` does for the vault, for account names, so `keys retire` leaves
    none unopenable; call until nothing is re-sealed. A name that no longer opens (moved, or its key
    already retired) is dropped: it could only ever be shown as the account id."""
    a = identity_accounts.c
    current = f"{PREFIX}:{keys.current}:%"
    old = a.display_name.like(f"{PREFIX}:%") & ~a.display_name.like(current)
    rows = connection.execute(select(a.account_id, a.display_name).where(old).order_by(a.account_id).limit(batch)).all()
    cipher = FieldCipher(keys)
    for account_id, token in rows:
        try:
            fresh: str | None = cipher.rotate(token, address(account_id))
        except (DecryptionFailed, UnknownKey):
            fresh = None
        connection.execute(update(identity_accounts).where(a.account_id == account_id).values(display_name=fresh))
    left = connection.execute(select(func.count()).select_from(identity_accounts).where(old)).scalar_one()
    return len(rows), left
