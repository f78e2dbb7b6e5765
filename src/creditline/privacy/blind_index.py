"""Blind indexes: keyed hashes that let an encrypted ID number or phone be found without decrypting.

Fraud velocity checks ask "how many applications used this phone in the last week?"; with the
phone encrypted under a random nonce, equal phones have unequal ciphertexts. An HMAC-SHA256 of the
normalised value under a secret key, kept beside the ciphertext, answers equality and nothing else.
Each kind of value gets its own derived key, so the index of an ID number cannot be matched
against the index of a phone. The key lives with the data keys, never in the database: ID numbers
and phone numbers are few enough to enumerate, so an unkeyed hash would be no protection at all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

from creditline.errors import DomainError

INDEX_BYTES = 16  # 128 bits: collisions are out of reach and the column stays short
INDEX_LABEL = b"creditline/blind-index/v1/"


class IndexedKind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    BANK_ACCOUNT = "bank_account"
    DEVICE_ID = "device_id"


class InvalidIndexedValue(DomainError):
    code = "invalid_indexed_value"


_SEPARATORS = re.compile(r"[\s\-()]")


def normalise(kind: IndexedKind, value: str) -> str:
    """One spelling per value, so that "138 1234 5678" and "+86 13812345678" index the same."""
    text = _SEPARATORS.sub("", value)
    if kind is IndexedKind.ID_NUMBER:
        text = text.upper()
    elif kind is IndexedKind.PHONE:
        for prefix in ("+86", "0086"):
            if text.startswith(prefix) and len(text) == len(prefix) + 11:
                text = text[len(prefix):]
    if not text:
        raise InvalidIndexedValue("an indexed value cannot be empty", field=str(kind))
    return text


class BlindIndexer:
    def __init__(self, key: bytes) -> None:
        assert len(key) >= 32, "a blind index key has at least 256 bits"
        self._keys = {kind: hmac.new(key, INDEX_LABEL + kind.value.encode(), hashlib.sha256).digest()
                      for kind in IndexedKind}

    def index(self, kind: IndexedKind, value: str) -> str:
        mac = hmac.new(self._keys[kind], normalise(kind, value).encode("utf-8"), hashlib.sha256)
        return mac.digest()[:INDEX_BYTES].hex()
