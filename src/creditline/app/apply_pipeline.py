"""The decision pipeline, without I/O: consent → identity → checks → fraud → PD → strategies.

`decide` takes a well-formed application and the deciders (verifiers, fraud screen, PD scorer,
strategies) and returns everything the record keeps. It writes nothing: the use case in
`apply.py` stores the result and opens the line in one unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from creditline.app.apply_features import Checks, anomaly_row, fraud_signals, pd_fields, policy_facts
from creditline.app.apply_form import Application
from creditline.app.apply_strategy import Strategy, StrategyOutcome, evaluate, uses_challenger
from creditline.errors import DomainError
from creditline.identity import (
    CreditBureau,
    FaceMatcher,
    IdentityFields,
    JurisdictionProfile,
    TelcoVerifier,
    VerifiedIdentity,
    check_identity,
)
from creditline.privacy import Purpose, active_consents, missing_scopes
from creditline.risk.fraud import ApplicationSignals, FraudAssessment, FraudScreen, SignalKind
from creditline.risk.limits import LimitInputs
from creditline.risk.policy import Outcome

PD_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class PdScore:
    pd: Decimal
    score: int
    reasons: tuple[str, ...]
    # language → label → words for the reasons' labels, where the lender gave them (risk.models.labels)
    label_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # the reasons as data, in their order: {"field", "value", "impact", "text"} (risk.models.reasons.Reason)
    factors: tuple[Mapping[str, object], ...] = ()


class PdScorer(Protocol):
    model_id: str

    def score(self, fields: Mapping[str, object]) -> PdScore: ...


@dataclass
class Deciders:
    profile: JurisdictionProfile
    bureau: CreditBureau
    face: FaceMatcher
    telco: TelcoVerifier
    screen: FraudScreen
    scorer: PdScorer
    champion: Strategy
    apr_of: Callable[[Decimal], Decimal]
    apr_cap: Decimal
    rate_range: tuple[Decimal, Decimal] | None = None  # the product's daily-rate range
    challenger: Strategy | None = None
    challenger_share: Decimal = Decimal(0)
    salt: bytes = b"creditline"


@dataclass(frozen=True, slots=True)
class Decided:
    outcome: Outcome
    reasons: tuple[str, ...]
    stage: str  # where the decision was settled: "consent" or "strategy"
    identity: VerifiedIdentity | None = None
    borrower_id: str | None = None  # the identity's (`borrower_id_of`)
    signals: ApplicationSignals | None = None
    fraud: FraudAssessment | None = None
    pd: PdScore | None = None
    facts: dict[str, object] = field(default_factory=dict)
    fields: dict[str, object] = field(default_factory=dict)
    limit_inputs: dict[str, object] = field(default_factory=dict)
    assigned: StrategyOutcome | None = None
    other: StrategyOutcome | None = None
    consents_used: tuple[object, ...] = ()


def decide(
    application: Application,
    deciders: Deciders,
    on: date,
    is_blacklisted: Callable[[int], bool] = lambda key: False,
    identity: VerifiedIdentity | None = None,
    borrower_id: str | None = None,
) -> Decided:
    """`identity`: the applicant's verified identity when the caller has it already (`verified_identity`),
    and `borrower_id` its borrower id (`borrower_id_of`), when the caller has that too."""
    applied_at = application.applied_at
    missing = missing_scopes(application.consents, Purpose.CREDIT_ASSESSMENT, applied_at)
    if missing:
        return Decided(Outcome.DECLINE, tuple(f"consent_missing:{scope}" for scope in missing), "consent")
    consents = tuple(active_consents(application.consents, Purpose.CREDIT_ASSESSMENT, applied_at))
    form = application.form
    profile = deciders.profile
    assert borrower_id is None or identity is not None, "a borrower id is given with the identity it is of"
    if identity is None:
        identity = verified_identity(application, deciders)
    if borrower_id is None:
        borrower_id = borrower_id_of(identity, deciders.salt)
    contacts = tuple(profile.phone_e164(c, field=f"contacts.{i}") for i, c in enumerate(form.contacts))
    checks = Checks(
        deciders.bureau.report(identity.id_number, identity.name, on=on),
        deciders.face.match(identity.id_number, form.device.selfie_ref),
        deciders.telco.check(identity.phone_e164, identity.id_number, identity.name),
    )
    income_minor = application.income_monthly.minor
    per_major = application.income_monthly.currency.minor_per_major
    row = anomaly_row(identity, income_minor, per_major, len(contacts), applied_at.hour, checks)
    signals = fraud_signals(
        identity, form.device.device_id, form.device.ip, contacts, int(applied_at.timestamp()), row, salt=deciders.salt
    )
    fraud = deciders.screen.assess(signals)
    blacklisted = is_blacklisted(signals.keys[SignalKind.ID_NUMBER])
    facts = policy_facts(identity, income_minor, per_major, checks, fraud.score, blacklisted)
    fields = pd_fields(identity, income_minor, per_major, form.applicant.employment, checks)
    pd = deciders.scorer.score(fields)
    limits = _limit_inputs(application, checks)
    outcomes = [_run(deciders.champion, facts, pd.pd, limits, deciders)]
    if deciders.challenger is not None:
        outcomes.append(_run(deciders.challenger, facts, pd.pd, limits, deciders))
    # The applicant, never the client key, picks the side: a key is the client's to choose, and one
    # chosen to land on the challenger would have bought its looser rules (a referral approved).
    use_challenger = deciders.challenger is not None and uses_challenger(borrower_id, deciders.challenger_share)
    assigned, other = (outcomes[1], outcomes[0]) if use_challenger else (outcomes[0], outcomes[1] if len(outcomes) > 1 else None)
    return Decided(
        assigned.outcome,
        assigned.reasons,
        "strategy",
        identity,
        borrower_id,
        signals,
        fraud,
        pd,
        facts,
        fields,
        limits,
        assigned,
        other,
        consents,
    )


def verified_identity(application: Application, deciders: Deciders) -> VerifiedIdentity:
    """The applicant's identity fields checked and normalised (raises the field's error otherwise)."""
    applicant = application.form.applicant
    try:
        return check_identity(
            IdentityFields(applicant.name, applicant.id_number, applicant.phone, applicant.bank_card),
            deciders.profile,
            on=application.applied_at.date(),
        )
    except DomainError as exc:  # name the field by its path in the application, as the form's own errors do
        if exc.field and not exc.field.startswith("applicant."):
            exc.field = f"applicant.{exc.field}"
        raise


def _limit_inputs(application: Application, checks: Checks) -> dict[str, object]:
    annual = application.income_annual_average
    return {
        "income_monthly_minor": application.income_monthly.minor,
        "obligations_monthly_minor": checks.bureau.obligations_monthly_minor,
        "online_microloan_balance_minor": checks.bureau.online_microloan_balance_minor,
        "income_annual_average_minor": None if annual is None else annual.minor,
    }


def _run(strategy: Strategy, facts, pd: Decimal, limits: dict[str, object], deciders: Deciders) -> StrategyOutcome:  # type: ignore[no-untyped-def]
    return evaluate(
        strategy, facts, pd, lambda band: LimitInputs(band=band, **limits), deciders.apr_of, deciders.apr_cap, deciders.rate_range,  # type: ignore[arg-type]
    )


def borrower_id_of(identity: VerifiedIdentity, salt: bytes) -> str:
    """A pseudonymous, stable borrower id: the same person gets the same id, the id reveals nothing."""
    digest = hashlib.blake2b(f"{identity.jurisdiction}:{identity.id_number}".encode(), digest_size=10, key=salt[:64])
    return "B" + digest.hexdigest()
