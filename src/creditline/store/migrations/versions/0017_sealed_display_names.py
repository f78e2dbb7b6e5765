"""account names sealed (docs/security.md, finding 1): identity_accounts.display_name holds the field
cipher's ciphertext (up to 512 characters) or NULL when no name is kept, instead of the name in clear

Existing rows are converted in the same migration. With data keys in the environment
(CREDITLINE_KEYRING_FILE, or CREDITLINE_DATA_KEYS and CREDITLINE_BLIND_INDEX_KEY, as `creditline
serve` reads them) every name is encrypted, bound to its account id. Without keys a borrower's name
is dropped (NULL: the account is shown by its id, as for a borrower who signs up on a server without
keys) and an operator's stays as typed (staff names are not borrower personal data). Downgrading
opens what it can and writes the account id where nothing can be opened.

Revision ID: 0017_sealed_display_names
Revises: 0016_bank_statement_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_sealed_display_names"
down_revision = "0016_bank_statement_index"
branch_labels = None
depends_on = None

_accounts = sa.table(
    "identity_accounts",
    sa.column("account_id", sa.String),
    sa.column("role", sa.String),
    sa.column("display_name", sa.String),
)


def _keys():  # type: ignore[no-untyped-def]
    """The data keys the environment names, or None (the same variables `creditline serve` reads)."""
    import os

    from creditline.privacy.keyring import load_keyring
    from creditline.privacy.protection_errors import KeyringError

    try:
        return load_keyring(os.environ)
    except KeyringError:
        return None


def _address(account_id: str):  # type: ignore[no-untyped-def]
    from creditline.privacy.field_crypto import FieldAddress

    return FieldAddress("identity_accounts", "display_name", account_id)


def upgrade() -> None:
    from creditline.privacy.field_crypto import FieldCipher, is_ciphertext

    with op.batch_alter_table("identity_accounts", recreate="auto") as batch:
        batch.alter_column("display_name", existing_type=sa.String(64), type_=sa.String(512), nullable=True)
    connection, keys = op.get_bind(), _keys()
    rows = connection.execute(sa.select(_accounts.c.account_id, _accounts.c.role, _accounts.c.display_name)).all()
    for account_id, role, name in rows:
        if name is None or is_ciphertext(name):
            continue
        if keys is not None:
            stored = FieldCipher(keys).encrypt(name, _address(account_id))
        elif role == "borrower":
            stored = None
        else:
            continue
        connection.execute(_accounts.update().where(_accounts.c.account_id == account_id).values(display_name=stored))


def downgrade() -> None:
    from creditline.privacy.field_crypto import FieldCipher, is_ciphertext
    from creditline.privacy.protection_errors import DecryptionFailed, UnknownKey

    connection, keys = op.get_bind(), _keys()
    rows = connection.execute(sa.select(_accounts.c.account_id, _accounts.c.display_name)).all()
    for account_id, stored in rows:
        name = account_id if stored is None else stored
        if is_ciphertext(stored):
            try:
                name = account_id if keys is None else FieldCipher(keys).decrypt(stored, _address(account_id))
            except (DecryptionFailed, UnknownKey):
                name = account_id
        connection.execute(_accounts.update().where(_accounts.c.account_id == account_id).values(display_name=name[:64]))
    with op.batch_alter_table("identity_accounts", recreate="auto") as batch:
        batch.alter_column("display_name", existing_type=sa.String(512), type_=sa.String(64), nullable=False)
