"""A software passkey authenticator for the tests: ES256 keys (cryptography), CBOR (cbor2), "none" attestation.

It plays the phone's part in the WebAuthn ceremonies: `create` answers registration options with
an attestation object, `get` answers request options with a signed assertion. The user-present
and user-verified flags are settable per call, so a test can send an assertion without user
verification and expect the server to refuse it; the sign counter grows by one per assertion and
can be forced, to test a cloned authenticator.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40
AAGUID = bytes(16)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class StoredKey:
    private_key: ec.EllipticCurvePrivateKey
    user_handle: bytes
    rp_id: str
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    origin: str = "http://localhost"
    keys: dict[bytes, StoredKey] = field(default_factory=dict)

    # -- registration -----------------------------------------------------------------------------
    def create(self, options: dict[str, Any], *, uv: bool = True, up: bool = True, origin: str | None = None) -> dict[str, Any]:
        rp_id = options["rp"]["id"]
        credential_id = secrets.token_bytes(32)
        key = ec.generate_private_key(ec.SECP256R1())
        self.keys[credential_id] = StoredKey(key, unb64url(options["user"]["id"]), rp_id)
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = AAGUID + len(credential_id).to_bytes(2, "big") + credential_id + cose
        auth_data = self._auth_data(rp_id, up, uv, 0, FLAG_AT) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation), "transports": ["internal"]},
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # -- assertion --------------------------------------------------------------------------------
    def get(
        self,
        options: dict[str, Any],
        *,
        uv: bool = True,
        up: bool = True,
        credential_id: bytes | None = None,
        sign_count: int | None = None,
        origin: str | None = None,
    ) -> dict[str, Any]:
        rp_id = options["rpId"]
        chosen = credential_id or self._choose(options, rp_id)
        stored = self.keys[chosen]
        stored.sign_count = stored.sign_count + 1 if sign_count is None else sign_count
        auth_data = self._auth_data(rp_id, up, uv, stored.sign_count, 0)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = stored.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(chosen),
            "rawId": b64url(chosen),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(stored.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def _choose(self, options: dict[str, Any], rp_id: str) -> bytes:
        allowed = [unb64url(c["id"]) for c in options.get("allowCredentials", [])]
        for credential_id, stored in self.keys.items():
            if stored.rp_id == rp_id and (not allowed or credential_id in allowed):
                return credential_id
        raise LookupError("no passkey for this site")

    def _auth_data(self, rp_id: str, up: bool, uv: bool, sign_count: int, extra_flags: int) -> bytes:
        flags = (FLAG_UP if up else 0) | (FLAG_UV if uv else 0) | extra_flags
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + sign_count.to_bytes(4, "big")

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(data, separators=(",", ":")).encode()
