"""A borrower's privacy rights as commands: ask for erasure, take a copy of everything held of them.

Erasure (`request_erasure`) is answered on the business date by `privacy.retention.request_erasure`
from what the store knows (`app.subject_status`): **erased** at once when the legal period has
passed — the vault's fields, their blind indexes, the account's sealed name and the fraud hashes
(`store.personal_data.erase`), in one transaction with the request's row and an access-log entry —
or **restricted** until it does: the request's row says so, and from then on the vault's purpose
checks refuse every purpose but legal duties and the borrower's own requests (PIPL Art. 47). The
books are never touched. A request is naturally idempotent (one row per borrower: asking again
while restricted keeps the first request's date and decides again, so it erases once the period has
passed; asking after erasure returns the erasure); the API's Idempotency-Key returns the first
answer on a retry as well.

A borrower asking for themselves steps up first when their account has a passkey (`app.step_ups`:
an assertion bound to this request, this borrower and the signed-in account), since a stolen session
must neither read the personal data in clear nor erase it; a retry under a key already answered
returns that answer without a second assertion (the first was used up), as a drawdown's does. An
operator taking the request for a borrower steps up the same way with their own passkey (enrolled
with their enrollment code), the approval bound to that borrower: an operator's stolen session is a
copy of, or the end of, any borrower's data. An operator account without a passkey (a `serve --dev`
session) acts on its session alone, as `app.step_ups` explains; the CLI and EOD take no step-up.

The export (`export_subject`) reads every personal field through the purpose check as
`subject_request` (so the export shows in the borrower's access log, its own entry included) and
adds the store's sections, as one `creditline-subject-export/v1` document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, insert, select, text, update

from creditline.app.access import AccessConfig
from creditline.app.common import business_date
from creditline.app.idempotency import check_key, first_result, remember
from creditline.app.repayment_sources import BorrowerNotFound
from creditline.app.step_ups import StepUp, require_if_passkey
from creditline.app.vault_keys import keyring
from creditline.errors import DomainError
from creditline.store import UnitOfWork

SCOPE = "erasure-request"
ERASURE_LOCK_SCOPE = 0x45524153  # pg_advisory_xact_lock(scope, borrower): "ERAS", apart from EOD's lock


@dataclass(frozen=True, slots=True)
class RequestErasure:
    borrower_id: str
    actor: str  # the borrower's account, or the operator who took the request
    on: date | None = None  # the day the request was made: the business date unless earlier
    key: str | None = None  # a client idempotency key (the API's); the request is idempotent without one
    step_up: StepUp | None = None  # a signed-in request's: required when its account has a passkey
    by_operator: bool = False  # an operator's request for the borrower (else the borrower's own)


ERASURE, EXPORT = "erasure-request", "export"  # the two actions, as their routes name them


def _binding(action: str, borrower_id: str) -> dict[str, Any]:
    """What the step-up assertion approving `action` on this borrower's data signs for (the challenge is
    bound to the signed-in account besides): spent on no other action, borrower or account."""
    return {"subject_request": action, "borrower": borrower_id}


def _approvals_at(action: str, borrower_id: str, by_operator: bool) -> str:
    return f"POST /v1/borrowers/{borrower_id}/{action}/approvals" if by_operator else f"POST /v1/me/{action}/approvals"


def _step_up(engine: Engine, step_up: StepUp, action: str, borrower_id: str, by_operator: bool) -> None:
    what = {ERASURE: "an erasure request", EXPORT: "a copy of the personal data"}[action]
    require_if_passkey(engine, step_up, _binding(action, borrower_id), action=what,
                       options_at=_approvals_at(action, borrower_id, by_operator))  # fmt: skip


def erasure_approval(engine: Engine, config: AccessConfig, account_id: str, borrower_id: str) -> dict[str, Any]:
    """Options for the passkey assertion approving an erasure request of this borrower's data by this
    account (single-use, expiring)."""
    from creditline.app.passkey_flows import begin_step_up

    return begin_step_up(engine, config, account_id, _binding(ERASURE, borrower_id))


def export_approval(engine: Engine, config: AccessConfig, account_id: str, borrower_id: str) -> dict[str, Any]:
    """Options for the passkey assertion approving this account's export of this borrower's data, once an
    export can be made: without data keys `vault_unavailable` first, as a prompt for an export that must
    fail helps no one."""
    from creditline.app.passkey_flows import begin_step_up

    keyring("borrower")
    return begin_step_up(engine, config, account_id, _binding(EXPORT, borrower_id))


def request_erasure(engine: Engine, command: RequestErasure, at_s: int | None = None) -> dict[str, Any]:
    """Erase the borrower's personal data now if the law allows, else restrict it until it does."""
    from creditline.app.subject_status import subject_status
    from creditline.privacy import retention

    key = check_key(command.key) if command.key is not None else None
    if command.step_up is not None and not _answered(engine, command, key):
        _step_up(engine, command.step_up, ERASURE, command.borrower_id, command.by_operator)
    with UnitOfWork(engine) as uow:
        today = business_date(uow)  # the EOD lock shared: the date cannot move under the decision
        request = _request(command, today)
        _lock(uow, command.borrower_id)  # before the key is read: a racing retry finds the first's result
        if key is not None and (prior := first_result(uow, SCOPE, key, request)) is not None:
            return prior
        status = subject_status(uow, command.borrower_id)
        if status is None:
            raise BorrowerNotFound(f"no borrower {command.borrower_id}", field="borrower")
        stored = _stored(uow, command.borrower_id)
        if stored is not None and stored["status"] == "erased":
            result = _view(stored, already=True)
        else:
            requested_on = stored["requested_on"] if stored else (command.on or today)  # asked again: the first request's date
            decision = retention.request_erasure(status, requested_on, today)
            row = _answer(uow, command, stored, decision, requested_on, today, at_s)
            result = _view(row, already=False)
        if key is not None:
            remember(uow, SCOPE, key, request, result, borrower_id=command.borrower_id)
        uow.commit()
    return result


def _request(command: RequestErasure, today: date) -> dict[str, Any]:
    """The request a key answers: the borrower and the day it was made (`date_in_future` after `today`)."""
    on = command.on or today
    if on > today:
        raise DomainError(f"{on} is after the business date {today}", field="date", code="date_in_future")
    return {"borrower": command.borrower_id, "date": on.isoformat()}


def _answered(engine: Engine, command: RequestErasure, key: str | None) -> bool:
    """The key already holds this request's answer (a retry); a key reused for another request raises."""
    if key is None:
        return False
    with UnitOfWork(engine, read_only=True) as uow:
        return first_result(uow, SCOPE, key, _request(command, business_date(uow))) is not None


def erase_held_data(uow: UnitOfWork, borrower_id: str, decision: Any, on: date, actor: str) -> bool:
    """Erase a borrower nobody asked about whose retention period has ended (EOD's `retention` stage),
    exactly as an erasure request erases: the vault, blind indexes, sealed name and fraud hashes, an
    access-log entry and an `erased` erasure_requests row. False, and nothing written, when a request
    row exists already (a restricted one is decided as a request; an erased one is done)."""
    _lock(uow, borrower_id)
    if _stored(uow, borrower_id) is not None:
        return False
    basis = "erased as its retention period ended (retention_period_ended)"
    _answer(uow, RequestErasure(borrower_id, actor), None, decision, on, on, None, basis=basis)
    return True


def _answer(uow: UnitOfWork, command: RequestErasure, stored: dict[str, Any] | None, decision: Any,
            requested_on: date, today: date, at_s: int | None,
            basis: str = "erased at the borrower's request") -> dict[str, Any]:  # fmt: skip
    """Erase (on business date `today`) or restrict as decided, writing the request's row; the row as written."""
    from creditline.privacy.retention import DEFAULT_POLICY, RetentionAction
    from creditline.store.tables_audit import erasure_requests

    row = {"borrower_id": command.borrower_id, "status": "restricted", "requested_on": requested_on,
           "requested_by": stored["requested_by"] if stored else command.actor, "erase_on": decision.erase_on,
           "erased_on": None, "fields_erased": None, "policy_version": DEFAULT_POLICY.version,
           "reason": decision.reason[:400]}  # fmt: skip
    if decision.action is RetentionAction.ERASE:
        row |= {"status": "erased", "erased_on": today, "fields_erased": _erase(uow, command, decision, at_s, basis)}
    else:
        assert decision.action is RetentionAction.RESTRICT, decision  # an erasure request is never just kept
    e = erasure_requests.c
    if stored is None:
        uow.connection.execute(insert(erasure_requests).values(**row))
    else:
        uow.connection.execute(update(erasure_requests).where(e.borrower_id == command.borrower_id).values(**row))
    return row


def _erase(uow: UnitOfWork, command: RequestErasure, decision: Any, at_s: int | None, basis: str) -> int:
    """Erase, logging it in the borrower's access log (who, which fields, why) before anything goes."""
    from creditline.app.drawdown_screening import at_or_now
    from creditline.privacy.access import AccessLogEntry, AccessPurpose
    from creditline.store.personal_data import SqlAccessLog, erase
    from creditline.store.tables_audit import personal_data

    c = personal_data.c
    held = uow.connection.execute(select(c.field).where(c.borrower_id == command.borrower_id)).scalars().all()
    fields = tuple(sorted(set(decision.fields) | set(held)))
    at = at_or_now(at_s)
    SqlAccessLog(uow.connection).append(AccessLogEntry(
        command.actor, command.borrower_id, AccessPurpose.SUBJECT_REQUEST, fields, at, True,
        f"{basis}: {decision.reason}",
    ))  # fmt: skip
    return erase(uow.connection, command.borrower_id)


def _lock(uow: UnitOfWork, borrower_id: str) -> None:
    """PostgreSQL: one erasure request of a borrower at a time. A first request has no row to lock (an
    applicant has no line either), so two of them would both insert; this transaction lock is taken per
    borrower instead, and the second request then reads the first's row. SQLite's writers are serial."""
    if uow.connection.dialect.name == "postgresql":
        uow.connection.execute(text("SELECT pg_advisory_xact_lock(:scope, hashtext(:borrower))"),
                               {"scope": ERASURE_LOCK_SCOPE, "borrower": borrower_id})  # fmt: skip


def _stored(uow: UnitOfWork, borrower_id: str) -> dict[str, Any] | None:
    from creditline.store.tables_audit import erasure_requests

    query = select(erasure_requests).where(erasure_requests.c.borrower_id == borrower_id)
    found = uow.connection.execute(query).mappings().first()
    return None if found is None else dict(found)


def _view(row: dict[str, Any], *, already: bool) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "borrower_id": row["borrower_id"], "outcome": row["status"], "already": already,
        "requested_on": day(row["requested_on"]), "erase_on": day(row["erase_on"]), "erased_on": day(row["erased_on"]),
        "fields_erased": row["fields_erased"], "policy_version": row["policy_version"], "reason": row["reason"],
    }  # fmt: skip


def export_subject(
    engine: Engine, borrower_id: str, actor: str, at_s: int | None = None, step_up: StepUp | None = None,
    by_operator: bool = False,
) -> dict[str, Any]:
    """The borrower's export document (`privacy.subject_export`), its read logged as `subject_request`;
    a signed-in request's (`step_up`: the borrower's own, or an operator's) after the assertion, when
    its account has a passkey."""
    from creditline.app.drawdown_screening import at_or_now
    from creditline.app.subject_status import export_sections, subject_status
    from creditline.privacy.access import AccessPurpose
    from creditline.privacy.retention import PERSONAL_FIELDS
    from creditline.privacy.subject_export import build_export
    from creditline.store.personal_data import PersonalDataStore
    from creditline.store.tables_audit import personal_data

    if step_up is not None:
        _step_up(engine, step_up, EXPORT, borrower_id, by_operator)
    with UnitOfWork(engine) as uow:
        if subject_status(uow, borrower_id) is None:
            raise BorrowerNotFound(f"no borrower {borrower_id}", field="borrower")
        c = personal_data.c
        held = uow.connection.execute(select(c.field).where(c.borrower_id == borrower_id)).scalars().all()
        at = at_or_now(at_s)
        values = PersonalDataStore(uow.connection, keyring("borrower")).read(
            actor=actor, borrower_id=borrower_id, purpose=AccessPurpose.SUBJECT_REQUEST,
            fields=sorted(set(PERSONAL_FIELDS) | set(held)), consents=[], at=at,
        )  # fmt: skip
        sections = export_sections(uow, borrower_id)
        uow.commit()  # the access log entry
    return build_export(borrower_id, at, values, sections)
