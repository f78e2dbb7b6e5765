"""The borrower's repayment account: changed through transaction monitoring, kept in the privacy vault.

A change of repayment account is the first step of the classic account takeover (new phone, new
account, then drain the line to it), so it is screened like a drawdown (`app.monitoring.screen`,
kind `account-change`) before anything is stored. An account with a passkey steps up on every change
(`app.step_ups`: a fresh user-verified assertion bound to this action and the new account,
`approval_binding`), from
whatever device, so a stolen session cannot send the next disbursements and refunds elsewhere
(docs/security.md finding 13); an account without one is screened as before, a step-up outcome
asking for that assertion. A hold waits for a reviewer (a release lets the same change through). Only then is the number stored — encrypted in
`personal_data` (field `bank_account`) with its blind index — and read back only masked, through a
purpose-checked, logged read (the borrower's own request).

The blind index also answers, without decrypting anything, whether another borrower already repays
from the same account: the change goes through (families share accounts) but a `shared_repayment_account`
fraud signal is recorded for the early-warning run. The same index is what drawdown screening compares
(`app.drawdown_screening.account_token`), so a drawdown right after a change sees the new account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from creditline.app.common import business_date
from creditline.app.drawdown_screening import Client, at_or_now, device_of, outcome_brief, wall_clock_s
from creditline.app.step_ups import StepUp, require_if_passkey
from creditline.app.vault_keys import keyring
from creditline.errors import DomainError
from creditline.store import UnitOfWork

FIELD = "bank_account"
FIELD_INPUT = "account_number"  # the request field a refusal names
ACCOUNT_PATTERN = re.compile(r"^[0-9A-Z]{8,34}$")  # bank cards (16-19 digits), domestic accounts, IBANs
SHOWN_DIGITS = 4


class RepaymentAccountInvalid(DomainError):
    code = "repayment_account_invalid"


@dataclass(frozen=True, slots=True)
class ChangeAccount:
    borrower_id: str
    actor: str  # the account making the change (for the access log)
    account_number: str
    client: Client | None = None
    user_verified: bool = False  # the caller verified a passkey assertion bound to this change itself
    step_up: StepUp | None = None  # a signed-in request's: required (and verified here) when the account has a passkey


def normalised(text: str) -> str:
    number = re.sub(r"[\s-]", "", str(text)).upper()
    if not ACCOUNT_PATTERN.fullmatch(number):
        raise RepaymentAccountInvalid("8 to 34 letters and digits (spaces and hyphens are ignored)", field="account_number")
    return number


def masked(number: str) -> str:
    return "•" * 4 + number[-SHOWN_DIGITS:]


def blind_index(number: str, keys: Any = None) -> str:
    from creditline.privacy.blind_index import BlindIndexer, IndexedKind

    return BlindIndexer((keys or keyring(FIELD_INPUT)).blind_index_key).index(IndexedKind.BANK_ACCOUNT, number)


CHANGE, LINK = "repayment_account", "repayment_source"  # the actions that send the money to a new account
STEP_UP_ACTIONS = {  # action -> (what the step-up says it is for, where its options are asked)
    CHANGE: ("changing where the money goes", "POST /v1/me/repayment-account/approvals"),
    LINK: ("linking a repayment source", "POST /v1/me/repayment-sources/approvals"),
}


def approval_binding(account_number: str, action: str = CHANGE) -> dict[str, Any]:
    """What a passkey approving `action` (a change of repayment account, or linking a source) signs for:
    that action and the new account, as its blind index (never the number). The challenge is also bound
    to the signed-in account, so an approval is spent only on the action and the account it was asked for."""
    return {action: blind_index(normalised(account_number))}


def stepped_up(engine: Engine, step_up: StepUp | None, index: str, action: str = CHANGE) -> bool:
    """True when the request's assertion approving `action` to the account with blind index `index`
    verified; `StepUpRequired` when its account has a passkey and it sent none, `binding_mismatch` when
    it approved another action or account. False without a step-up to check: an account with no
    passkey, or a caller that is no signed-in request (the operator's CLI)."""
    if step_up is None:
        return False
    what, options_at = STEP_UP_ACTIONS[action]
    return require_if_passkey(engine, step_up, {action: index}, action=what, options_at=options_at)


def change_account(engine: Engine, command: ChangeAccount) -> dict[str, Any]:
    """Step up (an account with a passkey), screen the change, then store the new account (encrypted);
    `StepUpRequired` / `HeldForReview` otherwise, with nothing stored."""
    number, keys = normalised(command.account_number), keyring(FIELD_INPUT)
    index = blind_index(number, keys)
    with UnitOfWork(engine, read_only=True) as uow:  # refuse before screening: a refusal changes nothing
        _refuse_a_linked_source(uow, command.borrower_id, index)
    verified = stepped_up(engine, command.step_up, index) or command.user_verified
    view = screen_account_change(engine, command.borrower_id, index, command.client, verified)
    on = _store(engine, command.borrower_id, number, keys, index)
    return {"account": masked(number), "changed_on": on.isoformat(), "monitoring": outcome_brief(view)}


def screen_account_change(engine: Engine, borrower_id: str, index: str, client: Client | None,
                          user_verified: bool) -> dict[str, Any]:
    """Screen a new account to repay from (a change here, or a linked repayment source): the outcome's
    view when it lets the change proceed, else `StepUpRequired` / `HeldForReview`."""
    from creditline.app.monitoring import Screening, require_clearance, screen

    screening = Screening(
        borrower_id=borrower_id, kind="account-change",
        at_s=client.at_s if client is not None and client.at_s is not None else wall_clock_s(),
        device=device_of(client), account=index, utc_offset_minutes=client.utc_offset_minutes if client else 480,
        user_verified=user_verified, reference=f"acct:{index}",
    )  # fmt: skip
    view = screen(engine, screening)
    require_clearance(view)
    return view


def _refuse_a_linked_source(uow: UnitOfWork, borrower_id: str, index: str) -> None:
    """The account on file is one of the borrower's repayment sources: it cannot become a second source
    already linked, which auto-debit would then ask twice in a round."""
    from creditline.app.repayment_sources import SourceAlreadyLinked  # that module imports this one
    from creditline.store.tables_repayment_sources import repayment_sources

    s = repayment_sources.c
    linked = select(s.source_id).where(
        s.borrower_id == borrower_id, s.account_index == index, s.status == "active", s.vault_field != FIELD
    )
    if uow.connection.execute(linked.limit(1)).first() is not None:
        raise SourceAlreadyLinked("this account is already one of your repayment sources; move it first in "
                                  "the order instead", field="account_number")  # fmt: skip


def _store(engine: Engine, borrower_id: str, number: str, keys: Any, index: str) -> Any:
    from creditline.store.collections_repository import ReviewRepository
    from creditline.store.personal_data import PersonalDataStore

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        _refuse_a_linked_source(uow, borrower_id, index)  # again: a link may have been made since the screening
        vault = PersonalDataStore(uow.connection, keys)
        others = [b for b in vault.borrowers_with(FIELD, number) if b != borrower_id]
        vault.put(borrower_id, {FIELD: number}, on)
        _sync_source_on_file(uow, borrower_id, index)
        if others:
            detail = f"the new repayment account is also the repayment account of {len(others)} other borrower(s)"
            ReviewRepository(uow.connection).add_signal({"borrower_id": borrower_id, "kind": "shared_repayment_account",
                                                         "detail": detail, "source": "repayment-account", "observed_on": on})  # fmt: skip
        uow.commit()
    return on


def _sync_source_on_file(uow: UnitOfWork, borrower_id: str, index: str) -> None:
    """A borrower with linked sources (app.repayment_sources) has the account on file as one of them."""
    from sqlalchemy import update

    from creditline.store.tables_repayment_sources import repayment_sources

    s = repayment_sources.c
    uow.connection.execute(
        update(repayment_sources).where(s.borrower_id == borrower_id, s.vault_field == FIELD).values(account_index=index)
    )


def show_account(engine: Engine, borrower_id: str, actor: str, at_s: int | None = None) -> dict[str, Any]:
    """The account on file, masked; read at the borrower's own request (the read is logged)."""
    from creditline.privacy.access import AccessPurpose
    from creditline.store.personal_data import PersonalDataStore
    from creditline.store.tables_audit import personal_data

    c = personal_data.c
    with UnitOfWork(engine) as uow:
        found = uow.connection.execute(select(c.updated_on).where(c.borrower_id == borrower_id, c.field == FIELD)).first()
        if found is None:
            return {"account": None, "changed_on": None, "source": "application"}
        at = at_or_now(at_s)
        values = PersonalDataStore(uow.connection, keyring(FIELD_INPUT)).read(
            actor=actor, borrower_id=borrower_id, purpose=AccessPurpose.SUBJECT_REQUEST, fields=[FIELD], consents=[], at=at
        )
        uow.commit()  # the access log entry
    number = values[FIELD]
    return {"account": None if number is None else masked(number), "changed_on": found[0].isoformat(), "source": "changed"}
