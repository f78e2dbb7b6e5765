"""Indonesia's national identity number (NIK, Nomor Induk Kependudukan), 16 digits.

Layout: province (2) · regency or city (2) · district (2) · birth date DDMMYY, with 40 added to the
day for women · a 4-digit serial from 0001. The two-digit year is read as the latest year not after
the application date: right for every applicant younger than 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditline.identity.dates import age_years, birth_date
from creditline.identity.errors import InvalidIdNumber

LENGTH = 16
FEMALE_DAY_OFFSET = 40

# Kemendagri province codes, including the Papua provinces created in 2022 (93-96).
PROVINCE_CODES = frozenset(f"{code:02d}" for code in (11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96))


@dataclass(frozen=True, slots=True)
class Nik:
    number: str
    province_code: str
    regency_code: str
    district_code: str
    birth_date: date
    sex: str
    serial: str

    def age_years(self, on: date) -> int:
        return age_years(self.birth_date, on)


def parse_nik(text: object, *, on: date, field: str = "id_number") -> Nik:
    """Validate and decompose a NIK; raise `InvalidIdNumber` naming the broken rule."""
    if not isinstance(text, str):
        raise InvalidIdNumber("the NIK must be text", field=field)
    number = text.strip()
    if len(number) != LENGTH or not (number.isascii() and number.isdigit()):
        raise InvalidIdNumber(f"a NIK is {LENGTH} digits", field=field)
    province, regency, district = number[0:2], number[2:4], number[4:6]
    if province not in PROVINCE_CODES:
        raise InvalidIdNumber(f"province code {province} is not an Indonesian province", field=field)
    if regency == "00" or district == "00":
        raise InvalidIdNumber("regency and district codes start at 01", field=field)
    day_coded, month, year2 = int(number[6:8]), int(number[8:10]), int(number[10:12])
    sex = "F" if day_coded > FEMALE_DAY_OFFSET else "M"
    day = day_coded - FEMALE_DAY_OFFSET if sex == "F" else day_coded
    year = 2000 + year2
    if (year, month, day) > (on.year, on.month, on.day):
        year -= 100
    born = birth_date(year, month, day, on=on, field=field)
    serial = number[12:16]
    if serial == "0000":
        raise InvalidIdNumber("the serial starts at 0001", field=field)
    return Nik(number, province, regency, district, born, sex, serial)


def make_nik(area_code: str, born: date, sex: str, serial: str) -> str:
    """Compose a valid NIK (for simulators and tests)."""
    assert len(area_code) == 6 and len(serial) == 4 and sex in ("M", "F")
    day = born.day + (FEMALE_DAY_OFFSET if sex == "F" else 0)
    return f"{area_code}{day:02d}{born:%m}{born:%y}{serial}"
