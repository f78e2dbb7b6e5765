"""Demo accounts: one operator per role, each with a fresh one-time enrollment code, and the
development admin token for the API.

Enrollment codes are stored hashed and shown once, so a second run cannot show the first run's
codes again: it disables the demo operators who never enrolled and makes new ones (the old codes
stop working), and leaves an operator who did enrol a passkey as they are — they sign in with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

DEMO_OPERATORS = (
    ("admin", "Demo admin"),
    ("risk_analyst", "Demo risk analyst"),
    ("collections_agent", "Demo collections agent"),
    ("finance", "Demo finance"),
)
DEV_ACCOUNT_NAME = "demo dev admin"


@dataclass(frozen=True, slots=True)
class DemoOperator:
    role: str
    name: str
    account_id: str
    enrollment_code: str | None  # None: already enrolled, signs in with their passkey


def demo_operators(engine: Engine) -> list[DemoOperator]:
    from creditline.app.access import change_operator, create_operator, list_operators

    existing = list_operators(engine)
    made = []
    for role, name in DEMO_OPERATORS:
        mine = [o for o in existing if o["display_name"] == name and o["role"] == role]
        enrolled = next((o for o in mine if o["status"] == "active"), None)
        if enrolled is not None:
            made.append(DemoOperator(role, name, enrolled["account_id"], None))
            continue
        for stale in (o for o in mine if o["status"] == "pending"):
            change_operator(engine, stale["account_id"], role_text=None, status="disabled")
        created = create_operator(engine, name, role)
        made.append(DemoOperator(role, name, created["account_id"], created["enrollment_code"]))
    return made


def dev_admin_token(engine: Engine, origin: str) -> dict[str, Any]:
    """DEVELOPMENT ONLY, as `creditline serve --dev` prints it: an admin session for API calls."""
    from creditline.app.access import AccessConfig
    from creditline.app.dev_access import dev_session
    from creditline.identity.passkeys import RelyingParty

    config = AccessConfig(RelyingParty("localhost", "creditline", (origin,)))
    account, issued = dev_session(engine, config, "admin", DEV_ACCOUNT_NAME)
    return {"account_id": account["account_id"], "token": issued.token,
            "idle_minutes": config.policy.idle_s // 60, "lifetime_hours": config.policy.lifetime_s // 3600}  # fmt: skip
