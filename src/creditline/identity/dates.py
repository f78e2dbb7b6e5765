"""Birth dates and ages, with the application date passed in (never the wall clock)."""

from __future__ import annotations

from datetime import date

from creditline.identity.errors import InvalidBirthDate

# Nobody alive was born before this; older dates on a document are typos or forgeries.
BIRTH_YEAR_MIN = 1900


def birth_date(year: int, month: int, day: int, *, on: date, field: str) -> date:
    """A real calendar date, not after `on`, not before `BIRTH_YEAR_MIN`."""
    try:
        born = date(year, month, day)
    except ValueError as exc:
        raise InvalidBirthDate(f"{year:04d}-{month:02d}-{day:02d} is not a calendar date", field=field) from exc
    if born > on:
        raise InvalidBirthDate(f"birth date {born} is after the application date {on}", field=field)
    if born.year < BIRTH_YEAR_MIN:
        raise InvalidBirthDate(f"birth year {born.year} is before {BIRTH_YEAR_MIN}", field=field)
    return born


def age_years(born: date, on: date) -> int:
    """Completed years on `on`; someone born on 29 February turns a year older on 1 March."""
    assert born <= on, "age of someone not yet born"
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - (1 if before_birthday else 0)
