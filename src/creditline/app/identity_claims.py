"""Refused identity claims, counted per account: past the limit, the account's applications wait.

An application naming a borrower the account may not apply as is refused (`applications`:
`identity_claimed`, `identity_mismatch`). That refusal tells an account with no borrower that the
ID number it typed belongs to an existing customer, so each is counted (`identity_claim_refusals`,
in the database: every server process sees the same count). Once an account has been refused
REFUSALS_MAX times within REFUSALS_WINDOW_S, its applications are refused with 429
`identity_attempts_exceeded` (and `Retry-After`, when the oldest of those refusals leaves the
window) before any identity is looked up (the count is read with the decision's first reads, in
its unit of work), and the account is reported on the `creditline.security`
logger, where the fraud team reads the refusals themselves.

The count is taken again, under the account's row lock, when a refusal is recorded: requests sent
together all pass the first look, and only the first REFUSALS_MAX of them get their answer; the
others are answered 429 too, not recorded. Times are wall-clock Unix seconds read at this edge
(`wall_clock_s`, which tests replace), as session times are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from creditline.app.access import now_s
from creditline.errors import DomainError, TooManyAttempts
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository, refusal_times

REFUSALS_MAX = 3
REFUSALS_WINDOW_S = 24 * 3600
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

    def check() -> None:
        times = refusal_times(rows)
        if len(times) >= REFUSALS_MAX:
            _security.info("application refused: %s", IdentityAttemptsExceeded.code, extra={"fields": {
                "event": "identity_attempts_blocked", "account_id": account_id,
            }})  # fmt: skip
            raise _exceeded(times, now)

    return check


def counted(engine: Engine, account_id: str, refused: DomainError) -> DomainError:
    """Record the refusal of the account's application (in a unit of work of its own: the decision's
    rolled back) and return what to raise: `refused`, or the 429 when the account had no attempt left."""
    now = wall_clock_s()
    since = now - REFUSALS_WINDOW_S
    with UnitOfWork(engine) as uow:
        repository = IdentityRepository(uow.connection)
        repository.account(account_id, for_update=True)  # one account's refusals are counted one at a time
        times = repository.claim_refusal_times(account_id, since, REFUSALS_MAX)
        if len(times) >= REFUSALS_MAX:
            return _exceeded(times, now)
        repository.add_claim_refusal(account_id, refused.code, now, since)
        uow.commit()
    if len(times) + 1 == REFUSALS_MAX:  # for review: the account used up its attempts
        _security.warning("account flagged: %s", IdentityAttemptsExceeded.code, extra={"fields": {
            "event": IdentityAttemptsExceeded.code, "account_id": account_id, "refusals": REFUSALS_MAX,
            "window_s": REFUSALS_WINDOW_S,
        }})  # fmt: skip
    return refused


def _exceeded(times: list[int], now: int) -> IdentityAttemptsExceeded:
    """The refusal, with the wait until the oldest of the last REFUSALS_MAX refusals leaves the window."""
    wait_s = max(1, times[-REFUSALS_MAX] + REFUSALS_WINDOW_S - now)
    return IdentityAttemptsExceeded(
        "too many applications from this account were refused for the ID number they named; "
        "try again later, or contact support",
        field="applicant.id_number", retry_after_s=wait_s,
    )
