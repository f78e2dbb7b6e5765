"""Co-lending use cases: register and update funding partners, list and show them (docs/co-lending.md).

A partner is registered from its file; a new version of the file updates it (the loans it funded keep
the version they were funded under). The platform's minimum own share comes from the co-lending rules
of the jurisdiction it lends in (`CREDITLINE_JURISDICTION`, default: the rules' own default, China).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

from creditline.app.common import business_date
from creditline.store import UnitOfWork
from creditline.store.colending_repository import ColendingRepository

JURISDICTION_ENV = "CREDITLINE_JURISDICTION"


def active_rules() -> tuple[Any, str, int]:
    """(rules, jurisdiction, minimum own share in basis points) the platform lends under."""
    from creditline.funding.colending import shipped_rules

    rules = shipped_rules()
    jurisdiction = os.environ.get(JURISDICTION_ENV, "").strip().upper() or rules.default_jurisdiction
    return rules, jurisdiction, rules.min_own_bp(jurisdiction)


@lru_cache(maxsize=256)
def stored_partner(content_hash: str, source_format: str, text: str) -> Any:
    """A stored partner file, parsed once. The own-share check is registration's: a partner registered
    under an earlier rule still loads, and the allocator keeps every loan within the rule of today."""
    from creditline.funding.colending import load_partner

    partner = load_partner(text, source=f"partner.{source_format}", min_own_bp=0)
    assert partner.content_hash == content_hash, "a stored partner file matches its hash"
    return partner


def add_partner(engine: Engine, text: str, source: str) -> dict[str, Any]:
    """Register a partner, or record a new version of its file; the same file again changes nothing."""
    from sqlalchemy.exc import IntegrityError

    from creditline.funding.colending import load_partner

    rules, _, min_own_bp = active_rules()
    partner = load_partner(text, source=source, min_own_bp=min_own_bp)
    try:
        return _register(engine, partner, text, source, rules, min_own_bp)
    except IntegrityError:
        # A concurrent registration of the same partner or version committed first (ours rolled back):
        # read again, once. The same file is then unchanged, another one a version conflict.
        return _register(engine, partner, text, source, rules, min_own_bp)


def _register(engine: Engine, partner: Any, text: str, source: str, rules: Any, min_own_bp: int) -> dict[str, Any]:
    from creditline.funding.colending.files import source_format

    with UnitOfWork(engine) as uow:
        on = business_date(uow)
        repo = ColendingRepository(uow.connection)
        existing = repo.partner(partner.partner_id)
        outcome = _check_version(repo, partner, existing)
        if outcome != "unchanged":
            row = {
                "version": partner.version, "name": partner.name, "currency": partner.currency.code,
                "cost_of_funds": partner.cost_of_funds.annual(), "active": partner.active, "updated_on": on,
            }  # fmt: skip
            if existing is None:
                repo.add_partner({"partner_id": partner.partner_id, "registered_on": on, **row})
            repo.add_version(
                {
                    "partner_id": partner.partner_id, "version": partner.version, "content_hash": partner.content_hash,
                    "source_format": source_format(source), "source_text": text, "recorded_on": on,
                    "rules_version": rules.version, "min_own_share_bp": min_own_bp,
                }
            )  # fmt: skip
            if existing is not None:
                repo.update_partner(partner.partner_id, row)
        view = _partner_view(repo, repo.partner(partner.partner_id) or {}) | {"outcome": outcome}
        uow.commit()
    return view


def _check_version(repo: ColendingRepository, partner: Any, existing: dict[str, Any] | None) -> str:
    from creditline.funding.colending import PartnerExists, PartnerInvalid

    if existing is None:
        return "registered"
    known = repo.version_hashes(partner.partner_id)
    if known.get(partner.version) == partner.content_hash:
        return "unchanged"
    if partner.version in known:
        raise PartnerExists(
            f"version {partner.version} of {partner.partner_id} is registered with other content; raise the version",
            field="version",
        )
    if partner.version < existing["version"]:
        raise PartnerExists(
            f"the current version is {existing['version']}; a new one is higher", field="version"
        )
    if partner.currency.code != existing["currency"]:
        raise PartnerInvalid(
            f"{partner.partner_id} funds in {existing['currency']}; that cannot change", field="currency"
        )
    return "updated"


def list_partners(engine: Engine) -> list[dict[str, Any]]:
    with UnitOfWork(engine, read_only=True) as uow:
        repo = ColendingRepository(uow.connection)
        return [_partner_view(repo, row, brief=True) for row in repo.partners()]


def show_partner(engine: Engine, partner_id: str) -> dict[str, Any]:
    with UnitOfWork(engine, read_only=True) as uow:
        repo = ColendingRepository(uow.connection)
        row = partner_row(repo, partner_id)
        return _partner_view(repo, row)


def partner_row(repo: ColendingRepository, partner_id: str) -> dict[str, Any]:
    from creditline.funding.colending import UnknownPartner

    row = repo.partner(partner_id)
    if row is None:
        raise UnknownPartner(f"no funding partner {partner_id!r}", field="partner")
    return row


def _partner_view(repo: ColendingRepository, row: dict[str, Any], *, brief: bool = False) -> dict[str, Any]:
    from creditline.funding.colending import bp_text
    from creditline.money import Money

    partner = stored_partner(row["content_hash"], row["source_format"], row["source_text"])
    cur = partner.currency
    principal_minor = repo.principal_by_partner(cur.code).get(partner.partner_id, 0)
    appetite = partner.appetite
    view: dict[str, Any] = {
        "partner_id": partner.partner_id, "version": partner.version, "name": partner.name,
        "currency": cur.code, "active": partner.active,
        "cost_of_funds": f"{(partner.cost_of_funds.annual() * 100).normalize():f}%",
        "principal_outstanding": Money(principal_minor, cur).amount_str(),
        "balance_max": appetite.balance_max.amount_str(),
    }  # fmt: skip
    if brief:
        return view
    return view | {
        "share_min": bp_text(appetite.share_min_bp), "share_max": bp_text(appetite.share_max_bp),
        "concentration_limit": bp_text(partner.concentration_limit_bp),
        "risk_grades": None if appetite.risk_grades is None else sorted(appetite.risk_grades),
        "terms_months": None if appetite.terms_months is None else sorted(appetite.terms_months),
        "loans_funded": repo.loans_of_partner(partner.partner_id),
        "registered_on": row["registered_on"].isoformat(), "updated_on": row["updated_on"].isoformat(),
        "content_hash": partner.content_hash,
    }  # fmt: skip
