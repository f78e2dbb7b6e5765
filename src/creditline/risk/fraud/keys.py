"""Signal keys: PII values hashed to 64-bit integers before they enter any fraud index.

The index never holds a raw ID number or phone: a keyed BLAKE2b digest, namespaced by kind, so
the same phone number as an applicant's own phone and as someone's contact is the same key.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum


class SignalKind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"  # the applicant's own phone and the phones in their contacts share this kind
    DEVICE = "device"
    IP = "ip"
    BANK_CARD = "bank_card"


def signal_key(kind: SignalKind, value: str, *, salt: bytes = b"creditline") -> int:
    """A signed 64-bit key for (kind, value); never 0, which the indexes use for "absent"."""
    digest = hashlib.blake2b(f"{kind}\x1f{value}".encode(), digest_size=8, key=salt[:64]).digest()
    key = int.from_bytes(digest, "big", signed=True)
    return key or 1
