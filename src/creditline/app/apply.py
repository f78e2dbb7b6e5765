"""`apply`: one application in, one decision record out, and on approval a credit line, atomically.

intake → idempotency → consent → identity → verifiers → fraud → PD → policy/limit/price (champion
and challenger) → decision record (+ review queue on referral, + credit line on approval) → one
commit. A well-formed application that fails a rule is declined with its reasons and recorded; a
malformed one raises a typed error naming the field and writes nothing. The same client key with
the same request returns the first decision; with a different request, an error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from creditline.app.apply_form import (
    ApplicationForm,
    InvalidApplication,
    application_form,
    application_of,
    canonical_request,
    checked_form,
)
from creditline.app.apply_setup import OriginationConfig, deciders_for, forget_screens
from creditline.app.common import business_date, new_id
from creditline.app.errors import IdempotencyConflict
from creditline.app.idempotency import check_key, request_hash
from creditline.errors import DomainError
from creditline.risk.policy import Outcome
from creditline.store import UnitOfWork
from creditline.store.tables import products

BATCH_MAX = 10_000  # applications in one unit of work (`apply_many`)


@dataclass(frozen=True, slots=True)
class ApplyForCredit:
    """`form`: the application already validated (the API's body), `application` then being its canonical
    form (`of_form`), so it is neither validated nor dumped again. `restamp(at)`: the application as its
    sender would have made it at `at`, for a sender that stamps the application's times itself (the web
    app): the same form sent again under its key, stamped anew, is then the first request (`_earlier`)."""

    client_key: str
    application: dict[str, Any]
    config: OriginationConfig = field(default_factory=OriginationConfig)
    form: ApplicationForm | None = None
    restamp: Callable[[datetime], dict[str, Any]] | None = None

    @classmethod
    def of_form(cls, client_key: str, form: ApplicationForm, config: OriginationConfig) -> ApplyForCredit:
        return cls(client_key, canonical_request(form), config, form)


Then = Callable[[UnitOfWork, dict[str, Any]], Callable[[], None]]
Refusal = Callable[[], None]  # raises to refuse the application, once the reads queued for it have run


@dataclass(frozen=True, slots=True)
class Guard:
    """What the caller checks before anything is decided, its reads queued with the decision's own
    (no round trip of their own); a refusal raised leaves nothing written (no decision, no line, no
    fraud signals, nothing remembered by the screen).

    `first(uow)` is queued with the key's look-up, before anything about the applicant is read: it
    refuses a retry's answer too. `applicant(uow, borrower_id)` is queued with the reads of the
    applicant (blacklist, existing line) once their identity fields verify and name a borrower.
    Each returns the `Refusal` to call once its reads have run."""

    first: Callable[[UnitOfWork], Refusal] | None = None
    applicant: Callable[[UnitOfWork, str], Refusal] | None = None


def apply(engine: Engine, command: ApplyForCredit, then: Then | None = None, guard: Guard | None = None) -> dict[str, Any]:
    """Decide the application (or answer the decision already made under its key).

    `then(uow, view)` runs in the decision's unit of work, for a new decision only (not for a retry's
    answer): what the caller records with the decision — the account's claim of it — is queued with
    the decision's own writes (one round trip on PostgreSQL) and commits with it. It returns what
    to call once those statements have run.

    `guard` refuses the application, in that unit of work too, before anything is decided (`Guard`).
    """
    digest, form = _checked(command)
    try:
        return _apply(engine, command, digest, form, then, guard)
    except IntegrityError:
        # A concurrent write committed first and took this decision down with it: a request with the
        # same key (answered now as a retry is), an application of the same borrower that opened
        # their line (decided again, it sees the line), or what `then` wrote (decided alone; the
        # caller records the rest after, its retry path). Once: a second collision is raised.
        return _apply(engine, command, digest, form, None, guard)


def apply_many(engine: Engine, commands: Sequence[ApplyForCredit]) -> list[dict[str, Any]]:
    """Several applications in one unit of work and one commit (the simulator's applicants of a day).

    Each is decided as `apply` decides it alone, in order, and each sees the ones before it (the
    fraud screen remembers each before the next is assessed). Should any of them fail — a malformed
    application, a key taken concurrently — the whole batch rolls back, the screen's memory is dropped
    (it is rebuilt from the stored signals) and the applications are taken one by one through `apply`,
    so each then answers or raises exactly as it would alone.
    """
    assert len(commands) <= BATCH_MAX, f"at most {BATCH_MAX} applications in one unit of work"
    try:
        checked = [_checked(command) for command in commands]
        views: list[dict[str, Any]] = []
        with UnitOfWork(engine) as uow:
            today: dict[str, tuple[date, int | None]] = {}
            for command, (digest, form) in zip(commands, checked, strict=True):
                earlier = _replayed(uow, command, digest)
                if earlier is not None:
                    views.append(earlier)
                    continue
                product_id = command.config.product_id
                if product_id not in today:  # `business_date` takes the EOD lock shared, as `_apply` does
                    today[product_id] = (business_date(uow), _newest_version(uow, product_id))
                made = _decided(engine, uow, command, digest, form, *today[product_id])
                made.remember()
                views.append(made.view)
            uow.commit()
        return views
    except (DomainError, IntegrityError):
        forget_screens()
        return [apply(engine, command) for command in commands]


def _checked(command: ApplyForCredit) -> tuple[str, ApplicationForm]:
    """The request's digest and form, once the key and the form are known to be acceptable. The digest
    is of the canonical form, so HTTP and the CLI hash the same application alike."""
    check_key(command.client_key)
    if command.form is not None:  # validated by the caller (`of_form`): `application` is its canonical form
        return request_hash(command.application), checked_form(command.form)
    request = command.application
    if not isinstance(request, dict):
        raise InvalidApplication("an application is a JSON object", field="application")
    form = application_form(request)
    return request_hash(canonical_request(form)), form


def _replayed(uow: UnitOfWork, command: ApplyForCredit, digest: str) -> dict[str, Any] | None:
    from creditline.store.tables_origination import OriginationRepository

    return _earlier(OriginationRepository(uow.connection).by_client_key(command.client_key), command, digest)


def _earlier(row: dict[str, Any] | None, command: ApplyForCredit, digest: str) -> dict[str, Any] | None:
    """The decision already made under the key, if any (the same key with another request is refused).
    A decision stored before the digest was of the canonical form holds the hash of the request as
    sent (the CLI's raw JSON): the same request retried under its key still matches it, as does one
    its sender stamped anew (`ApplyForCredit.restamp`) once given the first's stamp."""
    if row is None:
        return None
    stored = row["request_hash"]
    if stored != digest and stored != request_hash(command.application) and stored != _restamped_hash(row, command):
        raise IdempotencyConflict(
            f"{command.client_key!r} was already used for a different application", field="key"
        )
    return decision_view(row)


def _restamped_hash(row: dict[str, Any], command: ApplyForCredit) -> str | None:
    """The digest of the command's application stamped as the decision under its key was, if its sender
    stamps them (None otherwise, or when so stamped it is not a valid application)."""
    if command.restamp is None:
        return None
    try:
        form = application_form(command.restamp(datetime.fromisoformat(row["applied_at"])))
    except DomainError:
        return None
    return request_hash(canonical_request(form))


def _apply(
    engine: Engine, command: ApplyForCredit, digest: str, form: ApplicationForm, then: Then | None,
    guard: Guard | None,
) -> dict[str, Any]:
    from creditline.app.common import EOD_LOCK_KEY
    from creditline.app.errors import BusinessDateMissing
    from creditline.store.driver_sql import execute, pipelined
    from creditline.store.tables_origination import OriginationRepository

    with UnitOfWork(engine) as uow:
        # One round trip on PostgreSQL: the EOD lock (shared), the key's decision, the date, the product's
        # version, and what the caller's guard reads first.
        with pipelined(uow.connection):
            uow.system.queue_shared_lock(EOD_LOCK_KEY)
            found = OriginationRepository(uow.connection).queue_by_client_key(command.client_key)
            day = uow.system.queue_business_date()
            newest = execute(uow.connection, _NEWEST_VERSION, {"product_id": command.config.product_id})
            refusal = None if guard is None or guard.first is None else guard.first(uow)
        if refusal is not None:
            refusal()
        earlier = _earlier(found.first(), command, digest)
        if earlier is not None:
            return earlier
        on = day.value()
        if on is None:
            raise BusinessDateMissing("the database has no business date; run `creditline db upgrade`", field="db")
        version = newest.first()
        made = _decided(
            engine, uow, command, digest, form, on, None if version is None else version[0], then,
            None if guard is None else guard.applicant,
        )
        uow.commit()
    made.remember()
    return made.view


@dataclass(frozen=True, slots=True)
class _Made:
    """A decision written in the unit of work: what the client sees, and what the fraud screen is to
    remember once it is committed (or, in a batch, before the next application is assessed)."""

    view: dict[str, Any]
    screen: Any
    signals: Any

    def remember(self) -> None:
        if self.signals is not None:
            self.screen.remember(self.signals)


def _decided(
    engine: Engine, uow: UnitOfWork, command: ApplyForCredit, digest: str, form: ApplicationForm, on: date,
    product_version: int | None, then: Then | None = None,
    check: Callable[[UnitOfWork, str], Refusal] | None = None,
) -> _Made:
    """Decide one application and write the decision (and the line, the review) in `uow`."""
    from creditline.app.apply_pipeline import decide
    from creditline.app.catalogue import product_of
    from creditline.store.driver_sql import pipelined
    from creditline.store.tables_origination import OriginationRepository

    config = command.config
    product = product_of(uow, config.product_id, product_version)
    application = application_of(form, product.currency.code)
    _check_offer(application, config)
    _check_time(application, on)
    deciders = deciders_for(engine, uow, product, on, config)
    repository = OriginationRepository(uow.connection)
    lookups = _Lookups.queued(uow, repository, application, deciders, product.product_id, check)
    lookups.refusal()
    # `decide` asks about the ID-number key of the identity it is given: the one read ahead.
    decided = decide(application, deciders, on, lambda _key: lookups.blacklisted(), lookups.identity, lookups.borrower_id)
    decision_id = new_id("DC")
    row, signals, record, line = _stored(decision_id, application, decided, deciders, product, on, digest, command, lookups.existing_line)
    view = decision_view(row, record)
    with pipelined(uow.connection):  # PostgreSQL: the line, the decision and the caller's writes in one round trip
        if line is not None:
            uow.lines.add(line[0])
            uow.lines.record_change(line[1], row["borrower_id"])
        repository.add(row, signals, int(application.applied_at.timestamp()))
        finish = None if then is None else then(uow, view)
    if finish is not None:
        finish()
    if row["outcome"] == Outcome.REFER:
        repository.open_review(decision_id, row["borrower_id"], "referral", ", ".join(decided.reasons)[:400], on)
    return _Made(view, deciders.screen, decided.signals)


def _unread() -> Any:
    raise AssertionError("read only for an applicant whose identity verified")


def _accepted() -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Lookups:
    """The reads a decision needs beyond the first round trip — is the applicant blacklisted, has the
    borrower a line already, and what the caller's guard asks of the applicant — sent together (one
    round trip on PostgreSQL) before deciding, keyed by the identity the pipeline verifies once and the
    borrower id it names (computed once, here). When the identity fields do not verify nothing is read:
    `decide` then declines for missing consents or raises the field's error, and needs neither."""

    identity: Any = None
    borrower_id: str | None = None
    blacklisted: Callable[[], bool] = _unread
    existing_line: Callable[[], Any] = _unread
    refusal: Refusal = _accepted

    @classmethod
    def queued(
        cls, uow: UnitOfWork, repository: Any, application: Any, deciders: Any, product_id: str,
        check: Callable[[UnitOfWork, str], Refusal] | None = None,
    ) -> _Lookups:
        from creditline.app.apply_features import id_number_key
        from creditline.app.apply_pipeline import borrower_id_of, verified_identity
        from creditline.store.driver_sql import pipelined

        try:
            identity = verified_identity(application, deciders)
        except DomainError:
            return cls()
        borrower_id = borrower_id_of(identity, deciders.salt)
        with pipelined(uow.connection):
            flagged = repository.queue_is_flagged(id_number_key(identity, deciders.salt), "blacklist")
            line = uow.lines.queue_find(borrower_id, product_id)
            refusal = _accepted if check is None else check(uow, borrower_id)
        return cls(identity, borrower_id, flagged, line, refusal)


def prepare_deciders(engine: Engine, config: OriginationConfig) -> None:
    """Build (and cache) the deciders for the business date and the newest version of the offered
    product, as the next application would; nothing when the database has no business date yet."""
    from creditline.app.catalogue import product_of

    with UnitOfWork(engine, read_only=True) as uow:
        on = uow.system.business_date()
        if on is None:
            return
        product = product_of(uow, config.product_id, _newest_version(uow, config.product_id))
        deciders_for(engine, uow, product, on, config)


def _newest_version(uow: UnitOfWork, product_id: str) -> int | None:
    """The product's newest stored version (None when there is none): with it `product_of` answers
    from the versions it has already parsed instead of reading the product's text for every application."""
    from creditline.store.driver_sql import execute

    row = execute(uow.connection, _NEWEST_VERSION, {"product_id": product_id}).first()
    return None if row is None else row[0]


_NEWEST_VERSION = select(func.max(products.c.version)).where(products.c.product_id == bindparam("product_id"))


def _check_offer(application: Any, config: OriginationConfig) -> None:
    form = application.form
    if form.jurisdiction.upper() != config.jurisdiction:
        raise InvalidApplication(f"this platform lends in {config.jurisdiction} only", field="jurisdiction")
    if form.product_id != config.product_id:
        raise InvalidApplication(f"applications are taken for {config.product_id}", field="product_id")


APPLIED_AT_DAYS_MAX = 1  # the applicant's own calendar day may differ from the business date by time zone or EOD


def _check_time(application: Any, on: date) -> None:
    """The application's time must fall on the business date (give or take a day): age limits, consents
    and the fraud screen's velocity windows are all judged at `applied_at`, so a time the applicant
    picks freely would let them shop for a date on which they pass."""
    days_off = abs((application.applied_at.date() - on).days)
    if days_off > APPLIED_AT_DAYS_MAX:
        raise InvalidApplication(
            f"must fall within {APPLIED_AT_DAYS_MAX} day of the business date {on.isoformat()}", field="applied_at"
        )


def _stored(decision_id, application, decided, deciders, product, on, digest, command, existing_line):  # type: ignore[no-untyped-def]
    """The decision row, the signals to index and, when approved, the line to open (its record and
    change, not yet written; `existing_line()` is the borrower's line, if they have one)."""
    from creditline.app.decision_record import build_record
    from creditline.store.tables_origination import record_text

    borrower_id = decided.borrower_id
    outcome, reasons, override, line_id, line = decided.outcome, list(decided.reasons), None, None, None
    # A referral too: a person approving it could not open a second line of the product.
    if outcome in (Outcome.APPROVE, Outcome.REFER) and existing_line() is not None:
        outcome, override = Outcome.DECLINE, "line_exists"
        reasons.append("line_exists")
    if outcome is Outcome.APPROVE:
        line = _line_to_open(borrower_id, product, decided, on, decision_id)
        line_id = line[0].line.line_id
    context = {
        "request_sha256": digest,
        "business_date": on.isoformat(),
        "product": product.key,
        "override": override,
        "strategy": None if decided.assigned is None else decided.assigned.strategy,
    }
    record = build_record(decision_id, application, decided, deciders, context)
    record.update(outcome=str(outcome), reasons=reasons, line_id=line_id, borrower_id=borrower_id)
    text = record_text(record)
    assigned = decided.assigned
    row = {
        "decision_id": decision_id,
        "client_key": command.client_key,
        "request_hash": digest,
        "borrower_id": borrower_id,
        "jurisdiction": application.form.jurisdiction.upper(),
        "product_id": product.product_id,
        "applied_at": application.applied_at.isoformat(),
        "business_date": on,
        "outcome": str(outcome),
        "status": "referred" if outcome is Outcome.REFER else "decided",
        "strategy": context["strategy"] or "none",
        "pd": None if decided.pd is None else str(decided.pd.pd),
        "score": None if decided.pd is None else decided.pd.score,
        "fraud_score": None if decided.fraud is None else str(decided.fraud.score),
        "limit_minor": None if assigned is None or assigned.limit is None else assigned.limit.limit.minor,
        "currency": product.currency.code,
        "rate_daily": None if assigned is None or assigned.price is None else str(assigned.price.rate_daily),
        "apr": None if assigned is None or assigned.price is None else str(assigned.price.apr),
        "line_id": line_id,
        "record_json": text,
        "record_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    return row, _signal_rows(decided), record, line


def _signal_rows(decided: Any) -> list[tuple[str, int]]:
    signals = decided.signals
    if signals is None:
        return []
    rows = [(str(kind), key) for kind, key in signals.keys.items() if key]
    rows.extend(("contact", key) for key in signals.contact_keys)
    return rows


def _line_to_open(borrower_id, product, decided, on, decision_id) -> tuple[Any, Any]:  # type: ignore[no-untyped-def]
    """The approved line's record and its opening change."""
    from creditline.lending.credit_line import open_line
    from creditline.store.line_repository import LineRecord

    limit, price = decided.assigned.limit.limit, decided.assigned.price
    line, change = open_line(
        line_id=new_id("LN"),
        borrower_id=borrower_id,
        product_id=product.product_id,
        limit=limit,
        on=on,
        reason=f"origination decision {decision_id}",
        rate_daily=price.rate_daily,
    )
    return LineRecord(line, product.version, on), change


def decision_view(row: dict[str, Any], record: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a client sees: outcome and reasons, limit and price (daily rate with APR), ids."""
    record = record if record is not None else json.loads(row["record_json"])
    from creditline.app.apply_explain import offered

    given = offered(row["outcome"])
    price = record.get("price") if given else None
    return {
        "decision_id": row["decision_id"],
        "outcome": row["outcome"],
        "status": row["status"],
        "reasons": record["reasons"],
        "borrower_id": row["borrower_id"],
        "line_id": row["line_id"],
        "currency": row["currency"],
        "limit": None if row["limit_minor"] is None or not given else _major(row["limit_minor"], row["currency"]),
        "daily_rate_pct": None if price is None else _percent(price["rate_daily"]),
        "apr_pct": None if price is None else _percent(price["apr"], places=2),
        "price_display": None if price is None else price["display"],
        "pd": row["pd"],
        "score": row["score"],
        "fraud_score": row["fraud_score"],
        "strategy": row["strategy"],
        "business_date": str(row["business_date"]),
    }


def _major(minor: int, code: str) -> str:
    from creditline.money import Money

    return Money.of_minor(minor, code).amount_str()


def _percent(fraction: str, places: int | None = None) -> str:
    from decimal import ROUND_HALF_UP, Decimal

    value = Decimal(fraction) * 100
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(value.normalize() if places is None else value, "f")
