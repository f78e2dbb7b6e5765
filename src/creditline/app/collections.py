"""Collections use cases for the operator console: the work queue, recording a contact, contact profiles.

A contact an operator makes is checked against the same conduct rules as the automated ones (quiet
hours in the borrower's time zone, the daily, per-channel and weekly caps, the borrower only) before it
is recorded; a refused contact changes nothing. Times are instants given by the caller (the CLI reads
the clock at its edge when none is given), never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from creditline.app.collections_stage import DAY_S, item_of_row, item_values
from creditline.app.common import business_date
from creditline.app.errors import LoanNotFound
from creditline.app.repayment_sources import require_borrower
from creditline.servicing.collections_contact_rules import (
    HISTORY_DAYS,
    Party,
    PastContact,
    local_time,
    require_contact,
    require_loan_owing,
    zone_of,
)
from creditline.servicing.collections_errors import (
    CollectionsInputInvalid,
    WorkItemNotFound,
)
from creditline.servicing.collections_queue import Outcome, assign, close, record_outcome
from creditline.servicing.collections_strategy import Strategy, builtin_strategy
from creditline.servicing.notifications import Channel, Purpose
from creditline.store import UnitOfWork
from creditline.store.collections_repository import CollectionsRepository
from creditline.store.terms_codec import terms_from_json

NOTE_LENGTH_MAX = 400
CLOSE_REASON_LENGTH_MAX = 40  # collection_work_items.closed_reason
CONTACT_AHEAD_DAYS_MAX = 1  # a contact may be dated at most this many days after the business date
PAGE_SIZE = 1000  # contacts read a page at a time (the repository's page bounds it too)
LANGUAGES = ("zh", "en")
# A contact is judged and shown in the borrower's local time: a day inside the calendar's ends, so that
# time exists in every zone (9999-12-31 23:59 UTC is already 10000-01-01 in Shanghai).
AT_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
AT_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RecordContact:
    loan_id: str
    channel: str  # call | sms | in_app
    outcome: str  # an Outcome: no_answer, reached, promise, refused, hardship, wrong_number, callback
    at: datetime  # when the contact happened (timezone-aware)
    operator: str
    item_id: str | None = None
    party: str = "borrower"
    note: str | None = None


def record_contact(engine: Engine, command: RecordContact, strategy: Strategy | None = None) -> dict[str, Any]:
    strategy = strategy or builtin_strategy()
    channel = _choice(Channel, command.channel, "channel")
    outcome = _choice(Outcome, command.outcome, "outcome")
    party = _choice(Party, command.party, "party")
    at_s = _instant(command.at)
    note = _note(command.note)
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repository = CollectionsRepository(uow.connection)
        loan = uow.loans.get(command.loan_id)
        if loan is None:
            raise LoanNotFound(f"no loan {command.loan_id!r}", field="loan")
        lock_borrower(uow, loan.borrower_id)
        require_loan_owing(loan.loan_id, loan.status)
        zone_name = _zone_name(repository, loan.borrower_id, strategy)
        past = repository.contacts_around([loan.borrower_id], at_s - HISTORY_DAYS * DAY_S, at_s + HISTORY_DAYS * DAY_S)
        history = [PastContact(Channel(c), s) for c, s in past.get(loan.borrower_id, [])]
        require_contact(channel, at_s, zone_name, history, strategy.contact_rules, party)
        _require_within_loan_life(at_s, zone_name, terms_from_json(loan.terms_json).disbursed, on)
        item = _worked_item(repository, command.item_id, loan.loan_id, outcome, on)
        contact_id = repository.add_contact({
            "dedupe_key": None, "borrower_id": loan.borrower_id, "loan_id": loan.loan_id,
            "item_id": None if item is None else item.item_id, "channel": channel.value, "party": party.value,
            "purpose": (Purpose.COLLECTION if loan.status != "active" else Purpose.REMINDER).value,
            "template_id": None, "template_version": None, "message_id": None, "at_s": at_s, "time_zone": zone_name,
            "local_time": local_time(at_s, zone_of(zone_name)).isoformat(), "outcome": outcome.value,
            "operator": _operator(command.operator), "business_date": on, "strategy": strategy.label, "note": note,
        })  # fmt: skip
        uow.commit()
    return {"contact_id": contact_id, "loan_id": loan.loan_id, "borrower_id": loan.borrower_id,
            "channel": channel.value, "outcome": outcome.value, "local_time": local_time(at_s, zone_of(zone_name)).isoformat(),
            "time_zone": zone_name, "item": None if item is None else _item_view(item)}  # fmt: skip


def lock_borrower(uow: UnitOfWork, borrower_id: str) -> None:
    """Serialise contacts to one borrower, so two operators — or an operator and the collections stage of
    end of day, which takes the same lock for its batches — cannot both take the last contact a cap allows.
    Until the transaction ends (`CollectionsRepository.lock_contact_histories`)."""
    CollectionsRepository(uow.connection).lock_contact_histories([borrower_id])


def _worked_item(repository: CollectionsRepository, item_id: str | None, loan_id: str, outcome: Outcome, on: Any) -> Any:
    if item_id is None:
        return None
    row = repository.item(item_id, for_update=True)
    if row is None or row["loan_id"] != loan_id:
        raise WorkItemNotFound(f"no work item {item_id!r} for loan {loan_id}", field="item")
    item = record_outcome(item_of_row(row), outcome, on)
    repository.save_item(item.item_id, item_values(item))
    return item


def list_queue(engine: Engine, *, queue: str | None = None, status: str | None = None, assignee: str | None = None,
               limit: int = 50) -> dict[str, Any]:  # fmt: skip
    if status is not None and status not in ("open", "assigned", "closed"):
        raise CollectionsInputInvalid("status is open, assigned or closed", field="status")
    if not 1 <= limit <= 1000:
        raise CollectionsInputInvalid("from 1 to 1000", field="limit")
    queues = [stage.queue for stage in builtin_strategy().stages if stage.queue]
    if queue is not None and queue not in queues:  # a typo listed nothing, as if the queue were empty
        raise CollectionsInputInvalid(f"queue is one of {', '.join(queues)}", field="queue")
    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
        rows = CollectionsRepository(uow.connection).queue(queue=queue, status=status, assignee=assignee, limit=limit)
    return {"business_date": on.isoformat(), "items": [_item_view(item_of_row(row)) | {"currency": row["currency"]}
                                                        for row in rows]}  # fmt: skip


def assign_item(engine: Engine, item_id: str, operator: str) -> dict[str, Any]:
    return _change_item(engine, item_id, lambda item, on: assign(item, operator, on))


def close_item(engine: Engine, item_id: str, reason: str) -> dict[str, Any]:
    text = " ".join(str(reason).split()) or "closed by operator"
    if len(text) > CLOSE_REASON_LENGTH_MAX:  # the column's width: refused, never cut short
        raise CollectionsInputInvalid(f"at most {CLOSE_REASON_LENGTH_MAX} characters", field="reason")
    return _change_item(engine, item_id, lambda item, on: close(item, text, on))


def _change_item(engine: Engine, item_id: str, change: Any) -> dict[str, Any]:
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repository = CollectionsRepository(uow.connection)
        row = repository.item(item_id, for_update=True)
        if row is None:
            raise WorkItemNotFound(f"no work item {item_id!r}", field="item")
        item = change(item_of_row(row), on)
        repository.save_item(item.item_id, item_values(item))
        uow.commit()
    return _item_view(item)


def set_contact_profile(engine: Engine, borrower_id: str, time_zone: str, language: str) -> dict[str, Any]:
    zone_of(time_zone)
    if language not in LANGUAGES:
        raise CollectionsInputInvalid(f"language is one of {', '.join(LANGUAGES)}", field="language")
    with UnitOfWork(engine) as uow:
        require_borrower(uow, borrower_id)  # an unknown id: refused, never a profile for nobody (nor too long a key)
        on = business_date(uow)
        CollectionsRepository(uow.connection).set_profile(borrower_id, time_zone, language, on)
        uow.commit()
    return {"borrower_id": borrower_id, "time_zone": time_zone, "language": language}


def contact_history(engine: Engine, loan_id: str, limit: int | None = None) -> dict[str, Any]:
    """The loan's contacts, latest first: every one, or the latest `limit`."""
    rows: list[dict[str, Any]] = []
    with UnitOfWork(engine, read_only=True) as uow:
        if uow.loans.get(loan_id) is None:
            raise LoanNotFound(f"no loan {loan_id!r}", field="loan")
        repository = CollectionsRepository(uow.connection)
        while limit is None or len(rows) < limit:
            wanted = PAGE_SIZE if limit is None else limit - len(rows)
            after = (rows[-1]["at_s"], rows[-1]["contact_id"]) if rows else None
            page = repository.contacts(loan_id=loan_id, limit=wanted, before=after)
            rows += page
            if not page:
                break
    keep = ("contact_id", "channel", "party", "purpose", "template_id", "template_version", "local_time", "time_zone",
            "outcome", "operator", "note", "item_id")  # fmt: skip
    return {"loan_id": loan_id, "contacts": [{k: row[k] for k in keep} for row in rows]}


def _item_view(item: Any) -> dict[str, Any]:
    return {
        "item_id": item.item_id, "loan_id": item.loan_id, "borrower_id": item.borrower_id, "queue": item.queue,
        "stage": item.stage, "priority": item.priority, "overdue_minor": item.overdue_minor,
        "status": item.status.value, "assignee": item.assignee, "opened_on": item.opened_on.isoformat(),
        "updated_on": item.updated_on.isoformat(), "last_outcome": item.last_outcome,
        "escalations": item.escalations, "closed_reason": item.closed_reason,
    }  # fmt: skip


def _zone_name(repository: CollectionsRepository, borrower_id: str, strategy: Strategy) -> str:
    profile = repository.profiles([borrower_id]).get(borrower_id)
    return profile["time_zone"] if profile else strategy.time_zone_default


def _choice(enum: Any, value: str, field: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise CollectionsInputInvalid(f"{value!r} is not one of {', '.join(e.value for e in enum)}", field=field) from None


def _instant(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise CollectionsInputInvalid("give the time with its UTC offset (2025-03-01T10:00:00+08:00)", field="at")
    if not AT_EARLIEST <= at <= AT_LATEST:
        raise CollectionsInputInvalid("must fall within the years 1 to 9999, in UTC and in every time zone", field="at")
    return int(at.timestamp())


def _require_within_loan_life(at_s: int, zone_name: str, disbursed: date, on: date) -> None:
    """A contact happened on the borrower's local date from the loan's disbursement to the day after the
    business date (a day's slack for time zones ahead of the books); 2099 or 1969 is a typing error that
    would otherwise sit in the history and count against the caps."""
    contact_on = local_time(at_s, zone_of(zone_name)).date()
    latest = on + timedelta(days=CONTACT_AHEAD_DAYS_MAX)
    if not disbursed <= contact_on <= latest:
        raise CollectionsInputInvalid(
            f"{contact_on} ({zone_name}) is outside the loan's life: from its disbursement on {disbursed} "
            f"to {latest}, a day after the business date", field="at")


def _note(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(str(text).split())
    if len(cleaned) > NOTE_LENGTH_MAX or not cleaned.isprintable():  # a NUL byte is a 500 on PostgreSQL
        raise CollectionsInputInvalid(f"at most {NOTE_LENGTH_MAX} printable characters", field="note")
    return cleaned or None


def _operator(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned or len(cleaned) > 64 or not cleaned.isprintable():
        raise CollectionsInputInvalid("an operator is 1 to 64 printable characters", field="operator")
    return cleaned


def run_collections_today(engine: Engine, strategy: Strategy | None = None) -> dict[str, Any]:
    """The collections stage on the current business date (idempotent: a second run adds nothing)."""
    from creditline.app.collections_stage import run_collections

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        summary = run_collections(uow, on, strategy)
        uow.commit()
    return {"business_date": on.isoformat(), **summary}
