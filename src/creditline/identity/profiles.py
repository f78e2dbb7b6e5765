"""Jurisdiction profiles: which ID document, phone plan, name script and currency a market uses.

A profile is data plus a few parsing functions; markets plug in through `register_profile`, so
adding one (the Philippines' PhilSys number, say) touches no caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from creditline.identity.errors import UnknownJurisdiction
from creditline.identity.names import NameRule
from creditline.identity.nik_id import parse_nik
from creditline.identity.phone import cn_mobile_e164, id_mobile_e164
from creditline.identity.resident_id_cn import parse_cn_resident_id


class ParsedIdNumber(Protocol):
    @property
    def number(self) -> str: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def sex(self) -> str: ...


@dataclass(frozen=True, slots=True)
class JurisdictionProfile:
    code: str  # ISO 3166-1 alpha-2
    currency_code: str
    id_document: str
    parse_id_number: Callable[..., ParsedIdNumber]  # (text, *, on, field) -> parsed
    phone_e164: Callable[..., str]  # (text, *, field) -> "+…"
    name_rule: NameRule


_PROFILES: dict[str, JurisdictionProfile] = {}


def register_profile(profile: JurisdictionProfile) -> None:
    assert profile.code not in _PROFILES or _PROFILES[profile.code] == profile, f"{profile.code} registered twice"
    _PROFILES[profile.code] = profile


def profile(code: object, *, field: str = "jurisdiction") -> JurisdictionProfile:
    found = _PROFILES.get(code.strip().upper()) if isinstance(code, str) else None
    if found is None:
        known = ", ".join(sorted(_PROFILES))
        raise UnknownJurisdiction(f"no profile for {code!r} (known: {known})", field=field)
    return found


def known_jurisdictions() -> tuple[str, ...]:
    return tuple(sorted(_PROFILES))


MAINLAND_CHINA = JurisdictionProfile(
    code="CN",
    currency_code="CNY",
    id_document="resident identity card (GB 11643-1999)",
    parse_id_number=parse_cn_resident_id,
    phone_e164=cn_mobile_e164,
    # Han names run 2 to 4 characters; transliterated minority names with '·' run longer.
    name_rule=NameRule(length_min=2, length_max=30, script="han"),
)

INDONESIA = JurisdictionProfile(
    code="ID",
    currency_code="IDR",
    id_document="e-KTP NIK",
    parse_id_number=parse_nik,
    phone_e164=id_mobile_e164,
    # Many Indonesians have one name only, so a single word of two letters is a whole name.
    name_rule=NameRule(length_min=2, length_max=80, script="latin"),
)

register_profile(MAINLAND_CHINA)
register_profile(INDONESIA)
