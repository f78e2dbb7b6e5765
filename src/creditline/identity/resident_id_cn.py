"""Mainland China resident identity number (公民身份号码), GB 11643-1999.

18 characters: a 6-digit administrative region code (GB/T 2260), the birth date as YYYYMMDD, a
3-digit sequence whose parity gives the sex (odd: male), and an ISO 7064 MOD 11-2 check character
(a digit or X). The full region table changes every year and old codes stay valid on old cards, so
the province part is checked against the fixed list of provinces and the rest is left to the
verifier behind `IdentityVerifier`. The 15-digit numbers of the first generation expired in 2013.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditline.identity.checksums import iso7064_mod11_2
from creditline.identity.dates import age_years, birth_date
from creditline.identity.errors import InvalidIdNumber

LENGTH = 18

# Provinces, autonomous regions and municipalities (GB/T 2260 first two digits); 71 Taiwan;
# 81, 82, 83 are the residence permits of Hong Kong, Macao and Taiwan residents (since 2018).
PROVINCE_CODES = frozenset(f"{code:02d}" for code in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83))


@dataclass(frozen=True, slots=True)
class CnResidentId:
    number: str
    region_code: str
    birth_date: date
    sequence: str
    sex: str  # "M" or "F": what the sequence parity encodes, needed for nothing but checks

    def age_years(self, on: date) -> int:
        return age_years(self.birth_date, on)


def parse_cn_resident_id(text: object, *, on: date, field: str = "id_number") -> CnResidentId:
    """Validate and decompose a resident ID number; raise `InvalidIdNumber` naming the broken rule."""
    if not isinstance(text, str):
        raise InvalidIdNumber("the ID number must be text", field=field)
    number = text.strip().upper()
    if len(number) == 15 and number.isdigit():
        raise InvalidIdNumber("15-digit first-generation ID numbers expired in 2013", field=field)
    if len(number) != LENGTH:
        raise InvalidIdNumber(f"must be {LENGTH} characters, got {len(number)}", field=field)
    body, check = number[:17], number[17]
    if not (body.isascii() and body.isdigit()) or not (check.isdigit() or check == "X"):
        raise InvalidIdNumber("must be 17 digits followed by a digit or X", field=field)
    if number[:2] not in PROVINCE_CODES:
        raise InvalidIdNumber(f"region code {number[:6]} names no province", field=field)
    born = birth_date(int(number[6:10]), int(number[10:12]), int(number[12:14]), on=on, field=field)
    expected = iso7064_mod11_2(body)
    if check != expected:
        raise InvalidIdNumber("check character does not match (ISO 7064 MOD 11-2)", field=field)
    sequence = number[14:17]
    sex = "M" if int(sequence[2]) % 2 == 1 else "F"
    return CnResidentId(number, number[:6], born, sequence, sex)


def make_cn_resident_id(region_code: str, born: date, sequence: str) -> str:
    """Compose a valid number (for simulators and tests; never a real person's number)."""
    assert len(region_code) == 6 and len(sequence) == 3
    body = f"{region_code}{born:%Y%m%d}{sequence}"
    return body + iso7064_mod11_2(body)
