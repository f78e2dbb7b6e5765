"""Know-your-customer field checks: the identity fields of an application, validated per profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditline.identity.bank_card import bank_card_number
from creditline.identity.dates import age_years
from creditline.identity.names import check_name
from creditline.identity.profiles import JurisdictionProfile


@dataclass(frozen=True, slots=True)
class IdentityFields:
    """What the applicant typed, untrusted."""

    name: object
    id_number: object
    phone: object
    bank_card: object


@dataclass(frozen=True, slots=True)
class VerifiedIdentity:
    jurisdiction: str
    name: str
    id_number: str
    birth_date: date
    age_years: int
    sex: str
    phone_e164: str
    bank_card: str


def check_identity(fields: IdentityFields, profile: JurisdictionProfile, *, on: date) -> VerifiedIdentity:
    """Every field checked in form order; the first broken rule raises with the field named."""
    name = check_name(fields.name, profile.name_rule, field="name")
    parsed = profile.parse_id_number(fields.id_number, on=on, field="id_number")
    phone = profile.phone_e164(fields.phone, field="phone")
    card = bank_card_number(fields.bank_card, field="bank_card")
    return VerifiedIdentity(
        jurisdiction=profile.code,
        name=name,
        id_number=parsed.number,
        birth_date=parsed.birth_date,
        age_years=age_years(parsed.birth_date, on),
        sex=parsed.sex,
        phone_e164=phone,
        bank_card=card,
    )
