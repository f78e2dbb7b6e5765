from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.identity import (
    InvalidBirthDate,
    InvalidIdNumber,
    iso7064_mod11_2,
    make_cn_resident_id,
    parse_cn_resident_id,
)

ON = date(2025, 6, 30)


def test_gb11643_published_example_with_x_check_character():
    # The worked example printed in GB 11643-1999 itself.
    parsed = parse_cn_resident_id("11010519491231002x", on=ON)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.region_code == "110105"
    assert parsed.age_years(ON) == 75


def test_check_character_golden_values():
    # The standard's example and the widely published specimen 440524188001010014.
    assert iso7064_mod11_2("11010519491231002") == "X"
    assert iso7064_mod11_2("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("110105194912310021", "check character"),
        ("1101051949123100", "18 characters"),
        ("110105491231002", "expired"),
        ("11010519491231002Y", "digit or X"),
        ("990105194912310025", "province"),
        ("１１０１０５１９４９１２３１００２Ｘ", "digit or X"),
    ],
)
def test_malformed_numbers_name_the_rule(number, fragment):
    with pytest.raises(InvalidIdNumber) as caught:
        parse_cn_resident_id(number, on=ON)
    assert fragment in caught.value.message
    assert caught.value.field == "id_number"
    assert caught.value.code == "invalid_id_number"


def test_impossible_and_future_birth_dates_are_typed_errors():
    body = "11010519490230002"  # 30 February
    with pytest.raises(InvalidBirthDate, match="calendar date"):
        parse_cn_resident_id(body + iso7064_mod11_2(body), on=ON)
    future = make_cn_resident_id("110105", date(2026, 1, 1), "001")
    with pytest.raises(InvalidBirthDate, match="after the application date"):
        parse_cn_resident_id(future, on=ON)


def test_not_text_is_a_typed_error():
    with pytest.raises(InvalidIdNumber):
        parse_cn_resident_id(11010519491231002, on=ON)


@given(
    born=st.dates(min_value=date(1930, 1, 1), max_value=ON),
    sequence=st.integers(0, 999),
)
def test_composed_numbers_round_trip(born, sequence):
    number = make_cn_resident_id("330106", born, f"{sequence:03d}")
    parsed = parse_cn_resident_id(number, on=ON)
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(
    born=st.dates(min_value=date(1930, 1, 1), max_value=ON),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_change_is_caught(born, position, delta):
    number = make_cn_resident_id("330106", born, "123")
    digit = (int(number[position]) + delta) % 10
    mutated = number[:position] + str(digit) + number[position + 1 :]
    # MOD 11-2 detects every single-character substitution; other rules may fire first.
    with pytest.raises((InvalidIdNumber, InvalidBirthDate)):
        parse_cn_resident_id(mutated, on=ON)
