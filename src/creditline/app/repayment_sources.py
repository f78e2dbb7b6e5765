"""A borrower's repayment sources: several bank accounts or wallets, asked in priority order by auto-debit.

The account on file (`app.repayment_accounts`: the application's account, or the one changed to) is
the borrower's first source. It becomes a row of its own — priority 1, debited at the bank as the
borrower's account — the first time another source is linked; until then a borrower has no rows and
auto-debit asks the account on file, as before.

Linking a source is stepped up and screened exactly like a change of repayment account
(`stepped_up`, `screen_account_change`: a passkey assertion on every link for an account with a
passkey — its own approval, bound to linking this number, which a change of repayment account's
approval for the same number is not, nor the reverse — the same takeover rules and hold); the number is then stored encrypted in the privacy vault
(field `bank_account:<source_id>`, a bank account for the vault's purpose checks) with its blind index in `repayment_sources`, and only ever shown masked
through a purpose-checked, logged read. A source id that is not one of the borrower's active sources
is `source_not_found` on `source_id` — whether it exists for someone else or not at all — and
nothing changes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from creditline.app.common import business_date
from creditline.app.drawdown_screening import Client, at_or_now, outcome_brief
from creditline.app.repayment_accounts import (
    FIELD,
    FIELD_INPUT,
    LINK,
    blind_index,
    masked,
    normalised,
    screen_account_change,
    stepped_up,
)
from creditline.app.step_ups import StepUp
from creditline.app.vault_keys import keyring
from creditline.errors import Conflict, DomainError, NotFound
from creditline.store import UnitOfWork

KINDS = ("bank-account", "wallet")
ON_FILE = "on-file"


def source_id_new() -> str:
    """RS + 16 hex digits: short enough that its vault field (`bank_account:<id>`) fits the 32 characters."""
    return "RS" + uuid.uuid4().hex[:16]


def on_file_source_id(borrower_id: str) -> str:
    """The account on file's source id, derived from the borrower: the same before and after it gets a row."""
    return "RS" + hashlib.blake2b(f"on-file:{borrower_id}".encode(), digest_size=8).hexdigest()


class SourceNotFound(NotFound):
    code = "source_not_found"


class SourceInvalid(DomainError):
    code = "repayment_source_invalid"


class SourceAlreadyLinked(Conflict):
    code = "source_already_linked"


class LastSource(Conflict):
    code = "last_source"


class BorrowerNotFound(NotFound):
    code = "borrower_not_found"


def require_borrower(uow: UnitOfWork, borrower_id: str) -> None:
    """A borrower is someone with a credit line."""
    from creditline.store.tables import credit_lines

    c = credit_lines.c
    if uow.connection.execute(select(c.line_id).where(c.borrower_id == borrower_id).limit(1)).first() is None:
        raise BorrowerNotFound(f"no borrower {borrower_id}", field="borrower")


@dataclass(frozen=True, slots=True)
class AddSource:
    borrower_id: str
    actor: str
    account_number: str
    kind: str = "bank-account"
    client: Client | None = None
    user_verified: bool = False  # the caller verified a passkey assertion bound to this account itself
    step_up: StepUp | None = None  # a signed-in request's: required when the account has a passkey


def add_source(engine: Engine, command: AddSource) -> dict[str, Any]:
    """Step up and screen the new source like an account change, then link it last in priority."""
    from creditline.servicing.debit_policy import SOURCES_MAX

    if command.kind not in KINDS:
        raise SourceInvalid(f"must be one of {', '.join(KINDS)}", field="kind")
    number, keys = normalised(command.account_number), keyring(FIELD_INPUT)
    index = blind_index(number, keys)
    with UnitOfWork(engine, read_only=True) as uow:  # refuse before screening: a refusal changes nothing
        require_borrower(uow, command.borrower_id)
        _check_new(_sources_with_on_file(uow, command.borrower_id), index, SOURCES_MAX)
    verified = stepped_up(engine, command.step_up, index, LINK) or command.user_verified
    view = screen_account_change(engine, command.borrower_id, index, command.client, verified)
    source = _link(engine, command, number, index, keys, SOURCES_MAX)
    return source | {"monitoring": outcome_brief(view)}


def _check_new(sources: list[dict[str, Any]], index: str, limit: int) -> None:
    active = [s for s in sources if s["status"] == "active"]
    if any(s["account_index"] == index for s in active):
        raise SourceAlreadyLinked(
            "this account is already one of your repayment sources", field="account_number"
        )
    if len(active) >= limit:
        raise SourceInvalid(f"at most {limit} repayment sources; remove one first", field="account_number")


def _link(
    engine: Engine, command: AddSource, number: str, index: str, keys: Any, limit: int
) -> dict[str, Any]:
    from creditline.store.collections_repository import ReviewRepository
    from creditline.store.personal_data import PersonalDataStore
    from creditline.store.tables_repayment_sources import RepaymentSourceRepository

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = RepaymentSourceRepository(uow.connection)
        existing = repo.of_borrower(command.borrower_id, lock=True)
        if not existing:
            existing = [_on_file_row(uow, command.borrower_id, on)]
            repo.add(existing[0])
        _check_new(existing, index, limit)  # again, under the lock: two concurrent links cannot both pass
        source_id = source_id_new()
        field = f"{FIELD}:{source_id}"
        priority = 1 + max((s["priority"] for s in existing if s["status"] == "active"), default=0)
        row = {"source_id": source_id, "borrower_id": command.borrower_id, "kind": command.kind,
               "bank_account_id": source_id, "vault_field": field, "account_index": index, "priority": priority,
               "status": "active", "added_on": on, "removed_on": None}  # fmt: skip
        repo.add(row)
        PersonalDataStore(uow.connection, keys).put(command.borrower_id, {field: number}, on)
        others = _others_with(uow, command.borrower_id, index)
        if others:
            ReviewRepository(uow.connection).add_signal({
                "borrower_id": command.borrower_id, "kind": "shared_repayment_account", "source": "repayment-source",
                "detail": f"a new repayment source is also a repayment account of {others} other borrower(s)",
                "observed_on": on,
            })  # fmt: skip
        uow.commit()
    return {"source_id": source_id, "kind": command.kind, "account": masked(number), "priority": priority,
            "status": "active", "added_on": on.isoformat()}  # fmt: skip


def _on_file_row(uow: UnitOfWork, borrower_id: str, on: Any) -> dict[str, Any]:
    """The account on file as priority 1: debited at the bank under the borrower's id, as before."""
    from creditline.store.tables_audit import personal_data

    c = personal_data.c
    index = uow.connection.execute(
        select(c.blind_index).where(c.borrower_id == borrower_id, c.field == FIELD)
    ).scalar_one_or_none()
    return {"source_id": on_file_source_id(borrower_id), "borrower_id": borrower_id, "kind": "bank-account",
            "bank_account_id": borrower_id, "vault_field": FIELD, "account_index": index, "priority": 1,
            "status": "active", "added_on": on, "removed_on": None}  # fmt: skip


def _sources_with_on_file(uow: UnitOfWork, borrower_id: str) -> list[dict[str, Any]]:
    from creditline.store.tables_repayment_sources import RepaymentSourceRepository

    found = RepaymentSourceRepository(uow.connection).of_borrower(borrower_id)
    return found or [_on_file_row(uow, borrower_id, None)]


def _others_with(uow: UnitOfWork, borrower_id: str, index: str) -> int:
    from creditline.store.tables_audit import personal_data
    from creditline.store.tables_repayment_sources import repayment_sources

    s, p = repayment_sources.c, personal_data.c
    linked = uow.connection.execute(
        select(s.borrower_id).where(s.account_index == index, s.status == "active")
    ).scalars()
    on_file = uow.connection.execute(
        select(p.borrower_id).where(p.field == FIELD, p.blind_index == index)
    ).scalars()
    return len({*linked, *on_file} - {borrower_id})


def list_sources(engine: Engine, borrower_id: str, actor: str, at_s: int | None = None) -> dict[str, Any]:
    """The borrower's active sources in priority order, masked (one logged read of the vault)."""
    from creditline.privacy.access import AccessPurpose
    from creditline.store.personal_data import PersonalDataStore

    with UnitOfWork(engine) as uow:
        require_borrower(uow, borrower_id)
        sources = [s for s in _sources_with_on_file(uow, borrower_id) if s["status"] == "active"]
        fields = sorted({s["vault_field"] for s in sources})
        at = at_or_now(at_s)
        values = PersonalDataStore(uow.connection, keyring(FIELD_INPUT)).read(
            actor=actor,
            borrower_id=borrower_id,
            purpose=AccessPurpose.SUBJECT_REQUEST,
            fields=fields,
            consents=[],
            at=at,
        )
        uow.commit()  # the access log entry
    return {"sources": [_view(s, values.get(s["vault_field"])) for s in sources]}


def _view(source: dict[str, Any], number: str | None) -> dict[str, Any]:
    added = source["added_on"]
    return {"source_id": source["source_id"], "kind": source["kind"], "account": None if number is None else masked(number),
            "on_file": source["vault_field"] == FIELD, "priority": source["priority"], "status": source["status"],
            "added_on": None if added is None else added.isoformat()}  # fmt: skip


def move_source(engine: Engine, borrower_id: str, source_id: str, priority: int) -> dict[str, Any]:
    """Put one source at `priority` (1 first); the others keep their order around it."""
    from creditline.store.tables_repayment_sources import RepaymentSourceRepository

    with UnitOfWork(engine) as uow:
        repo = RepaymentSourceRepository(uow.connection)
        active = _own_active(repo, borrower_id, source_id)
        if not 1 <= priority <= len(active):
            raise SourceInvalid(
                f"must be 1 to {len(active)} (you have {len(active)} sources)", field="priority"
            )
        order = [s["source_id"] for s in active if s["source_id"] != source_id]
        order.insert(priority - 1, source_id)
        repo.set_priorities({sid: n for n, sid in enumerate(order, start=1)})
        uow.commit()
    return {"order": order}


def remove_source(engine: Engine, borrower_id: str, source_id: str) -> dict[str, Any]:
    """Stop debiting a source (kept, status `removed`, for the record); the last one cannot go."""
    from creditline.store.tables_repayment_sources import RepaymentSourceRepository

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = RepaymentSourceRepository(uow.connection)
        active = _own_active(repo, borrower_id, source_id)
        if len(active) == 1:
            raise LastSource(
                "a borrower keeps at least one repayment source; add another first", field="source_id"
            )
        repo.remove(source_id, on)
        order = [s["source_id"] for s in active if s["source_id"] != source_id]
        repo.set_priorities({sid: n for n, sid in enumerate(order, start=1)})
        uow.commit()
    return {"source_id": source_id, "status": "removed", "removed_on": on.isoformat(), "order": order}


def _own_active(repo: Any, borrower_id: str, source_id: str) -> list[dict[str, Any]]:
    """The borrower's active sources (locked); `source_id` must be one of them."""
    found = repo.of_borrower(borrower_id, lock=True)
    if not found:  # only the account on file, not yet a row: it can be neither moved nor removed
        found = [{"source_id": on_file_source_id(borrower_id), "status": "active"}]
    active = [s for s in found if s["status"] == "active"]
    if source_id not in {s["source_id"] for s in active}:
        raise SourceNotFound(f"no repayment source {source_id} of yours", field="source_id")
    return active


def state_payday(engine: Engine, borrower_id: str, payday: int) -> dict[str, Any]:
    """The borrower says when they are paid: auto-debit times its first attempt by it (a stated
    payday is kept over one learned from inflows)."""
    from creditline.store.tables_repayment_sources import save_payday

    if isinstance(payday, bool) or not isinstance(payday, int) or not 1 <= payday <= 31:
        raise SourceInvalid("a day of the month, 1 to 31", field="payday")
    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        require_borrower(uow, borrower_id)
        save_payday(uow.connection, borrower_id, payday, "stated", on)
        uow.commit()
    return {"borrower_id": borrower_id, "payday": payday, "basis": "stated", "recorded_on": on.isoformat()}
