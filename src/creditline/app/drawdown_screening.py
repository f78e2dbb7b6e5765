"""Transaction monitoring in front of a borrower's drawdown: who is drawing, from where, to which account.

The drawdown path (`app.drawdowns.draw_approved`, used by the API and the borrower app) calls
`screen_drawdown` after the passkey approval has been verified and before any money moves:

- **The approval is the step-up.** Every drawdown already carries a fresh passkey assertion with
  user verification, bound by its challenge to exactly this line, amount, term and method. A
  second prompt would ask the same authenticator for the same proof, so the screening is made
  with `user_verified=True`: a step-up outcome is recorded as `verified` and the drawdown goes on.
- **A hold stops it.** A held outcome raises `HeldForReview` (409 `held_for_review`) and nothing is
  drawn. A reviewer's release lets a retry under the same Idempotency-Key through (with a new
  approval: the first assertion was used up).

What the profile compares: the device the client reports (the API's `X-Device-Id` header, the
borrower app's device cookie; "unreported" when absent) and the account the money goes to — the
blind index of the repayment account on file (`app.repayment_accounts`), or `ON_FILE` while the
borrower has not changed it since applying. Both are keyed-hashed again by `app.monitoring`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from creditline.store import UnitOfWork

UNREPORTED_DEVICE = "unreported"
ON_FILE = "account-on-file"  # the account given with the application, before any change
DEVICE_CHARS_MAX = 128


@dataclass(frozen=True, slots=True)
class Client:
    """What the edge knows of the caller: the device they report and when they asked."""

    device: str | None = None
    at_s: int | None = None  # None: now, by the wall clock (read at the edge, never in the domain)
    utc_offset_minutes: int = 480


def wall_clock_s() -> int:
    """The edge's clock for monitoring (tests replace it to place an activity at a known hour)."""
    return int(time.time())


def at_or_now(at_s: int | None) -> datetime:
    """The moment the edge gave (`at_s`, 0 included), or now by `wall_clock_s`, as an aware UTC datetime."""
    return datetime.fromtimestamp(at_s if at_s is not None else wall_clock_s(), UTC)


def device_of(client: Client | None) -> str:
    device = None if client is None else client.device
    if not device or not device.strip():
        return UNREPORTED_DEVICE
    return device.strip()[:DEVICE_CHARS_MAX]


def account_token(uow: UnitOfWork, borrower_id: str) -> str:
    """The repayment account the money goes to, as the vault's blind index (no decryption needed)."""
    from creditline.store.tables_audit import personal_data

    c = personal_data.c
    query = select(c.blind_index).where(c.borrower_id == borrower_id, c.field == "bank_account")
    index = uow.connection.execute(query).scalar_one_or_none()
    return index or ON_FILE


def screen_drawdown(engine: Engine, borrower_id: str, request: dict[str, Any], key: str, client: Client | None) -> dict[str, Any]:
    """Screen an approved drawdown; the outcome when it may proceed, `HeldForReview` when it may not."""
    from creditline.app.monitoring import Screening, require_clearance, screen
    from creditline.money import Money

    with UnitOfWork(engine, read_only=True) as uow:
        account = account_token(uow, borrower_id)
    at_s = client.at_s if client is not None and client.at_s is not None else wall_clock_s()
    amount = Money.of_minor(request["amount_minor"], request["currency"]).amount_str()
    screening = Screening(
        borrower_id=borrower_id, kind="drawdown", at_s=at_s, device=device_of(client), account=account,
        line_id=request["line_id"], amount=amount, utc_offset_minutes=client.utc_offset_minutes if client else 480,
        user_verified=True, reference=key,
    )  # fmt: skip
    view = screen(engine, screening)
    require_clearance(view)
    return outcome_brief(view)


def recorded_outcome(engine: Engine, borrower_id: str, key: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The screening that let the drawdown under `key` through (a retry answers with it, unchanged).

    Outcomes are recorded under the key bound to the line and amount (`monitoring.drawdown_reference`);
    those recorded before that are under the bare key."""
    import json

    from creditline.app.monitoring import PROCEED, drawdown_reference
    from creditline.store.tables_borrower_servicing import monitoring_outcomes

    m = monitoring_outcomes.c
    bound = drawdown_reference(key, request["line_id"], request["amount_minor"])
    query = (
        select(m.outcome_id, m.status, m.score, m.rules_json)
        .where(m.borrower_id == borrower_id, m.reference.in_((bound, key)), m.status.in_(PROCEED))
        .order_by(m.at_s.desc(), m.outcome_id.desc())
        .limit(1)
    )
    with UnitOfWork(engine, read_only=True) as uow:
        row = uow.connection.execute(query).mappings().first()
    return None if row is None else outcome_brief(dict(row) | {"rules": json.loads(row["rules_json"])})


def outcome_brief(view: dict[str, Any]) -> dict[str, Any]:
    """What a client is told of a screening: its id, what became of it, the score and the rules that fired."""
    return {"outcome_id": view["outcome_id"], "status": view["status"], "score": view["score"], "rules": list(view["rules"])}
