from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.identity import InvalidBirthDate, InvalidIdNumber, make_nik, parse_nik

ON = date(2025, 6, 30)


def test_women_have_forty_added_to_the_day():
    nik = parse_nik("3174015705900012", on=ON)
    assert (nik.province_code, nik.regency_code, nik.district_code) == ("31", "74", "01")
    assert nik.birth_date == date(1990, 5, 17)
    assert nik.sex == "F"
    assert nik.serial == "0012"
    assert parse_nik("3174011705900012", on=ON).sex == "M"


def test_two_digit_year_is_the_latest_not_after_the_application_date():
    assert parse_nik(make_nik("317401", date(2003, 1, 2), "M", "0001"), on=ON).birth_date == date(2003, 1, 2)
    # Born in 1925 later in the year than the application date: not a future 2025 birth.
    assert parse_nik("3174012512250001", on=ON).birth_date == date(1925, 12, 25)


@pytest.mark.parametrize(
    ("number", "error", "fragment"),
    [
        ("317401570590001", InvalidIdNumber, "16 digits"),
        ("9974015705900012", InvalidIdNumber, "province"),
        ("3100015705900012", InvalidIdNumber, "regency"),
        ("3174017205900012", InvalidBirthDate, "calendar date"),  # day 72 - 40 = 32
        ("3174011705900000", InvalidIdNumber, "serial"),
        ("31740117059000AB", InvalidIdNumber, "16 digits"),
    ],
)
def test_malformed_niks(number, error, fragment):
    with pytest.raises(error) as caught:
        parse_nik(number, on=ON)
    assert fragment in caught.value.message
    assert caught.value.field == "id_number"


@given(
    born=st.dates(min_value=date(1926, 7, 1), max_value=ON),
    sex=st.sampled_from("MF"),
    serial=st.integers(1, 9999),
)
def test_composed_niks_round_trip(born, sex, serial):
    nik = parse_nik(make_nik("327301", born, sex, f"{serial:04d}"), on=ON)
    assert (nik.birth_date, nik.sex) == (born, sex)
