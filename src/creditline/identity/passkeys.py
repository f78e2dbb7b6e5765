"""Passkeys (WebAuthn) through the `webauthn` package, with user verification always required.

The phone's fingerprint or face unlock is what makes a passkey sign-in strong, so every ceremony
here passes `require_user_verification=True`: an assertion with the UV flag clear is refused, for
sign-in and for every drawdown. A drawdown's challenge is bound to the request it authorises: the
challenge is SHA-256 over a random nonce and the canonical request (line, amount, term, method),
so the authenticator's signature covers exactly what the borrower agreed to. Challenges are
single-use and expire; the store enforces both (see `app.passkey_flows`). Sign counters must grow
whenever either side has seen a non-zero count (the `webauthn` package's rule), which catches a
cloned authenticator.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from creditline.errors import DomainError

CHALLENGE_TTL_S = 300
NONCE_BYTES = 32
USER_HANDLE_BYTES = 32
_DOMAIN = b"creditline-webauthn-challenge-v1\x00"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{1,1400}")  # a credential id as WebAuthn encodes it (1023 bytes at most)


class PasskeyRejected(DomainError):
    """A registration or assertion that does not verify: the reason is in `code`, never more."""

    code = "passkey_rejected"
    http_status = 401


@dataclass(frozen=True, slots=True)
class RelyingParty:
    rp_id: str  # the site's registrable domain, e.g. "creditline.example" or "localhost"
    name: str
    origins: tuple[str, ...]  # e.g. ("https://creditline.example",)

    def __post_init__(self) -> None:
        assert self.rp_id and self.origins, "a relying party has an id and at least one origin"


@dataclass(frozen=True, slots=True)
class NewCredential:
    credential_id: str  # base64url, as the browser reports it
    public_key: bytes  # COSE key
    sign_count: int
    backed_up: bool


def new_nonce() -> bytes:
    return secrets.token_bytes(NONCE_BYTES)


def new_user_handle() -> bytes:
    return secrets.token_bytes(USER_HANDLE_BYTES)


def canonical(binding: Mapping[str, Any] | None) -> bytes:
    if binding is None:
        return b""
    return json.dumps(dict(binding), sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def bound_challenge(nonce: bytes, binding: Mapping[str, Any] | None) -> bytes:
    """The challenge the authenticator signs: commits to the nonce and to the request it authorises."""
    return hashlib.sha256(_DOMAIN + nonce + canonical(binding)).digest()


def b64url(data: bytes) -> str:
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(data)


def registration_options(
    rp: RelyingParty, *, user_handle: bytes, user_name: str, challenge: bytes, exclude: Sequence[str] = ()
) -> dict[str, Any]:
    """`PublicKeyCredentialCreationOptions` as JSON: a discoverable ES256/Ed25519/RS256 key, UV required."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_name=user_name,
        user_id=user_handle,
        challenge=challenge,
        timeout=CHALLENGE_TTL_S * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude],
    )
    return json.loads(options_to_json(options))


def authentication_options(rp: RelyingParty, *, challenge: bytes, allow: Sequence[str] = ()) -> dict[str, Any]:
    """`PublicKeyCredentialRequestOptions` as JSON; an empty `allow` lets the phone offer its passkeys."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        timeout=CHALLENGE_TTL_S * 1000,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in allow],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return json.loads(options_to_json(options))


def challenge_in(credential: Mapping[str, Any], *, field: str = "credential") -> bytes:
    """The challenge a browser response answers (read before verifying, to find the stored one); a
    refusal names `field`, the input the response came as."""
    from webauthn.helpers import base64url_to_bytes

    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = base64url_to_bytes(client_data["challenge"])
    except Exception:  # untrusted input: any shape the parser chokes on is the same refusal
        raise PasskeyRejected("the response carries no readable challenge", field=field, code="malformed") from None
    if not challenge or len(challenge) > 64:
        raise PasskeyRejected("the response carries no readable challenge", field=field, code="malformed")
    return challenge


def credential_id_in(credential: Mapping[str, Any], *, field: str = "credential") -> str:
    found = credential.get("id") if isinstance(credential, Mapping) else None
    if not isinstance(found, str) or not _BASE64URL.fullmatch(found):
        raise PasskeyRejected("the response names no credential", field=field, code="malformed")
    return found


def verify_new_credential(rp: RelyingParty, credential: Mapping[str, Any], challenge: bytes) -> NewCredential:
    from webauthn import verify_registration_response
    from webauthn.helpers.structs import CredentialDeviceType

    try:
        verified = verify_registration_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=list(rp.origins),
            require_user_presence=True,
            require_user_verification=True,
        )
    except Exception as exc:  # the package raises several types (and ValueError on bad base64)
        raise _rejection(exc) from None
    return NewCredential(
        credential_id=b64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        backed_up=verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE,
    )


def verify_assertion(
    rp: RelyingParty, credential: Mapping[str, Any], challenge: bytes, public_key: bytes, sign_count: int,
    *, field: str = "credential",
) -> int:
    """Verify a sign-in or drawdown assertion; returns the authenticator's new sign count (a refusal names `field`)."""
    from webauthn import verify_authentication_response

    try:
        verified = verify_authentication_response(
            credential=dict(credential),
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=list(rp.origins),
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except Exception as exc:
        raise _rejection(exc, field) from None
    assert verified.user_verified, "require_user_verification=True refuses a response without UV"
    return verified.new_sign_count


_REASONS = (
    ("user verification is required", "user_verification_required", "the authenticator did not verify the user"),
    ("sign count", "sign_count_not_increased", "the authenticator's sign counter did not increase"),
    ("challenge", "challenge_mismatch", "the response answers a different challenge"),
    ("origin", "origin_mismatch", "the response comes from another origin"),
    ("rp id", "rp_mismatch", "the response is for another relying party"),
    ("signature", "signature_invalid", "the signature does not verify"),
    ("not present", "user_not_present", "the user was not present"),
)


def _rejection(exc: Exception, field: str = "credential") -> PasskeyRejected:
    text = str(exc).lower()
    for needle, code, message in _REASONS:
        if needle in text:
            return PasskeyRejected(message, field=field, code=code)
    return PasskeyRejected("the passkey response does not verify", field=field, code="invalid_response")
