"""Transaction monitoring as a use case: the step a drawdown (or a change of repayment account) takes
before it is carried out.

`screen` runs in one short unit of work: lock the borrower's profile row, score the activity with
`risk.transactions`, record the outcome, fold the activity into the profile, commit. It reads no
history: the profile is a few hundred bytes of running statistics. The outcome's status says what
the caller must do next:

- `allowed` / `verified` / `cleared` — carry on (verified: a step-up the request had already
  passed, a passkey assertion with user verification; cleared: a hold a reviewer released);
- `step-up-required` — ask for the passkey assertion, then call again with `user_verified`;
- `held` — wait for a reviewer (`resolve_hold`).

A release lets through the request that was held, not any request under its key: a drawdown's outcome
is recorded under its client key bound to the line and the amount (`drawdown_reference`), so a retry
with the same key and another amount or line is screened afresh. Otherwise a reviewer who released a
small drawdown would have released the whole line to whoever holds the borrower's passkey.

`draw_monitored` is the drawdown with this step in front (the drawdown itself is `app.loans.draw`).
Device fingerprints and account numbers are stored only as keyed hashes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date, new_id
from creditline.app.errors import LineNotFound
from creditline.errors import Conflict, DomainError, NotFound
from creditline.store import UnitOfWork
from creditline.store.servicing_repository import ServicingRepository

PROCEED = ("allowed", "verified", "cleared")
SECONDS_PER_HOUR = 3600
REFERENCE_CHARS_MAX = 200  # monitoring_outcomes.reference


class StepUpRequired(DomainError):
    """The activity needs a passkey assertion with user verification first."""

    code = "step_up_required"
    http_status = 401


class HeldForReview(Conflict):
    code = "held_for_review"


class OutcomeNotFound(NotFound):
    code = "monitoring_outcome_not_found"


@dataclass(frozen=True, slots=True)
class Screening:
    borrower_id: str
    kind: str  # drawdown | account-change
    at_s: int  # when, on the business clock (seconds since the epoch), read at the edge
    device: str  # the device fingerprint as the client reports it
    account: str  # the account the money goes to (drawdown) or the new repayment account
    line_id: str | None = None  # drawdowns: the line drawn on
    amount: str | None = None  # drawdowns: major units as text
    utc_offset_minutes: int = 480  # the borrower's time zone (China Standard Time by default)
    user_verified: bool = False  # this request already carries a verified passkey assertion with UV
    reference: str | None = None  # the drawdown's client key: a reviewer's release applies to it, for this line and amount


@dataclass(frozen=True, slots=True)
class DrawContext:
    at_s: int
    device: str
    account: str
    utc_offset_minutes: int = 480
    user_verified: bool = False


@lru_cache(maxsize=1)
def _salt() -> bytes:
    from creditline.app.apply_setup import pii_salt

    return pii_salt()


def keyed(kind: str, value: str) -> str:
    """A keyed BLAKE2b hash: the profile recognises a device or account without storing it."""
    return hashlib.blake2b(f"{kind}:{value}".encode(), digest_size=16, key=_salt()[:64]).hexdigest()


def drawdown_reference(key: str, line_id: str, amount_minor: int) -> str:
    """What a drawdown's outcome is recorded under: its client key bound to the line and the amount."""
    digest = hashlib.sha256(f"{line_id}:{amount_minor}".encode()).hexdigest()[:16]
    bound = f"{key}#{digest}"
    return bound if len(bound) <= REFERENCE_CHARS_MAX else "#" + hashlib.sha256(bound.encode()).hexdigest()


def _reference(screening: Screening, activity: Any) -> str | None:
    from creditline.risk.transactions import ActivityKind

    if screening.reference is None or activity.kind is not ActivityKind.DRAWDOWN:
        return screening.reference  # an account change's reference names the account already
    return drawdown_reference(screening.reference, screening.line_id or "", activity.amount_minor)


@lru_cache(maxsize=1)
def default_rules() -> Any:
    from creditline.risk.transactions import MonitoringRules

    return MonitoringRules()


def screen(engine: Engine, screening: Screening, rules: Any = None) -> dict[str, Any]:
    """Score one activity, record the outcome and update the borrower's profile (one unit of work)."""
    from creditline.risk.transactions import Profile, assess, observe

    rules = rules or default_rules()
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        activity = _activity(uow, screening, on)
        repo = ServicingRepository(uow.connection)
        found = repo.profile(screening.borrower_id, for_update=True)
        assert found is not None
        text, version = found
        profile = Profile.from_json(text) if text else Profile()
        outcome = assess(profile, activity, rules)
        reference = _reference(screening, activity)
        status = _status(outcome.action, screening.borrower_id, reference, screening.user_verified, repo)
        repo.save_profile(
            screening.borrower_id, observe(profile, activity, trusted=status in PROCEED).to_json(), version, screening.at_s
        )
        view = {
            "outcome_id": new_id("MO"),
            "borrower_id": screening.borrower_id,
            "kind": str(activity.kind),
            "status": status,
            "reference": reference,
            **outcome.to_json(),
        }
        repo.add_outcome(
            {
                "outcome_id": view["outcome_id"], "borrower_id": screening.borrower_id, "kind": view["kind"],
                "at_s": screening.at_s, "business_date": on, "score": view["score"],
                "rules_json": json.dumps(view["rules"]), "rules_version": outcome.rules_version,
                "action": view["action"], "status": status, "reference": reference,
            }
        )  # fmt: skip
        uow.commit()
    return view


def _activity(uow: UnitOfWork, screening: Screening, on: Any) -> Any:
    from creditline.money import Money
    from creditline.risk.transactions import Activity, ActivityInvalid, ActivityKind

    if screening.kind not in {kind.value for kind in ActivityKind}:
        raise ActivityInvalid("must be drawdown or account-change", field="kind")
    if not -14 * 60 <= screening.utc_offset_minutes <= 14 * 60:
        raise ActivityInvalid("must be within ±14 hours", field="utc_offset_minutes")
    local_hour = ((screening.at_s + screening.utc_offset_minutes * 60) // SECONDS_PER_HOUR) % 24
    common = {
        "at_s": screening.at_s,
        "local_hour": local_hour,
        "device": keyed("device", screening.device),
        "account": keyed("account", screening.account),
    }
    if screening.kind == ActivityKind.ACCOUNT_CHANGE:
        return Activity(ActivityKind.ACCOUNT_CHANGE, **common)
    record = uow.lines.get(screening.line_id or "")
    if record is None:
        raise LineNotFound(f"no credit line {screening.line_id!r}", field="line")
    line = record.line
    amount = Money.parse(screening.amount or "", line.limit.currency, field="amount")
    return Activity(
        ActivityKind.DRAWDOWN, **common, amount_minor=amount.minor,
        limit_minor=max(line.effective_limit(on).minor, 1), available_minor=line.available(on).minor,
    )  # fmt: skip


def _status(action: Any, borrower_id: str, reference: str | None, user_verified: bool, repo: ServicingRepository) -> str:
    from creditline.risk.transactions import Action

    if action is Action.ALLOW:
        return "allowed"
    if _released(repo, borrower_id, reference):
        return "cleared"
    if action is Action.STEP_UP:
        return "verified" if user_verified else "step-up-required"
    return "held"


def _released(repo: ServicingRepository, borrower_id: str, reference: str | None) -> bool:
    if reference is None:
        return False
    released = repo.outcomes(borrower_id=borrower_id, status="released", limit=20)
    return any(row["reference"] == reference for row in released)


def require_clearance(view: dict[str, Any]) -> None:
    """Raise the typed error that tells the caller what to do when the outcome does not let it proceed."""
    if view["status"] == "step-up-required":
        raise StepUpRequired(
            f"confirm with your passkey (user verification); rules: {', '.join(view['rules'])}", field="assertion"
        )
    if view["status"] == "held":
        raise HeldForReview(f"held for review as {view['outcome_id']}; rules: {', '.join(view['rules'])}", field="drawdown")


def draw_monitored(engine: Engine, command: Any, context: DrawContext, rules: Any = None) -> dict[str, Any]:
    """Screen a drawdown, then carry it out with `app.loans.draw` only if the outcome lets it proceed."""
    from creditline.app.loans import draw

    line = _line_owner(engine, command.line_id)
    view = screen(
        engine,
        Screening(
            borrower_id=line, kind="drawdown", at_s=context.at_s, device=context.device, account=context.account,
            line_id=command.line_id, amount=command.amount, utc_offset_minutes=context.utc_offset_minutes,
            user_verified=context.user_verified, reference=command.key,
        ),
        rules,
    )  # fmt: skip
    require_clearance(view)
    return draw(engine, command) | {"monitoring": view}


def _line_owner(engine: Engine, line_id: str) -> str:
    with UnitOfWork(engine, read_only=True) as uow:
        record = uow.lines.get(line_id)
    if record is None:
        raise LineNotFound(f"no credit line {line_id!r}", field="line")
    return record.line.borrower_id


def resolve_hold(engine: Engine, outcome_id: str, *, release: bool, resolver: str) -> dict[str, Any]:
    """A reviewer's decision on a held activity: released (a retry under the same key proceeds) or rejected."""
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = ServicingRepository(uow.connection)
        row = repo.outcome(outcome_id, for_update=True)
        if row is None or row["status"] != "held":
            raise OutcomeNotFound(f"no held activity {outcome_id!r}", field="outcome")
        status = "released" if release else "rejected"
        repo.resolve_outcome(outcome_id, status, resolver, on)
        uow.commit()
    return {"outcome_id": outcome_id, "status": status, "resolver": resolver, "resolved_on": on.isoformat()}


def list_outcomes(engine: Engine, *, borrower_id: str | None = None, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    with UnitOfWork(engine, read_only=True) as uow:
        rows = ServicingRepository(uow.connection).outcomes(borrower_id=borrower_id, status=status, limit=min(max(limit, 1), 1000))
    return [
        {
            "outcome_id": row["outcome_id"], "borrower_id": row["borrower_id"], "kind": row["kind"], "at_s": row["at_s"],
            "score": row["score"], "rules": json.loads(row["rules_json"]), "action": row["action"], "status": row["status"],
            "reference": row["reference"],
        }
        for row in rows
    ]  # fmt: skip
