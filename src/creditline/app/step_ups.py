"""The step-up: a fresh, user-verified passkey assertion bound to one action of a signed-in account.

A session (a bearer token, a cookie) can be stolen; a passkey cannot be used without its owner's
finger. So what a thief holding only the session must not do asks for an assertion of one of the
account's own passkeys, answering a challenge bound to that action and account (single-use,
expiring after 5 minutes: `app.passkey_flows`): adding a passkey (it would outlive the session),
changing where the money goes — the repayment account, a repayment source — (the next disbursements
and refunds would be the thief's), taking a copy of the personal data (ID number, phone, card and
account numbers in clear) and erasing it (it cannot be undone). The assertion comes as the body's
`assertion`; without it `401 step_up_required` naming that field, and nothing has changed.

An account with no passkey (a `serve --dev` session, a sign-up that registered none) has nothing to
step up with, and its session is already its only credential: whoever holds it could sign in as
the account anyway. It acts on the session alone (`require_if_passkey` answers False), as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from creditline.app.access import AccessConfig
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository


@dataclass(frozen=True, slots=True)
class StepUp:
    """What a signed-in request brings to an action that needs a step-up: its account and the assertion
    it sent (None when it sent none)."""

    config: AccessConfig
    account_id: str
    assertion: Mapping[str, Any] | None = None


def has_passkey(engine: Engine, account_id: str) -> bool:
    with UnitOfWork(engine, read_only=True) as uow:
        return bool(IdentityRepository(uow.connection).credential_ids(account_id))


def require(engine: Engine, step_up: StepUp, binding: dict[str, Any], *, action: str, options_at: str) -> None:
    """The assertion verifies for exactly `binding`; `StepUpRequired` (naming `assertion` and where its
    options are asked, `options_at`) without one, a rejection naming `assertion` otherwise."""
    from creditline.app.monitoring import StepUpRequired
    from creditline.app.passkey_flows import STEP_UP_FIELD, verify_step_up

    if step_up.assertion is None:
        raise StepUpRequired(
            f"{action} needs a fresh passkey assertion (user verification) from this account: "
            f"ask {options_at} for its options, then send the assertion here",
            field=STEP_UP_FIELD,
        )
    verify_step_up(engine, step_up.config, step_up.account_id, binding, step_up.assertion)


def require_if_passkey(engine: Engine, step_up: StepUp, binding: dict[str, Any], *, action: str, options_at: str) -> bool:
    """`require` for an account with a passkey: True once the assertion verified. False for an account
    with none that sent none (it acts on the session alone); an assertion sent is always verified."""
    if step_up.assertion is None and not has_passkey(engine, step_up.account_id):
        return False
    require(engine, step_up, binding, action=action, options_at=options_at)
    return True
