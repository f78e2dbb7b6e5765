"""The decision record: what was decided, from what, under which versions — hashed where personal.

A record is plain JSON (canonical, SHA-256 stored beside it). Identity fields appear only as keyed
BLAKE2b hashes; the facts the policy read and the fields the PD model read are kept as values, so
`replay` can recompute the outcome without the personal data.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from creditline.app.apply_form import Application
from creditline.app.apply_pipeline import Decided, Deciders

RECORD_VERSION = 1


def keyed_hash(value: str, salt: bytes) -> str:
    return hashlib.blake2b(value.encode(), digest_size=16, key=salt[:64]).hexdigest()


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def inputs_hashed(application: Application, salt: bytes) -> dict[str, str]:
    form = application.form
    values = {
        **{f"applicant.{k}": str(v) for k, v in form.applicant.model_dump().items() if v is not None},
        **{f"device.{k}": str(v) for k, v in form.device.model_dump().items()},
        "contacts": "\x1f".join(form.contacts),
    }
    return {name: keyed_hash(text, salt) for name, text in sorted(values.items())}


def build_record(
    decision_id: str,
    application: Application,
    decided: Decided,
    deciders: Deciders,
    context: dict[str, Any],
) -> dict[str, Any]:
    """`context`: request hash, business date, product key, override (or None)."""
    fraud = decided.fraud
    record: dict[str, Any] = {
        "record_version": RECORD_VERSION,
        "decision_id": decision_id,
        "applied_at": application.applied_at.isoformat(),
        **context,
        "jurisdiction": application.form.jurisdiction.upper(),
        "inputs_hashed": inputs_hashed(application, deciders.salt),
        "consents": [
            {
                "scope": str(c.scope),
                "text_version": c.text_version,
                "purpose": str(c.purpose),
                "granted_at": c.granted_at.isoformat(),
                "expires_at": None if c.expires_at is None else c.expires_at.isoformat(),
            }
            for c in (decided.consents_used or application.consents)
        ],
        "stage": decided.stage,
        "outcome": str(decided.outcome),
        "reasons": list(decided.reasons),
        "versions": _versions(deciders),
    }
    if fraud is not None and decided.pd is not None and decided.assigned is not None:
        record.update(
            {
                "fraud": {
                    "score": str(fraud.score),
                    "rules": list(fraud.rules),
                    "graph": {k: getattr(fraud.graph, k) for k in fraud.graph.__slots__},
                    "velocity": dict(fraud.velocity_counts),
                    "anomaly": None if fraud.anomaly is None else str(fraud.anomaly),
                },
                "pd": _pd(decided.pd),
                "facts": jsonable(decided.facts),
                "pd_fields": jsonable(decided.fields),
                "limit_inputs": jsonable(decided.limit_inputs),
                "assigned": decided.assigned.to_json(),
                "other": None if decided.other is None else decided.other.to_json(),
                "limit": _limit(decided),
                "price": _price(decided),
            }
        )
    return record


def _pd(pd: Any) -> dict[str, Any]:
    """The PD, score and reasons; and the lender's words for the reasons' labels in other languages, so
    the explanation reads in the borrower's language whatever model is live when they ask."""
    kept = {"pd": str(pd.pd), "score": pd.score, "reasons": list(pd.reasons)}
    if pd.factors:  # the reasons as data: which field, the applicant's value, its impact on the log-odds
        kept["factors"] = jsonable([dict(factor) for factor in pd.factors])
    words = {language: dict(labels) for language, labels in pd.label_words.items()}
    return kept | ({"label_words": words} if words else {})


_VERSIONS: dict[int, tuple[Deciders, dict[str, Any]]] = {}


def _versions(deciders: Deciders) -> dict[str, Any]:
    """Versions and digests of everything the deciders use, computed once per deciders object."""
    cached = _VERSIONS.get(id(deciders))
    if cached is not None and cached[0] is deciders:
        return cached[1]
    versions = _compute_versions(deciders)
    _VERSIONS[id(deciders)] = (deciders, versions)
    return versions


def _compute_versions(deciders: Deciders) -> dict[str, Any]:
    champion = deciders.champion.versions()
    return {
        "model": deciders.scorer.model_id,
        "champion": champion,
        "challenger": None if deciders.challenger is None else deciders.challenger.versions(),
        "challenger_share": str(deciders.challenger_share),
        "fraud_rules": f"{deciders.screen.rules.name}@{deciders.screen.rules.version}",
        "fraud_rules_digest": deciders.screen.rules.digest,
        "anomaly_model": None if deciders.screen.anomaly is None else deciders.screen.anomaly.version,
        "verifiers": {"bureau": deciders.bureau.version, "face": deciders.face.version, "telco": deciders.telco.version},
        "profile": deciders.profile.code,
    }


def _limit(decided: Decided) -> dict[str, Any] | None:
    limit = decided.assigned.limit if decided.assigned else None
    if limit is None:
        return None
    return {
        "limit_minor": limit.limit.minor,
        "currency": limit.limit.currency.code,
        "binding": limit.binding,
        "constraints_minor": dict(limit.constraints_minor),
        "policy_version": limit.policy_version,
    }


def _price(decided: Decided) -> dict[str, Any] | None:
    quote = decided.assigned.price if decided.assigned else None
    if quote is None:
        return None
    return {
        "rate_daily": str(quote.rate_daily),
        "apr": str(quote.apr),
        "display": quote.display(),
        "rate_daily_required": str(quote.rate_daily_required),
        "expected_loss_annual": str(quote.expected_loss_annual),
        "clipped_by_cap": quote.clipped_by_cap,
        "covers_cost": quote.covers_cost,
        "grid_version": quote.grid_version,
    }
