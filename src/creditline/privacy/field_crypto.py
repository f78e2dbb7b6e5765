"""Field-level encryption of personal data at rest: AES-256-GCM, one ciphertext per field value.

A stored value reads `enc1:<key id>:<base64url(nonce || ciphertext || tag)>`. The key id says
which key version decrypts it, so rotation can proceed row by row while the application runs.
The associated data binds the ciphertext to its table, column and row (and to the key id), so a
ciphertext copied onto another borrower's row, or from the phone column into the name column,
fails to decrypt instead of silently showing the wrong person's data.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from creditline.privacy.keyring import Keyring
from creditline.privacy.protection_errors import DecryptionFailed

PREFIX = "enc1"
NONCE_BYTES = 12  # random 96-bit nonces: safe for far more than 2**32 encryptions under one key
PLAINTEXT_BYTES_MAX = 4096
AAD_LABEL = b"creditline/field/v1"


@dataclass(frozen=True, slots=True)
class FieldAddress:
    """Where a value lives; it is bound into the ciphertext as associated data."""

    table: str
    column: str
    row_id: str

    def associated_data(self, key_id: str) -> bytes:
        parts = (self.table, self.column, self.row_id, key_id)
        # Length-prefixed so ("ab", "c") and ("a", "bc") can never produce the same bytes.
        return AAD_LABEL + b"".join(len(p.encode()).to_bytes(2, "big") + p.encode() for p in parts)


def is_ciphertext(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def key_id_of(token: str) -> str:
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionFailed("not an encrypted field value", field="ciphertext")
    return parts[1]


class FieldCipher:
    """Encrypts under the keyring's current key; decrypts under whichever key a value names."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def encrypt(self, plaintext: str, at: FieldAddress) -> str:
        data = plaintext.encode("utf-8")
        if len(data) > PLAINTEXT_BYTES_MAX:
            raise DecryptionFailed(f"a field value is at most {PLAINTEXT_BYTES_MAX} bytes", field=at.column)
        key_id = self.keyring.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keyring.key(key_id)).encrypt(nonce, data, at.associated_data(key_id))
        return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, at: FieldAddress) -> str:
        key_id = key_id_of(token)
        try:
            blob = base64.urlsafe_b64decode(token.split(":")[2])
        except (binascii.Error, ValueError) as exc:
            raise DecryptionFailed("the ciphertext is not base64", field=at.column) from exc
        if len(blob) < NONCE_BYTES + 16:
            raise DecryptionFailed("the ciphertext is truncated", field=at.column)
        try:
            data = AESGCM(self.keyring.key(key_id)).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                                             at.associated_data(key_id))
        except InvalidTag:
            raise DecryptionFailed(
                f"{at.table}.{at.column} of {at.row_id} does not decrypt: altered, or copied from elsewhere",
                field=at.column,
            ) from None
        return data.decode("utf-8")

    def encrypt_optional(self, plaintext: str | None, at: FieldAddress) -> str | None:
        return None if plaintext is None else self.encrypt(plaintext, at)

    def decrypt_optional(self, token: str | None, at: FieldAddress) -> str | None:
        return None if token is None else self.decrypt(token, at)

    def needs_rotation(self, token: str) -> bool:
        return key_id_of(token) != self.keyring.current

    def rotate(self, token: str, at: FieldAddress) -> str:
        """The value re-encrypted under the current key (a fresh nonce even when already current)."""
        return self.encrypt(self.decrypt(token, at), at)
