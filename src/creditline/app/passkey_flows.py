"""The passkey ceremonies: register a borrower, enroll an operator, sign in, approve a drawdown.

Each ceremony is two calls. `begin_*` stores a challenge (single-use, expiring, bound to what it
authorises) and returns the options the browser hands to `navigator.credentials`; `finish_*`
takes the browser's response. A challenge is consumed in its own committed transaction before
the response is verified, so a response that fails verification has still used it up: the same
challenge never gets a second try. The credential row is locked while its assertion is verified,
so two racing assertions cannot both move the sign counter from the same value.

The name typed at registration goes to the browser as the passkey's user name, and is stored only
sealed (`app.account_names`): the challenge's binding already carries the ciphertext bound to the
new account's id, never the name itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from creditline.app import account_names
from creditline.app.access import AccessConfig, Principal, account_view, display_name, now_s, start_session
from creditline.app.common import new_id
from creditline.errors import Conflict
from creditline.identity.passkeys import (
    CHALLENGE_TTL_S,
    PasskeyRejected,
    authentication_options,
    b64url,
    bound_challenge,
    challenge_in,
    credential_id_in,
    new_nonce,
    new_user_handle,
    registration_options,
    verify_assertion,
    verify_new_credential,
)
from creditline.identity.roles import Role
from creditline.identity.sessions import IssuedSession, token_hash
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository

CREDENTIAL_BYTES_MAX = 16 * 1024
STEP_UP_FIELD = "assertion"  # the input every step-up's answer comes as; a sign-in's is `credential`


def _store_challenge(engine: Engine, purpose: str, account_id: str | None, binding: dict[str, Any]) -> bytes:
    now, nonce = now_s(), new_nonce()
    challenge = bound_challenge(nonce, binding)
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        repository.purge_challenges(now - CHALLENGE_TTL_S)
        repository.add_challenge(
            {
                "challenge": b64url(challenge),
                "purpose": purpose,
                "account_id": account_id,
                "binding_json": json.dumps({"nonce": b64url(nonce), "binding": binding}, sort_keys=True),
                "created_at": now,
                "expires_at": now + CHALLENGE_TTL_S,
            }
        )
        uow.commit()
    return challenge


def _take_challenge(
    engine: Engine, credential: Mapping[str, Any], purposes: tuple[str, ...], *, field: str = "credential"
) -> tuple[bytes, dict[str, Any]]:
    """Consume the challenge the response answers; (challenge, its binding) or a rejection naming `field`,
    the input the response came as (a sign-in's `credential`, a step-up's `assertion`)."""
    if not isinstance(credential, Mapping) or len(json.dumps(credential, default=str)) > CREDENTIAL_BYTES_MAX:
        raise PasskeyRejected("the passkey response is malformed or too large", field=field, code="malformed")
    challenge = challenge_in(credential, field=field)
    now = now_s()
    with UnitOfWork(engine) as uow:
        row = IdentityRepository(uow.connection).take_challenge(b64url(challenge), now)
        uow.commit()
    if row is None:
        raise PasskeyRejected("this challenge is unknown or was already used", field=field, code="challenge_used")
    if row["purpose"] not in purposes:
        raise PasskeyRejected("this challenge was issued for another ceremony", field=field, code="challenge_purpose")
    if now >= row["expires_at"]:
        raise PasskeyRejected("this challenge has expired; start again", field=field, code="challenge_expired")
    stored = json.loads(row["binding_json"])
    from webauthn.helpers import base64url_to_bytes

    assert bound_challenge(base64url_to_bytes(stored["nonce"]), stored["binding"]) == challenge, "stored challenge binds"
    return challenge, {"account_id": row["account_id"], "purpose": row["purpose"], **stored["binding"]}


# -- registration: a new borrower, or an operator redeeming an enrollment code --------------------


def begin_registration(engine: Engine, config: AccessConfig, name: str) -> dict[str, Any]:
    """Options to create a passkey for a new borrower account (created when the passkey verifies)."""
    handle, account_id, typed = b64url(new_user_handle()), new_id("AC"), display_name(name)
    stored = account_names.sealed(account_id, str(Role.BORROWER), typed)
    binding = {"account_id": account_id, "user_handle": handle, "display_name": stored}
    challenge = _store_challenge(engine, "register", None, binding)
    from webauthn.helpers import base64url_to_bytes

    return {
        "publicKey": registration_options(
            config.rp, user_handle=base64url_to_bytes(handle), user_name=typed, challenge=challenge
        )
    }


def begin_enrollment(engine: Engine, config: AccessConfig, code: str) -> dict[str, Any]:
    """Options for an operator to create their passkey with the one-time code an admin gave them."""
    if not isinstance(code, str) or not 1 <= len(code) <= 128:
        raise PasskeyRejected("the enrollment code is unknown or expired", field="enrollment_code", code="enrollment_invalid")
    with UnitOfWork(engine, read_only=True) as uow:
        account = IdentityRepository(uow.connection).account_by_enrollment(token_hash(code))
    if account is None or account["status"] != "pending" or now_s() >= (account["enrollment_expires_at"] or 0):
        raise PasskeyRejected("the enrollment code is unknown or expired", field="enrollment_code", code="enrollment_invalid")
    binding = {"enrollment_hash": account["enrollment_hash"]}
    challenge = _store_challenge(engine, "enroll", account["account_id"], binding)
    from webauthn.helpers import base64url_to_bytes

    options = registration_options(
        config.rp, user_handle=base64url_to_bytes(account["user_handle"]),
        user_name=account_names.shown(account["account_id"], account["display_name"]), challenge=challenge,
    )  # fmt: skip
    return {"publicKey": options}


def finish_registration(engine: Engine, config: AccessConfig, credential: Mapping[str, Any]) -> tuple[dict[str, Any], IssuedSession]:
    """Verify the new passkey (user verification required), store it, and sign the account in."""
    challenge, bound = _take_challenge(engine, credential, ("register", "enroll"))
    new = verify_new_credential(config.rp, credential, challenge)
    now = now_s()
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        if repository.credential(new.credential_id) is not None:
            raise Conflict("this passkey is already registered", field="credential", code="credential_exists")
        account = _registered_account(repository, bound, now)
        repository.add_credential(
            {
                "credential_id": new.credential_id,
                "account_id": account["account_id"],
                "public_key": new.public_key,
                "sign_count": new.sign_count,
                "backed_up": int(new.backed_up),
                "created_at": now,
                "last_used_at": now,
            }
        )
        issued = start_session(uow, account, config, now)
        uow.commit()
    return account_view(account), issued


def _registered_account(repository: IdentityRepository, bound: dict[str, Any], now: int) -> dict[str, Any]:
    if bound["purpose"] == "register":
        account = {
            "account_id": bound["account_id"],
            "role": str(Role.BORROWER),
            "display_name": bound["display_name"],
            "user_handle": bound["user_handle"],
            "borrower_id": None,
            "status": "active",
            "privilege_epoch": 1,
            "created_at": now,
        }
        repository.add_account(account)
        return account
    account = repository.account(bound["account_id"], for_update=True)
    if account is None or account["status"] != "pending" or account["enrollment_hash"] != bound["enrollment_hash"]:
        raise PasskeyRejected("the enrollment code was already used", field="enrollment_code", code="enrollment_invalid")
    if now >= (account["enrollment_expires_at"] or 0):  # it may have run out since the options were given
        raise PasskeyRejected("the enrollment code has expired", field="enrollment_code", code="enrollment_invalid")
    changes = {"status": "active", "enrollment_hash": None, "enrollment_expires_at": None}
    repository.update_account(account["account_id"], **changes)
    return account | changes


# -- another passkey for a signed-in account (a new phone) ----------------------------------------
# A session alone does not add a passkey: one stolen with a cookie or a token would otherwise give the
# thief a passkey of their own, outliving the session and every password-less sign-in after it. Adding
# one is a step-up (`app.step_ups`), as a change of repayment account is: a fresh user-verified assertion
# of a passkey the account already has, on a challenge bound to this action and this account.
# An account with no passkey has nothing to step up with, and a stolen session of it could sign in as
# it anyway; its first passkey is added on the session alone.


def add_passkey_binding(account_id: str) -> dict[str, Any]:
    """What the step-up assertion approving a new passkey signs for."""
    return {"add_passkey": account_id}


def begin_add_passkey_approval(engine: Engine, config: AccessConfig, principal: Principal) -> dict[str, Any]:
    """Options for the step-up assertion (one of the account's own passkeys) that lets it add another."""
    return begin_step_up(engine, config, principal.account_id, add_passkey_binding(principal.account_id))


def begin_add_passkey(
    engine: Engine, config: AccessConfig, principal: Principal, assertion: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Options to create another passkey, once `assertion` (the step-up) verifies; `StepUpRequired` without it.

    An account with no passkey yet (a `serve --dev` session, a sign-up that registered none) has none
    to step up with: its first passkey is added on the session alone, and the challenge says so, so
    it cannot add a second one once the first exists (`finish_add_passkey`)."""
    from webauthn.helpers import base64url_to_bytes

    with UnitOfWork(engine, read_only=True) as uow:
        repository = IdentityRepository(uow.connection)
        account = repository.account(principal.account_id)
        existing = repository.credential_ids(principal.account_id)
    assert account is not None, "a signed-in account exists"
    if existing:
        _step_up(engine, config, principal, assertion)
    challenge = _store_challenge(engine, "add_passkey", principal.account_id, {} if existing else {"first": True})
    options = registration_options(
        config.rp, user_handle=base64url_to_bytes(account["user_handle"]),
        user_name=account_names.shown(account["account_id"], account["display_name"]), challenge=challenge,
        exclude=existing,
    )  # fmt: skip
    return {"publicKey": options}


def _step_up(engine: Engine, config: AccessConfig, principal: Principal, assertion: Mapping[str, Any] | None) -> None:
    """The step-up assertion approving a new passkey verifies, or `StepUpRequired` / a rejection."""
    from creditline.app import step_ups

    step_up = step_ups.StepUp(config, principal.account_id, assertion)
    binding = add_passkey_binding(principal.account_id)
    step_ups.require(engine, step_up, binding, action="adding a passkey", options_at="POST /v1/session/passkeys/approvals")


def finish_add_passkey(engine: Engine, config: AccessConfig, principal: Principal, credential: Mapping[str, Any]) -> dict[str, Any]:
    """Store another passkey (user verification required) for the account that asked for the options."""
    challenge, bound = _take_challenge(engine, credential, ("add_passkey",))
    if bound["account_id"] != principal.account_id:
        raise PasskeyRejected("this challenge was issued to someone else", field="credential", code="challenge_account")
    new = verify_new_credential(config.rp, credential, challenge)
    now = now_s()
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        # The account row is locked so two first-passkey challenges cannot both find no passkey.
        repository.account(principal.account_id, for_update=True)
        if bound.get("first") and repository.credential_ids(principal.account_id):
            raise PasskeyRejected(
                "this account has a passkey now: adding another needs the step-up (POST /v1/session/passkeys/approvals)",
                field="credential", code="step_up_required",
            )  # fmt: skip
        if repository.credential(new.credential_id) is not None:
            raise Conflict("this passkey is already registered", field="credential", code="credential_exists")
        repository.add_credential(
            {
                "credential_id": new.credential_id, "account_id": principal.account_id, "public_key": new.public_key,
                "sign_count": new.sign_count, "backed_up": int(new.backed_up), "created_at": now, "last_used_at": now,
            }
        )  # fmt: skip
        passkeys = len(repository.credential_ids(principal.account_id))
        uow.commit()
    return {"account_id": principal.account_id, "passkeys": passkeys}


# -- assertions: sign-in, and a step-up (approving a drawdown or another sensitive action) -------


def begin_sign_in(engine: Engine, config: AccessConfig) -> dict[str, Any]:
    """Options for a discoverable-credential sign-in: the phone offers the passkeys it holds."""
    challenge = _store_challenge(engine, "sign_in", None, {})
    return {"publicKey": authentication_options(config.rp, challenge=challenge)}


def finish_sign_in(engine: Engine, config: AccessConfig, credential: Mapping[str, Any]) -> tuple[dict[str, Any], IssuedSession]:
    challenge, _ = _take_challenge(engine, credential, ("sign_in",))
    now = now_s()
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        account = _assert(repository, config, credential, challenge, None, now)
        issued = start_session(uow, account, config, now)
        uow.commit()
    return account_view(account), issued


# A step-up's stored challenge: its purpose and the key of its binding. Both still read "drawdown", the
# first step-up's name, so that challenges already issued verify across an upgrade; every step-up uses them.
STEP_UP_PURPOSE = "drawdown"
_BOUND = "drawdown"


def begin_step_up(engine: Engine, config: AccessConfig, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """Options for approving one action by passkey (a step-up): the challenge commits to `request`, the
    action's binding — a drawdown's line, amount, term and method, or another step-up's own binding
    (adding a passkey, a repayment account or source, the borrower's export or erasure)."""
    with UnitOfWork(engine, read_only=True) as uow:
        allowed = IdentityRepository(uow.connection).credential_ids(account_id)
    challenge = _store_challenge(engine, STEP_UP_PURPOSE, account_id, {_BOUND: request})
    return {"publicKey": authentication_options(config.rp, challenge=challenge, allow=allowed)}


def verify_step_up(
    engine: Engine, config: AccessConfig, account_id: str, request: dict[str, Any], credential: Mapping[str, Any]
) -> None:
    """A fresh, user-verified assertion for exactly this action (`request`, its binding) by this account,
    or a rejection.

    Every step-up sends it as `assertion` (a drawdown, adding a passkey, a repayment account or source,
    the borrower's export or erasure request):
    each rejection names that field, as the binding checks here do, not the sign-in's `credential`."""
    challenge, bound = _take_challenge(engine, credential, (STEP_UP_PURPOSE,), field=STEP_UP_FIELD)
    if bound["account_id"] != account_id:
        raise PasskeyRejected("this approval was issued to someone else", field=STEP_UP_FIELD, code="challenge_account")
    if json.dumps(bound[_BOUND], sort_keys=True) != json.dumps(request, sort_keys=True):
        raise PasskeyRejected("the passkey approved another action or request", field=STEP_UP_FIELD, code="binding_mismatch")
    with UnitOfWork(engine) as uow:
        _assert(IdentityRepository(uow.connection), config, credential, challenge, account_id, now_s(), field=STEP_UP_FIELD)
        uow.commit()


def _assert(
    repository: IdentityRepository,
    config: AccessConfig,
    credential: Mapping[str, Any],
    challenge: bytes,
    account_id: str | None,
    now: int,
    *,
    field: str = "credential",
) -> dict[str, Any]:
    """Verify an assertion against its stored passkey (row locked) and count the use; the account. A
    rejection names `field`, the input the assertion came as."""
    stored = repository.credential(credential_id_in(credential, field=field), for_update=True)
    if stored is None or (account_id is not None and stored["account_id"] != account_id):
        raise PasskeyRejected("this passkey is not registered here", field=field, code="credential_unknown")
    account = repository.account(stored["account_id"])
    assert account is not None, "a credential belongs to an account (foreign key)"
    if account["status"] != "active":
        raise PasskeyRejected("this account cannot sign in", field=field, code="account_inactive")
    count = verify_assertion(config.rp, credential, challenge, bytes(stored["public_key"]), stored["sign_count"], field=field)
    repository.count_use(stored["credential_id"], count, now)
    return account
