"""Decision records after the fact: show, replay, explain, and the human-review queue (PIPL Art. 24).

`replay` recomputes the outcome from the record alone: the recorded facts through the recorded
policy, limit and price versions (refusing to run if the shipped data no longer has the recorded
digest), and the recorded PD fields through the PD model when it is the recorded one.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date
from creditline.errors import Conflict, DomainError, NotFound
from creditline.store import UnitOfWork

REVIEW_KINDS = ("referral", "borrower_request")
RESOLUTIONS = ("approved", "declined", "upheld")
NOTE_LENGTH_MAX = 400


class DecisionNotFound(NotFound):
    code = "decision_not_found"


class ReviewNotFound(NotFound):
    code = "review_not_found"


class ReviewClosed(Conflict):
    code = "review_closed"


class ReplayUnavailable(DomainError):
    code = "replay_unavailable"


def _row(uow: UnitOfWork, decision_id: str, *, for_update: bool = False) -> dict[str, Any]:
    from creditline.store.tables_origination import OriginationRepository

    row = OriginationRepository(uow.connection).get(decision_id, for_update=for_update)
    if row is None:
        raise DecisionNotFound(f"no decision {decision_id!r}", field="decision")
    return row


def show_decision(engine: Engine, decision_id: str) -> dict[str, Any]:
    import hashlib

    with UnitOfWork(engine, read_only=True) as uow:
        row = _row(uow, decision_id)
    record = json.loads(row["record_json"])
    intact = hashlib.sha256(row["record_json"].encode()).hexdigest() == row["record_sha256"]
    return {"decision_id": decision_id, "status": row["status"], "record_intact": intact, "record": record}


def replay_decision(engine: Engine, decision_id: str) -> dict[str, Any]:
    """Recompute the decision from its record; `matches` says whether every figure agrees."""
    with UnitOfWork(engine, read_only=True) as uow:
        row = _row(uow, decision_id)
        product = _product(uow, row)
    record = json.loads(row["record_json"])
    if record["stage"] == "consent":
        return _compare(record, {"outcome": "decline", "reasons": record["reasons"]}, [])
    from creditline.app.apply_replay import replay_record

    recomputed, notes = replay_record(record, product)
    return _compare(record, recomputed, notes)


def _product(uow: UnitOfWork, row: dict[str, Any]) -> Any:
    from creditline.app.catalogue import product_of

    record = json.loads(row["record_json"])
    product_id, _, version = record["product"].partition("@")
    return product_of(uow, product_id, int(version))


def _compare(record: dict[str, Any], recomputed: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    assigned = record.get("assigned") or {}
    expected = {
        "outcome": assigned.get("outcome", record["outcome"]),
        "reasons": assigned.get("reasons", record["reasons"]),
        **{k: assigned.get(k) for k in ("band", "limit_minor", "rate_daily", "apr") if k in recomputed},
        **({"pd": record["pd"]["pd"]} if "pd" in recomputed else {}),
    }
    differences = {k: {"recorded": v, "replayed": recomputed.get(k)} for k, v in expected.items() if recomputed.get(k) != v}
    return {
        "decision_id": record["decision_id"],
        "matches": not differences,
        "recorded": expected,
        "replayed": recomputed,
        "differences": differences,
        "override": record.get("override"),
        "notes": notes,
    }


def explain_decision(engine: Engine, decision_id: str) -> dict[str, Any]:
    """The reasons in words: policy reasons, the PD model's top factors, what bound the limit, the price."""
    from creditline.app.apply_explain import explanation

    with UnitOfWork(engine, read_only=True) as uow:
        row = _row(uow, decision_id)
    return explanation(json.loads(row["record_json"]))


def request_review(engine: Engine, decision_id: str, reason: str) -> dict[str, Any]:
    """A borrower asks for a person to look at an automated decision: it joins the review queue."""
    from creditline.store.tables_origination import OriginationRepository

    text = _note(reason, "reason")
    with UnitOfWork(engine) as uow:
        row = _row(uow, decision_id, for_update=True)  # two requests at once: the second sees the first's review
        repository = OriginationRepository(uow.connection)
        on = business_date(uow)
        if repository.has_open_review(decision_id):
            raise Conflict("a review of this decision is already open", field="decision", code="review_open")
        review_id = repository.open_review(decision_id, row["borrower_id"], "borrower_request", text, on)
        uow.commit()
    return {"review_id": review_id, "decision_id": decision_id, "status": "open", "opened_on": on.isoformat()}


def review_queue(engine: Engine, *, status: str | None = "open", limit: int = 100) -> list[dict[str, Any]]:
    from creditline.store.tables_origination import OriginationRepository

    with UnitOfWork(engine, read_only=True) as uow:
        rows = OriginationRepository(uow.connection).reviews(status=status, limit=min(max(limit, 1), 1000))
    return [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()} for row in rows]


def resolve_review(engine: Engine, review_id: int, resolution: str, resolver: str, note: str) -> dict[str, Any]:
    """An operator closes a review. Approving a referral opens the credit line it was priced for."""
    from creditline.store.tables_origination import OriginationRepository

    if resolution not in RESOLUTIONS:
        raise DomainError(f"choose one of {', '.join(RESOLUTIONS)}", field="resolution", code="invalid_resolution")
    text, who = _note(note, "note"), _note(resolver, "resolver")[:64]
    with UnitOfWork(engine) as uow:
        repository = OriginationRepository(uow.connection)
        review = repository.review(review_id, for_update=True)  # two operators at once: the second sees it closed
        if review is None:
            raise ReviewNotFound(f"no review {review_id}", field="review")
        if review["status"] != "open":
            raise ReviewClosed(f"review {review_id} is already {review['status']}", field="review")
        on = business_date(uow)
        row = _row(uow, review["decision_id"])
        line_id = None
        if resolution == "approved" and review["kind"] == "referral":
            line_id = _open_referred_line(uow, row, on, review_id)
            _link_submitter(uow, row)
        repository.resolve_review(review_id, resolution, who, text, on)
        repository.set_status(row["decision_id"], "reviewed", line_id)
        uow.commit()
    return {"review_id": review_id, "status": resolution, "decision_id": row["decision_id"], "line_id": line_id}


def _link_submitter(uow: UnitOfWork, row: dict[str, Any]) -> None:
    """A person approved the referral (a weak face match among its reasons, say): the account that
    submitted it now reaches the borrower, as an account whose first decision confirmed the identity
    does (`applications`). Nothing changes when the account has a borrower or the borrower an account;
    when it links, the account's privileges changed, so its sessions end (sign in again)."""
    from creditline.store.identity_repository import IdentityRepository

    repository = IdentityRepository(uow.connection)
    account_id = repository.application_owner(row["decision_id"])
    if account_id is not None and row["borrower_id"] is not None:
        repository.queue_link_first_borrower(account_id, row["borrower_id"]).first()


def _open_referred_line(uow: UnitOfWork, row: dict[str, Any], on: date, review_id: int) -> str | None:
    from creditline.app.common import new_id
    from creditline.lending.credit_line import open_line
    from creditline.money import Money
    from creditline.store.line_repository import LineRecord

    if row["limit_minor"] is None or not row["limit_minor"] or row["rate_daily"] is None:
        raise DomainError("this referral carries no limit and price to approve", field="review", code="nothing_to_open")
    product = _product(uow, row)
    if uow.lines.find(row["borrower_id"], product.product_id) is not None:
        raise Conflict("the borrower already has a line of this product", field="review", code="line_exists")
    line_id = new_id("LN")
    line, change = open_line(
        line_id=line_id,
        borrower_id=row["borrower_id"],
        product_id=product.product_id,
        limit=Money.of_minor(row["limit_minor"], row["currency"]),
        on=on,
        reason=f"referral approved in review {review_id}",
        rate_daily=Decimal(row["rate_daily"]),
    )
    uow.lines.add(LineRecord(line, product.version, on))
    uow.lines.record_change(change, row["borrower_id"])
    return line_id


def _note(text: object, field: str) -> str:
    if not isinstance(text, str) or not " ".join(text.split()):
        raise DomainError("must not be empty", field=field, code="invalid_text")
    cleaned = " ".join(text.split())
    if len(cleaned) > NOTE_LENGTH_MAX or not cleaned.isprintable():
        raise DomainError(f"at most {NOTE_LENGTH_MAX} printable characters", field=field, code="invalid_text")
    return cleaned
