"""Signed tree heads and record receipts, Ed25519 (cryptography).

A `TreeHead` states "the log `log_id` held `tree_size` records with this root on this business
date"; signed and published at each EOD, it is the anchor outsiders keep. A `RecordReceipt` is the
same promise made for every record as it is sequenced: "record `seq` has this leaf hash and the log
of `seq + 1` records has this root". Receipts let a verifier name the exact record someone with
database access but without the signing key altered, deleted or moved.

What is signed is a fixed binary layout with a distinct prefix per statement type, so a signature
over one kind of statement can never be replayed as another.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from creditline.ledger.transparency.errors import InvalidKey, InvalidProof, InvalidSignature
from creditline.ledger.transparency.merkle import HASH_SIZE

HEAD_PREFIX = b"creditline/tree-head/v1\x00"
# A head that also states "this database's books are logged in full": a journal entry or loan event with
# no log record is then tampering, whatever the database's own `audit_books_logged` row says.
HEAD_BOOKS_LOGGED_PREFIX = b"creditline/tree-head/v2-books-logged\x00"
RECEIPT_PREFIX = b"creditline/record-receipt/v1\x00"
LOG_ID_BYTES_MAX = 255


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short stable name for a public key: the first 8 bytes of SHA-256 of its raw form, hex."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"not a PEM private key: {exc}", field="signing_key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidKey("the signing key must be Ed25519", field="signing_key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise InvalidKey(f"not a PEM public key: {exc}", field="public_key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidKey("the public key must be Ed25519", field="public_key")
    return key


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _log_id_bytes(log_id: str) -> bytes:
    raw = log_id.encode("utf-8")
    if not 1 <= len(raw) <= LOG_ID_BYTES_MAX:
        raise InvalidProof(f"a log id is 1..{LOG_ID_BYTES_MAX} bytes", field="log_id")
    return struct.pack(">B", len(raw)) + raw


def _check_hash(value: bytes, field: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InvalidProof(f"{field} is a {HASH_SIZE}-byte SHA-256 hash", field=field)


def _verify(public_key: Ed25519PublicKey, signature: bytes, message: bytes, what: str) -> None:
    try:
        public_key.verify(signature, message)
    except _CryptoInvalidSignature as exc:
        raise InvalidSignature(
            f"the signature on {what} does not verify under this key", field="signature"
        ) from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise InvalidProof(f"{field} is not base64", field=field) from exc


def _unhex(text: str, field: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except (ValueError, TypeError) as exc:
        raise InvalidProof(f"{field} is not hex", field=field) from exc


@dataclass(frozen=True, slots=True)
class TreeHead:
    log_id: str
    tree_size: int
    root_hash: bytes
    business_date: date
    books_logged: bool = False  # signed: the books were logged in full when the head was published

    def __post_init__(self) -> None:
        _log_id_bytes(self.log_id)
        _check_hash(self.root_hash, "root_hash")
        if (
            isinstance(self.tree_size, bool)
            or not isinstance(self.tree_size, int)
            or not 0 <= self.tree_size < 2**63
        ):
            raise InvalidProof("tree_size is a count of records", field="tree_size")
        if not isinstance(self.business_date, date):
            raise InvalidProof("business_date is a date", field="business_date")
        if not isinstance(self.books_logged, bool):
            raise InvalidProof("books_logged is true or false", field="books_logged")

    def signing_input(self) -> bytes:
        # A head without the statement keeps the v1 layout, so heads published before it still verify.
        return (
            (HEAD_BOOKS_LOGGED_PREFIX if self.books_logged else HEAD_PREFIX)
            + _log_id_bytes(self.log_id)
            + struct.pack(">Q", self.tree_size)
            + self.business_date.isoformat().encode("ascii")
            + self.root_hash
        )


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    head: TreeHead
    key_id: str
    signature: bytes

    def verify(self, public_key: Ed25519PublicKey) -> None:
        if self.key_id != key_id_of(public_key):
            raise InvalidSignature(
                f"the head was signed by key {self.key_id}, not {key_id_of(public_key)}", field="key_id"
            )
        _verify(
            public_key,
            self.signature,
            self.head.signing_input(),
            f"the head of {self.head.tree_size} records",
        )

    def to_json(self) -> dict[str, object]:
        head: dict[str, object] = {
            "log_id": self.head.log_id,
            "tree_size": self.head.tree_size,
            "root_hash": self.head.root_hash.hex(),
            "business_date": self.head.business_date.isoformat(),
            "key_id": self.key_id,
            "signature": _b64(self.signature),
        }
        return head | {"books_logged": True} if self.head.books_logged else head

    @classmethod
    def from_json(cls, raw: dict) -> SignedTreeHead:
        try:
            head = TreeHead(
                str(raw["log_id"]),
                raw["tree_size"],
                _unhex(raw["root_hash"], "root_hash"),
                date.fromisoformat(raw["business_date"]),
                raw.get("books_logged", False),
            )
            return cls(head, str(raw["key_id"]), _unb64(raw["signature"], "signature"))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidProof):
                raise
            raise InvalidProof(f"not a signed tree head: {exc}", field="head") from exc


def sign_head(head: TreeHead, private_key: Ed25519PrivateKey) -> SignedTreeHead:
    return SignedTreeHead(head, key_id_of(private_key.public_key()), private_key.sign(head.signing_input()))


@dataclass(frozen=True, slots=True)
class RecordReceipt:
    """The log's signed word on one sequenced record: its position, its leaf hash, the root after it."""

    log_id: str
    seq: int
    leaf_hash: bytes
    root_hash: bytes
    signature: bytes

    def signing_input(self) -> bytes:
        return receipt_signing_input(self.log_id, self.seq, self.leaf_hash, self.root_hash)

    def verify(self, public_key: Ed25519PublicKey) -> None:
        _verify(public_key, self.signature, self.signing_input(), f"the receipt of record {self.seq}")


def receipt_signing_input(log_id: str, seq: int, leaf_digest: bytes, root: bytes) -> bytes:
    _check_hash(leaf_digest, "leaf_hash")
    _check_hash(root, "root_hash")
    return RECEIPT_PREFIX + _log_id_bytes(log_id) + struct.pack(">Q", seq) + leaf_digest + root


def sign_receipt(
    log_id: str, seq: int, leaf_digest: bytes, root: bytes, private_key: Ed25519PrivateKey
) -> RecordReceipt:
    signature = private_key.sign(receipt_signing_input(log_id, seq, leaf_digest, root))
    return RecordReceipt(log_id, seq, leaf_digest, root, signature)
