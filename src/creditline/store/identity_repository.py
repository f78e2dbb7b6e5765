"""Reads and writes of the identity tables: accounts, passkeys, sessions, challenges, consents.

Statements on the per-request path (a session look-up joined to its account) are built once:
constructing a statement costs more than running it on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from creditline.store.driver_sql import Rows, execute, execute_many
from creditline.store.tables_identity import (
    account_applications,
    account_consents,
    identity_accounts,
    identity_challenges,
    identity_claim_refusals,
    identity_credentials,
    identity_sessions,
)

_a, _s = identity_accounts.c, identity_sessions.c
CONSENTS_READ_MAX = 1_000  # one borrower's records for one purpose (an account keeps at most 200)
_SESSION_WITH_ACCOUNT = (
    select(
        identity_sessions,
        _a.privilege_epoch.label("account_epoch"),
        _a.status.label("account_status"),
        _a.borrower_id,
        _a.display_name,
    )
    .join(identity_accounts, _a.account_id == _s.account_id)
    .where(_s.token_hash == bindparam("token_hash"), _s.ended_at.is_(None))
)
_SESSION_KEYS = tuple(column.key for column in _SESSION_WITH_ACCOUNT.selected_columns)
_TOUCH = update(identity_sessions).where(_s.token_hash == bindparam("th")).values(last_seen_at=bindparam("now"))
_INSERT_ACCOUNT = insert(identity_accounts)
_INSERT_SESSION = insert(identity_sessions)
_INSERT_CONSENT = insert(account_consents)
_CONSENT_ARRAYS = ("consent_id", "scope", "purpose", "text_version", "granted_at", "expires_at", "withdrawn_at")
_INSERT_CONSENTS_UNNEST = text(
    "INSERT INTO account_consents (account_id, consent_id, scope, purpose, text_version, granted_at, expires_at, withdrawn_at) "
    "SELECT :account_id, c.* FROM unnest(CAST(:consent_id AS VARCHAR[]), CAST(:scope AS VARCHAR[]), "
    "CAST(:purpose AS VARCHAR[]), CAST(:text_version AS VARCHAR[]), CAST(:granted_at AS BIGINT[]), "
    "CAST(:expires_at AS BIGINT[]), CAST(:withdrawn_at AS BIGINT[])) AS c"
)  # PostgreSQL: one account's consents in one statement
_CONSENT_COUNT = select(func.count()).select_from(account_consents).where(
    account_consents.c.account_id == bindparam("account_id")
)
_INSERT_CHALLENGE = insert(identity_challenges)
_ACCOUNT = select(identity_accounts).where(_a.account_id == bindparam("account_id"))
_ACCOUNT_FOR_UPDATE = _ACCOUNT.with_for_update()
_ACCOUNT_BY_BORROWER = select(identity_accounts.c.account_id).where(_a.borrower_id == bindparam("borrower_id"))
_APPLICATION_OWNER = select(account_applications.c.account_id).where(
    account_applications.c.decision_id == bindparam("decision_id")
)
_LINK = (
    update(identity_accounts)
    .where(_a.account_id == bindparam("aid"))
    .values(borrower_id=bindparam("bid"), privilege_epoch=bindparam("epoch"))
)
_OTHER = identity_accounts.alias("other")
_LINK_FIRST = (
    update(identity_accounts)
    .where(
        _a.account_id == bindparam("aid"),
        _a.borrower_id.is_(None),
        ~select(_OTHER.c.account_id).where(_OTHER.c.borrower_id == bindparam("bid")).exists(),
    )
    .values(borrower_id=bindparam("bid"), privilege_epoch=_a.privilege_epoch + 1)
    .returning(_a.privilege_epoch)
)
_REPLACE_SESSION = (
    update(identity_sessions)
    .where(_s.token_hash == bindparam("old"), _s.ended_at.is_(None))
    .values(token_hash=bindparam("new"), csrf_hash=bindparam("csrf"), privilege_epoch=bindparam("epoch"),
            last_seen_at=bindparam("now"))
)  # fmt: skip


@cache
def _insert_application_once(dialect_name: str) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(account_applications).on_conflict_do_nothing(index_elements=["decision_id"])
    return statement.returning(account_applications.c.decision_id)


# A rotation queued before the borrower link it depends on is known (one round trip for the claim):
# it takes effect only if the account now holds that borrower at exactly the epoch the link sets.
_ROTATE_IF_LINKED = (
    update(identity_sessions)
    .where(
        _s.token_hash == bindparam("old"),
        _s.ended_at.is_(None),
        select(_a.account_id)
        .where(_a.account_id == bindparam("aid"), _a.borrower_id == bindparam("bid"), _a.privilege_epoch == bindparam("epoch"))
        .exists(),
    )
    .values(token_hash=bindparam("new"), csrf_hash=bindparam("csrf"), privilege_epoch=bindparam("epoch"),
            last_seen_at=bindparam("now"))
)  # fmt: skip
_END_SESSION = (
    update(identity_sessions)
    .where(_s.token_hash == bindparam("th"), _s.ended_at.is_(None))
    .values(ended_at=bindparam("now"))
)


@contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A connection for one SELECT outside a transaction: the per-request look-ups (a session, an
    owner) need no snapshot across statements, and skipping BEGIN/ROLLBACK saves two round trips."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def _one(connection: Connection, query: Any) -> dict[str, Any] | None:
    row = connection.execute(query).mappings().first()
    return None if row is None else dict(row)


@cache
def _claim_refusals() -> Any:
    c = identity_claim_refusals.c
    return (select(c.refused_at).where(c.account_id == bindparam("account_id"), c.refused_at >= bindparam("since"))
            .order_by(c.refused_at.desc()).limit(bindparam("limit")))  # fmt: skip


@cache
def _identity_refusals() -> Any:
    c = identity_claim_refusals.c
    return (select(c.refused_at).where(c.claimed_borrower_id == bindparam("claimed"), c.refused_at >= bindparam("since"))
            .order_by(c.refused_at.desc()).limit(bindparam("limit")))  # fmt: skip


CLAIMED_IDENTITY_LOCK_SCOPE = 0x49444E54  # pg_advisory_xact_lock(scope, claimed identity): "IDNT"


def refusal_times(rows: Rows) -> list[int]:
    """The times of the queued refusal times' rows, oldest first."""
    return sorted(row[0] for row in rows.all())


class IdentityRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- accounts ---------------------------------------------------------------------------------
    def add_account(self, row: dict[str, Any]) -> None:
        full = {"borrower_id": None, "enrollment_hash": None, "enrollment_expires_at": None} | row
        self.connection.execute(_INSERT_ACCOUNT, full)

    def account(self, account_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        query = _ACCOUNT_FOR_UPDATE if for_update else _ACCOUNT
        row = self.connection.execute(query, {"account_id": account_id}).mappings().first()
        return None if row is None else dict(row)

    def link_borrower(self, account_id: str, borrower_id: str, privilege_epoch: int) -> None:
        self.connection.execute(_LINK, {"aid": account_id, "bid": borrower_id, "epoch": privilege_epoch})

    def borrower_is_linked(self, borrower_id: str) -> bool:
        return self.queue_borrower_is_linked(borrower_id).first() is not None

    def queue_borrower_is_linked(self, borrower_id: str) -> Rows:
        """The account linked to the borrower (one row), none when no account is. Queued when pipelined:
        asked before every application over HTTP, with the decision's reads of the applicant."""
        return execute(self.connection, _ACCOUNT_BY_BORROWER, {"borrower_id": borrower_id})

    def account_by_enrollment(self, enrollment_hash: str) -> dict[str, Any] | None:
        return _one(self.connection, select(identity_accounts).where(_a.enrollment_hash == enrollment_hash))

    def update_account(self, account_id: str, **values: Any) -> None:
        self.connection.execute(update(identity_accounts).where(_a.account_id == account_id).values(**values))

    def lock_active_admins(self) -> list[str]:
        """The active admins' account ids, each row locked (in id order, so two callers cannot deadlock)
        until the transaction ends: a change that could leave no admin is decided against them."""
        query = select(_a.account_id).where(_a.role == "admin", _a.status == "active").order_by(_a.account_id)
        return list(self.connection.execute(query.with_for_update()).scalars())

    def operators(self, limit: int) -> list[dict[str, Any]]:
        query = select(identity_accounts).where(_a.role != "borrower").order_by(_a.created_at, _a.account_id)
        return [dict(r) for r in self.connection.execute(query.limit(limit)).mappings()]

    # -- passkeys ---------------------------------------------------------------------------------
    def add_credential(self, row: dict[str, Any]) -> None:
        self.connection.execute(insert(identity_credentials).values(**row))

    def credential(self, credential_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        c = identity_credentials.c
        query = select(identity_credentials).where(c.credential_id == credential_id)
        return _one(self.connection, query.with_for_update() if for_update else query)

    def credential_ids(self, account_id: str) -> list[str]:
        c = identity_credentials.c
        query = select(c.credential_id).where(c.account_id == account_id).order_by(c.created_at)
        return list(self.connection.execute(query.with_for_update()).scalars())

    def count_use(self, credential_id: str, sign_count: int, now: int) -> None:
        c = identity_credentials.c
        self.connection.execute(
            update(identity_credentials)
            .where(c.credential_id == credential_id)
            .values(sign_count=sign_count, last_used_at=now)
        )

    # -- challenges -------------------------------------------------------------------------------
    def add_challenge(self, row: dict[str, Any]) -> None:
        self.connection.execute(_INSERT_CHALLENGE, {"used_at": None} | row)

    def take_challenge(self, challenge: str, now: int) -> dict[str, Any] | None:
        """Mark the challenge used and return it, or None when it was unknown or used already.

        The conditional UPDATE is the single-use guarantee: of two racing requests with one
        challenge, exactly one sees a row change.
        """
        ch = identity_challenges.c
        found = _one(self.connection, select(identity_challenges).where(ch.challenge == challenge))
        if found is None or found["used_at"] is not None:
            return None
        taken = self.connection.execute(
            update(identity_challenges)
            .where(and_(ch.challenge == challenge, ch.used_at.is_(None)))
            .values(used_at=now)
        )
        return found if taken.rowcount == 1 else None

    def purge_challenges(self, before: int) -> int:
        ch = identity_challenges.c
        return self.connection.execute(delete(identity_challenges).where(ch.expires_at < before)).rowcount

    # -- sessions ---------------------------------------------------------------------------------
    def add_session(self, row: dict[str, Any]) -> None:
        self.connection.execute(_INSERT_SESSION, {"ended_at": None} | row)

    def session(self, token_hash: str) -> dict[str, Any] | None:
        # On the driver's cursor: every authenticated request runs this, and SQLAlchemy's execution
        # (cache look-up, result set-up) costs more client CPU than the indexed look-up itself.
        row = execute(self.connection, _SESSION_WITH_ACCOUNT, {"token_hash": token_hash}).first()
        return None if row is None else dict(zip(_SESSION_KEYS, row, strict=True))

    def touch_session(self, token_hash: str, now: int) -> None:
        self.connection.execute(_TOUCH, {"th": token_hash, "now": now})

    def end_session(self, token_hash: str, now: int) -> None:
        self.connection.execute(_END_SESSION, {"th": token_hash, "now": now})

    # -- consents ---------------------------------------------------------------------------------
    def add_consents(self, rows: list[dict[str, Any]]) -> None:
        """One account's consent rows: one statement on PostgreSQL, queued when pipelined."""
        if not rows:
            return
        if self.connection.dialect.name != "postgresql":
            execute_many(self.connection, _INSERT_CONSENT, rows)
            return
        columns = {name: [row[name] for row in rows] for name in _CONSENT_ARRAYS}
        execute(self.connection, _INSERT_CONSENTS_UNNEST, {"account_id": rows[0]["account_id"], **columns})

    def queue_consent_count(self, account_id: str) -> Rows:
        """How many consent records the account holds, withdrawn ones too (one row). Queued when pipelined:
        queued after an insert of consents, it counts them."""
        return execute(self.connection, _CONSENT_COUNT, {"account_id": account_id})

    def consents(self, account_id: str) -> list[dict[str, Any]]:
        c = account_consents.c
        query = select(account_consents).where(c.account_id == account_id).order_by(c.granted_at, c.consent_id)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def borrower_consents(self, borrower_id: str, purpose: str) -> list[dict[str, Any]]:
        """The consent records for `purpose` of the account(s) linked to a borrower, oldest first."""
        c = account_consents.c
        query = (
            select(account_consents)
            .join(identity_accounts, _a.account_id == c.account_id)
            .where(_a.borrower_id == borrower_id, c.purpose == purpose)
            .order_by(c.granted_at, c.consent_id)
            .limit(CONSENTS_READ_MAX)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def consent(self, consent_id: str) -> dict[str, Any] | None:
        return _one(self.connection, select(account_consents).where(account_consents.c.consent_id == consent_id))

    def withdraw_consent(self, consent_id: str, now: int) -> None:
        c = account_consents.c
        self.connection.execute(
            update(account_consents).where(c.consent_id == consent_id, c.withdrawn_at.is_(None)).values(withdrawn_at=now)
        )

    # -- refused identity claims ------------------------------------------------------------------
    def claim_refusal_times(self, account_id: str, since: int, limit: int) -> list[int]:
        """When the account's applications were refused for the identity they named, from `since` on:
        the latest `limit`, oldest first."""
        return refusal_times(self.queue_claim_refusal_times(account_id, since, limit))

    def queue_claim_refusal_times(self, account_id: str, since: int, limit: int) -> Rows:
        """`claim_refusal_times` as rows (`refusal_times` reads them). Queued when pipelined: asked before
        every application over HTTP, with the decision's first reads; one statement compiled once and
        run on the driver (`store.driver_sql`), as the session look-up is."""
        return execute(self.connection, _claim_refusals(), {"account_id": account_id, "since": since, "limit": limit})

    def identity_refusal_times(self, claimed_borrower_id: str, since: int, limit: int) -> list[int]:
        """When applications naming the claimed identity (the borrower id of their ID number) were refused,
        whichever account sent them, from `since` on: the latest `limit`, oldest first."""
        return refusal_times(self.queue_identity_refusal_times(claimed_borrower_id, since, limit))

    def queue_identity_refusal_times(self, claimed_borrower_id: str, since: int, limit: int) -> Rows:
        """`identity_refusal_times` as rows (`refusal_times` reads them). Queued when pipelined: asked
        with the decision's reads of the applicant, beside whether another account holds the identity."""
        params = {"claimed": claimed_borrower_id, "since": since, "limit": limit}
        return execute(self.connection, _identity_refusals(), params)

    def lock_claimed_identity(self, claimed_borrower_id: str) -> None:
        """PostgreSQL: one refusal of a claimed identity counted at a time, whichever accounts name it (each
        account's own are counted one at a time under its row lock; an identity has no row to lock, so a
        transaction lock is taken on it, after the account's). SQLite's writers are serial."""
        if self.connection.dialect.name == "postgresql":
            self.connection.execute(text("SELECT pg_advisory_xact_lock(:scope, hashtext(:claimed))"),
                                    {"scope": CLAIMED_IDENTITY_LOCK_SCOPE, "claimed": claimed_borrower_id})  # fmt: skip

    def add_claim_refusal(self, account_id: str, code: str, now: int, forget_before: int, claimed_borrower_id: str) -> None:
        """Count a refusal of the account naming the claimed identity, and drop the account's and the
        identity's refusals that no longer count (before `forget_before`)."""
        c = identity_claim_refusals.c
        self.connection.execute(delete(identity_claim_refusals).where(
            (c.account_id == account_id) | (c.claimed_borrower_id == claimed_borrower_id), c.refused_at < forget_before))
        self.connection.execute(insert(identity_claim_refusals).values(
            account_id=account_id, code=code, refused_at=now, claimed_borrower_id=claimed_borrower_id))

    # -- applications -----------------------------------------------------------------------------
    def queue_application(self, decision_id: str, account_id: str, now: int) -> Rows:
        """Record who submitted a decision: one row (the decision id) once it has run, none when it was
        recorded already (a retry). Queued when pipelined."""
        statement = _insert_application_once(self.connection.dialect.name)
        return execute(self.connection, statement, {"decision_id": decision_id, "account_id": account_id, "submitted_at": now})

    def queue_link_first_borrower(self, account_id: str, borrower_id: str) -> Rows:
        """Link an account to its borrower unless it has one or the borrower is another account's,
        raising the account's privilege epoch: the new epoch as its one row, or no row when nothing
        changed. Queued when pipelined."""
        return execute(self.connection, _LINK_FIRST, {"aid": account_id, "bid": borrower_id})

    def queue_rotation_if_linked(
        self, old_token_hash: str, new_token_hash: str, csrf_hash: str, account_id: str, borrower_id: str, epoch: int, now: int
    ) -> None:
        """`replace_session`, taking effect only if the account holds `borrower_id` at `epoch` when it runs."""
        params = {"old": old_token_hash, "new": new_token_hash, "csrf": csrf_hash, "aid": account_id, "bid": borrower_id,
                  "epoch": epoch, "now": now}  # fmt: skip
        execute(self.connection, _ROTATE_IF_LINKED, params)

    def replace_session(self, old_token_hash: str, new_token_hash: str, csrf_hash: str, epoch: int, now: int) -> None:
        """Rotate a session in place: new token and CSRF hashes under the account's new epoch."""
        self.connection.execute(
            _REPLACE_SESSION, {"old": old_token_hash, "new": new_token_hash, "csrf": csrf_hash, "epoch": epoch, "now": now}
        )

    def application_owner(self, decision_id: str) -> str | None:
        return self.connection.execute(_APPLICATION_OWNER, {"decision_id": decision_id}).scalar()

    def applications(self, account_id: str, limit: int | None) -> list[str]:
        """The account's decision ids, latest first; `limit` None: every one."""
        c = account_applications.c
        query = select(c.decision_id).where(c.account_id == account_id).order_by(c.submitted_at.desc(), c.decision_id)
        return list(self.connection.execute(query if limit is None else query.limit(limit)).scalars())
