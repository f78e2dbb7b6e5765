"""DEVELOPMENT ONLY: an account and a session without a passkey, for local work and benchmarks.

`creditline serve --dev` calls this to print an admin token on start, and refuses to when the
environment is production (see `api.settings`). Benchmarks call it directly against their own
database. Nothing in the request path can reach it: there is no route that mints tokens.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from creditline.app import account_names
from creditline.app.access import AccessConfig, account_view, display_name, now_s, start_session
from creditline.app.common import new_id
from creditline.identity.passkeys import b64url, new_user_handle
from creditline.identity.roles import role_named
from creditline.identity.sessions import IssuedSession
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository


def dev_session(
    engine: Engine, config: AccessConfig, role: str, name: str, *, borrower_id: str | None = None
) -> tuple[dict[str, Any], IssuedSession]:
    now, account_id, role_text = now_s(), new_id("DV"), str(role_named(role))
    account = {
        "account_id": account_id,
        "role": role_text,
        "display_name": account_names.sealed(account_id, role_text, display_name(name)),
        "user_handle": b64url(new_user_handle()),
        "borrower_id": borrower_id,
        "status": "active",
        "privilege_epoch": 1,
        "created_at": now,
    }
    with UnitOfWork(engine) as uow:
        IdentityRepository(uow.connection).add_account(account)
        issued = start_session(uow, account, config, now)
        uow.commit()
    return account_view(account), issued
