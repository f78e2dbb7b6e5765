"""Applications from signed-in accounts: `apply`, then who submitted it and whose borrower it names.

The decision itself is `app.apply` (one unit of work, idempotent per client key); this adds, in a
second unit of work, the account's claim on it: the submission, the consents the application
carried, and — the first time a decision names a borrower — the link from the account to that
borrower, which is what lets the account see the borrower's lines and loans. A retry after a crash
between the two repeats the (idempotent) decision and then records the claim, so nothing is lost.

An application is for the account holder only. One whose identity fields name a borrower already
linked to another account is refused before anything is decided (`IdentityClaimed`, 409, nothing
written): deciding it approved a line for that borrower, in the second account's name, which the
second account could never reach. An account linked to a borrower applies as that borrower only
(`IdentityMismatch`, 409; both worded alike). Each refusal is logged (`creditline.security`) for
the fraud team and counted (`identity_claims`): an account refused too often within a day is refused
(429) before any identity is looked up, as the refusal tells whether an ID number is a customer's; so is
an application naming an identity refused too often within a day, whichever accounts asked, unless it
comes from that identity's own account. It is
not a fraud signal on the named borrower, whose line such a signal can freeze — anyone who knows
a person's ID number could otherwise freeze that person's line.

Nor does a decision that did not confirm the applicant is the person whose ID number they typed
(`IDENTITY_UNCONFIRMED`) link anything, although it names that person's borrower (the id is a
keyed hash of the number): typing someone's name, ID number and phone must not open their lines
and loans. A referral for a weak face match links when a person approves it (`decision.resolve_review`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from creditline.app import identity_claims
from creditline.app.access import AccessConfig, Principal, now_s
from creditline.app.apply import ApplyForCredit, Guard, apply
from creditline.app.apply_form import ApplicationForm
from creditline.app.apply_setup import OriginationConfig
from creditline.app.decision import DecisionNotFound
from creditline.errors import Conflict
from creditline.identity.sessions import IssuedSession
from creditline.store import UnitOfWork
from creditline.store.identity_repository import IdentityRepository

APPLICATIONS_LISTED_MAX = 100
# Decision reasons that say the applicant was not shown to be the person they named: the carrier's
# real-name record did not match, the selfie was not live, or it matched the ID photo only weakly.
IDENTITY_UNCONFIRMED = frozenset({"identity_not_confirmed", "liveness_failed", "face_match_weak"})
# One wording for both refusals: it says no more than that this account may not apply with this number.
IDENTITY_REFUSED = "this account cannot apply with this ID number; apply with your own, or contact support"
_security = logging.getLogger("creditline.security")


class IdentityClaimed(Conflict):
    """The applicant's identity is a borrower another account holds: only that account applies as them."""

    code = "identity_claimed"


class IdentityMismatch(Conflict):
    """The account holds a borrower already and the application names someone else."""

    code = "identity_mismatch"


def application_time(engine: Engine, now: datetime) -> datetime:
    """The time the platform stamps on an application it takes from its own app (and on the consents
    ticked with it): `now`, unless the clock is more than a day from the business date (a book run
    on simulated dates, as the demo's is), then the business date at `now`'s time of day. `apply`
    refuses an `applied_at` that far from the business date, whoever sends it."""
    from creditline.app.apply import APPLIED_AT_DAYS_MAX
    from creditline.app.common import business_date

    with UnitOfWork(engine, read_only=True) as uow:
        on = business_date(uow)
    moment = now.astimezone(UTC)
    if abs((moment.date() - on).days) <= APPLIED_AT_DAYS_MAX:
        return moment
    return datetime.combine(on, moment.time(), UTC)


def client_key(account_id: str, key: str) -> str:
    """Keys are the client's, so they are scoped to the account: two accounts may pick the same key."""
    return f"{account_id}:{key}"


def apply_for_account(
    engine: Engine, principal: Principal, access: AccessConfig, key: str, application: dict[str, Any] | ApplicationForm,
    config: OriginationConfig, restamp: Callable[[datetime], dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], IssuedSession | None]:
    """The decision as the account sees it, and a new session when the account just gained a borrower.

    `application`: the form as sent, or validated already (the API's body: not validated again).
    `restamp(at)`: the application as its sender (the web app, which stamps its times itself) would
    have made it at `at`: the same form sent again under its key answers the first decision, with no
    second pass through `apply` (`ApplyForCredit.restamp`)."""
    account_id = principal.account_id
    sent: list[dict[str, Any]] = []  # the application stamped as the decision under the key was, if it was asked

    def restamped(at: datetime) -> dict[str, Any]:
        assert restamp is not None
        sent.append(restamp(at))
        return sent[-1]

    command = (
        ApplyForCredit.of_form(client_key(account_id, key), application, config)
        if isinstance(application, ApplicationForm)
        else ApplyForCredit(client_key(account_id, key), application, config, restamp=None if restamp is None else restamped)
    )
    _check_consent_texts(command.application)
    claimed: list[tuple[str | None, IssuedSession | None]] = []
    named: list[str] = []  # the borrower the application names, once its identity fields are read

    def holder_check(uow: UnitOfWork, borrower_id: str) -> Callable[[], None]:
        named.append(borrower_id)
        return _queue_holder_check(uow, principal, borrower_id)

    def claim(uow: UnitOfWork, view: dict[str, Any]) -> Callable[[], None]:  # a new decision: in its transaction
        finish = _claim(uow, principal, view, command.application, fresh=True)
        return lambda: claimed.append(finish())

    guard = Guard(
        first=lambda uow: identity_claims.queue_attempts_left(uow, account_id),
        applicant=holder_check,
    )
    try:
        view = apply(engine, command, then=claim, guard=guard)
    except (IdentityClaimed, IdentityMismatch) as refused:
        raise identity_claims.counted(engine, account_id, refused, named[-1]) from None
    if claimed:
        linked, issued = claimed[0]
    else:  # a retry's answer: claim it now (each step does nothing if the first request did it)
        try:
            with UnitOfWork(engine) as uow:
                linked, issued = _claim(uow, principal, view, sent[-1] if sent else command.application, fresh=False)()
                uow.commit()
        except IntegrityError:  # a concurrent retry with the same key claimed it first
            linked, issued = _linked_borrower(engine, account_id), None
    return _as_seen_by(view, linked), issued


def _queue_holder_check(uow: UnitOfWork, principal: Principal, borrower_id: str) -> Callable[[], None]:
    """Refuse (before deciding) an application naming a borrower the account may not apply as: whether
    another account holds the borrower, and how often the identity was refused lately (429 first, before
    the answer tells it apart; its holder is never held up), are queued with the decision's reads."""
    if principal.borrower_id == borrower_id:
        return lambda: None
    attempts_left = identity_claims.queue_identity_attempts_left(uow.connection, borrower_id)
    if principal.borrower_id is not None:
        mismatch: Conflict = IdentityMismatch(IDENTITY_REFUSED, field="applicant.id_number")

        def refuse() -> None:
            attempts_left()
            _refuse(principal, borrower_id, mismatch)

        return refuse
    linked = IdentityRepository(uow.connection).queue_borrower_is_linked(borrower_id)

    def check() -> None:
        attempts_left()
        if linked.first() is not None:
            _refuse(principal, borrower_id, IdentityClaimed(IDENTITY_REFUSED, field="applicant.id_number"))

    return check


def _refuse(principal: Principal, borrower_id: str, error: Conflict) -> None:
    _security.warning("application refused: %s", error.code, extra={"fields": {
        "event": error.code, "account_id": principal.account_id, "borrower_id": borrower_id,
    }})  # fmt: skip
    raise error


def _check_consent_texts(application: dict[str, Any]) -> None:
    """Consent texts are stored as given (in the account's consents): printable text only."""
    from creditline.privacy import InvalidConsent

    consents = application.get("consents") if isinstance(application, dict) else None
    for n, consent in enumerate(consents if isinstance(consents, list) else []):
        text = consent.get("text_version") if isinstance(consent, dict) else None
        if isinstance(text, str) and not text.isprintable():
            raise InvalidConsent("printable text only", field=f"consents.{n}.text_version")


def _claim(
    uow: UnitOfWork, principal: Principal, view: dict[str, Any], application: dict[str, Any], *, fresh: bool
) -> Callable[[], tuple[str | None, IssuedSession | None]]:
    """Record the submission (first time only) and link the borrower (first decision naming one) in
    `uow`; each step does nothing on a retry. The statements are queued (one round trip inside the
    decision's pipeline): the returned function, called once they have run, gives (linked borrower,
    new session). A `fresh` decision was made in this unit of work, so its submission is new."""
    from creditline.app.consents import queue_application_consents

    account_id, now = principal.account_id, now_s()
    repository = IdentityRepository(uow.connection)
    added = repository.queue_application(view["decision_id"], account_id, now)
    within_limit = None
    if fresh or added.first() is not None:
        within_limit = queue_application_consents(repository, account_id, application)
    linked = _queue_link(repository, principal, view, now)

    def finish() -> tuple[str | None, IssuedSession | None]:
        if within_limit is not None:
            within_limit()
        return linked()

    return finish


def _queue_link(
    repository: IdentityRepository, principal: Principal, view: dict[str, Any], now: int
) -> Callable[[], tuple[str | None, IssuedSession | None]]:
    """Link the account to the decision's borrower when it is the first decision naming one and it
    confirmed the applicant (queued); the returned function gives (linked borrower, new session)."""
    from creditline.identity.sessions import rotate

    account_id, borrower_id = principal.account_id, view["borrower_id"]
    if principal.borrower_id is not None or borrower_id is None or IDENTITY_UNCONFIRMED.intersection(view["reasons"]):
        return lambda: (principal.borrower_id, None)
    # Linking is a privilege change (the account now reaches a borrower's money): every older session
    # ends, and the caller's is rotated in place under the new epoch, the one the link sets.
    session = principal.session
    expected = session.privilege_epoch + 1
    issued = rotate(replace(session, privilege_epoch=expected), now)
    linked = repository.queue_link_first_borrower(account_id, borrower_id)
    repository.queue_rotation_if_linked(
        session.token_hash, issued.session.token_hash, issued.session.csrf_hash, account_id, borrower_id, expected, now
    )

    def finish() -> tuple[str | None, IssuedSession | None]:
        row = linked.first()
        if row is None:  # the account had a borrower already, or the borrower is another account's
            return None, None
        if row[0] == expected:
            return borrower_id, issued
        # The account's epoch moved since the session was read: the queued rotation did not apply.
        moved = rotate(replace(session, privilege_epoch=row[0]), now)
        repository.replace_session(session.token_hash, moved.session.token_hash, moved.session.csrf_hash, row[0], now)
        return borrower_id, moved

    return finish


def _linked_borrower(engine: Engine, account_id: str) -> str | None:
    with UnitOfWork(engine, read_only=True) as uow:
        account = IdentityRepository(uow.connection).account(account_id)
    return None if account is None else account["borrower_id"]


def _as_seen_by(view: dict[str, Any], linked_borrower: str | None) -> dict[str, Any]:
    view = _withheld_unless_confirmed(view)
    if view["borrower_id"] is not None and view["borrower_id"] != linked_borrower:
        return view | {"borrower_id": None, "line_id": None, "linked": False}
    return view | {"linked": view["borrower_id"] is not None}


def _unconfirmed(reasons: list[str]) -> list[str] | None:
    """The identity reasons alone, when the decision did not confirm the applicant is the person named."""
    kept = [code for code in reasons if code in IDENTITY_UNCONFIRMED]
    return kept or None


def _withheld_unless_confirmed(view: dict[str, Any]) -> dict[str, Any]:
    """The bureau was asked about the ID number typed and every policy rule ran: when the applicant was
    not shown to be that person, their answer says so and nothing of that person's credit (the other
    reasons, PD, score, limit and price)."""
    kept = _unconfirmed(view["reasons"])
    if kept is None:
        return view
    withheld = dict.fromkeys(("pd", "score", "fraud_score", "limit", "daily_rate_pct", "apr_pct", "price_display"))
    return view | withheld | {"reasons": kept}


def explanation_for_account(engine: Engine, account_id: str, decision_id: str) -> dict[str, Any]:
    """The explanation of a decision as its submitter sees it (another account's is not found): for a
    decision that did not confirm the identity, its identity reasons only."""
    from creditline.app.decision import explain_decision

    decision_for_account(engine, account_id, decision_id)
    explained = explain_decision(engine, decision_id)
    kept = _unconfirmed([reason["code"] for reason in explained["reasons"]])
    if kept is None:
        return explained
    reasons = [reason for reason in explained["reasons"] if reason["code"] in kept]
    hidden = {"reasons": reasons, "model_factors": [], "factors": [], "label_words": {}}  # and which were reasons
    return {k: v for k, v in explained.items() if k not in ("limit", "price")} | hidden


def decision_for_account(engine: Engine, account_id: str, decision_id: str) -> dict[str, Any]:
    """The decision as its submitter sees it; another account's decision is not found."""
    from creditline.app.apply import decision_view
    from creditline.store.tables_origination import OriginationRepository

    with UnitOfWork(engine, read_only=True) as uow:
        owner = IdentityRepository(uow.connection).application_owner(decision_id)
        row = None if owner != account_id else OriginationRepository(uow.connection).get(decision_id)
        account = IdentityRepository(uow.connection).account(account_id)
    if row is None or account is None:
        raise DecisionNotFound(f"no decision {decision_id!r}", field="decision")
    return _as_seen_by(decision_view(row), account["borrower_id"])


def decisions_of_account(engine: Engine, account_id: str, *, every: bool = False) -> list[dict[str, Any]]:
    """The account's decisions, latest first: the first APPLICATIONS_LISTED_MAX, or `every` one (the history)."""
    with UnitOfWork(engine, read_only=True) as uow:
        ids = IdentityRepository(uow.connection).applications(account_id, None if every else APPLICATIONS_LISTED_MAX)
    return [decision_for_account(engine, account_id, decision_id) for decision_id in ids]


def decision_summary(engine: Engine, decision_id: str) -> dict[str, Any]:
    """The decision as an operator sees it (any account's)."""
    from creditline.app.apply import decision_view
    from creditline.store.tables_origination import OriginationRepository

    with UnitOfWork(engine, read_only=True) as uow:
        row = OriginationRepository(uow.connection).get(decision_id)
        linked = row is not None and row["borrower_id"] is not None and (
            IdentityRepository(uow.connection).borrower_is_linked(row["borrower_id"])
        )
    if row is None:
        raise DecisionNotFound(f"no decision {decision_id!r}", field="decision")
    return decision_view(row) | {"linked": linked}
