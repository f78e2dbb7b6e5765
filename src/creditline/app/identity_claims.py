"""Refused identity claims, counted per account and per claimed identity: past the limit, applications wait.

An application naming a borrower the account may not apply as is refused (`applications`:
`identity_claimed`, `identity_mismatch`). That refusal tells an account with no borrower that the
ID number it typed belongs to an existing customer, so each is counted (`identity_claim_refusals`,
in the database: every server process sees the same count). Once an account has been refused
REFUSALS_MAX times within REFUSALS_WINDOW_S, its applications are refused with 429
`identity_attempts_exceeded` (and `Retry-After`, when the oldest of those refusals leaves the
window) before any identity is looked up (the count is read with the decision's first reads, in
its unit of work), and the account is reported on the `creditline.security`
logger, where the fraud team reads the refusals themselves.

The same count is kept per claimed identity (the borrower id the application named: the keyed hash
of its ID number), whichever accounts sent them, or a new account after another would each get
REFUSALS_MAX tries at one ID number. Once an identity has been refused REFUSALS_MAX times within the
window, every application naming it is refused with the same 429 before it is told apart from any
other identity (`queue_identity_attempts_left`, queued with the decision's reads: the identity is known
only once its fields are read) — except the identity's own holder's, whose account never counts
against it; the identity is reported too.

The counts are taken again, under the account's row lock and the identity's lock, when a refusal is
recorded: requests sent together all pass the first look, and only the first REFUSALS_MAX of them get
their answer; the others are answered 429 too, not recorded. Times are wall-clock Unix seconds read at
this edge (`wall_clock_s`, which tests replace), as session times are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine

from creditline.app.access import now_s
from creditline.errors import DomainError, TooManyAttempts
from creditline.store import UnitOfWork
from creditline.store.driver_sql import Rows
from creditline.store.identity_repository import IdentityRepository, refusal_times

REFUSALS_MAX = 3
REFUSALS_WINDOW_S = 24 * 3600
ACCOUNT_EXCEEDED = ("too many applications from this account were refused for the ID number they named; "
                    "try again later, or contact support")  # fmt: skip
IDENTITY_EXCEEDED = ("too many applications naming this ID number were refused lately; "
                     "try again later, or contact support")  # fmt: skip
_security = logging.getLogger("creditline.security")


class IdentityAttemptsExceeded(TooManyAttempts):
    """The account was refused for the identity it named too often lately: it may not apply for now."""

    code = "identity_attempts_exceeded"


def wall_clock_s() -> int:
    return now_s()


def queue_attempts_left(uow: UnitOfWork, account_id: str) -> Callable[[], None]:
    """Queue the count of the account's recent refusals (with the application's first reads: one round
    trip on PostgreSQL); the returned check, called once it has run, refuses (429) an application from
    an account refused REFUSALS_MAX times within the window."""
    now = wall_clock_s()
    rows = IdentityRepository(uow.connection).queue_claim_refusal_times(account_id, now - REFUSALS_WINDOW_S, REFUSALS_MAX)
    return _check_of(rows, now, ACCOUNT_EXCEEDED, {"event": "identity_attempts_blocked", "account_id": account_id})


def queue_identity_attempts_left(connection: Connection, claimed_borrower_id: str) -> Callable[[], None]:
    """Queue the count of recent refusals naming the claimed identity (the borrower id of its ID number),
    from any accounts, with the decision's reads of the applicant; the returned check, called once it has
    run and before anything tells the identity apart, refuses (429) after REFUSALS_MAX within the window."""
    now = wall_clock_s()
    rows = IdentityRepository(connection).queue_identity_refusal_times(
        claimed_borrower_id, now - REFUSALS_WINDOW_S, REFUSALS_MAX
    )
    return _check_of(rows, now, IDENTITY_EXCEEDED, {"event": "claimed_identity_blocked", "borrower_id": claimed_borrower_id})


def _check_of(rows: Rows, now: int, message: str, fields: dict[str, str]) -> Callable[[], None]:
    """The check of queued refusal times: 429 (logged to the security log) at REFUSALS_MAX of them."""

    def check() -> None:
        times = refusal_times(rows)
        if len(times) >= REFUSALS_MAX:
            _security.info("application refused: %s", IdentityAttemptsExceeded.code, extra={"fields": fields})
            raise _exceeded(times, now, message)

    return check


def counted(engine: Engine, account_id: str, refused: DomainError, claimed_borrower_id: str) -> DomainError:
    """Record the refusal of the account's application naming the claimed identity (in a unit of work of
    its own: the decision's rolled back) and return what to raise: `refused`, or the 429 when the account
    or the identity had no attempt left."""
    now = wall_clock_s()
    since = now - REFUSALS_WINDOW_S
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        repository.account(account_id, for_update=True)  # one account's refusals are counted one at a time
        repository.lock_claimed_identity(claimed_borrower_id)  # and one identity's, always after the account's
        times = repository.claim_refusal_times(account_id, since, REFUSALS_MAX)
        if len(times) >= REFUSALS_MAX:
            return _exceeded(times, now)
        claims = repository.identity_refusal_times(claimed_borrower_id, since, REFUSALS_MAX)
        if len(claims) >= REFUSALS_MAX:
            return _exceeded(claims, now, IDENTITY_EXCEEDED)
        repository.add_claim_refusal(account_id, refused.code, now, since, claimed_borrower_id)
        uow.commit()
    if len(times) + 1 == REFUSALS_MAX:  # for review: the account used up its attempts
        _flag("account_id", account_id, IdentityAttemptsExceeded.code)
    if len(claims) + 1 == REFUSALS_MAX:  # and the identity its own, whoever used them
        _flag("borrower_id", claimed_borrower_id, "claimed_identity_attempts_exceeded")
    return refused


def _flag(who: str, whose: str, event: str) -> None:
    _security.warning("%s flagged: %s", who, event, extra={"fields": {
        "event": event, who: whose, "refusals": REFUSALS_MAX, "window_s": REFUSALS_WINDOW_S,
    }})  # fmt: skip


def _exceeded(times: list[int], now: int, message: str = ACCOUNT_EXCEEDED) -> IdentityAttemptsExceeded:
    """The refusal, with the wait until the oldest of the last REFUSALS_MAX refusals leaves the window."""
    wait_s = max(1, times[-REFUSALS_MAX] + REFUSALS_WINDOW_S - now)
    return IdentityAttemptsExceeded(message, field="applicant.id_number", retry_after_s=wait_s)
