from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.identity import (
    INDONESIA,
    MAINLAND_CHINA,
    IdentityFields,
    InvalidBankCard,
    InvalidName,
    InvalidPhone,
    UnknownJurisdiction,
    age_years,
    bank_card_number,
    check_identity,
    cn_mobile_e164,
    id_mobile_e164,
    luhn_valid,
    make_cn_resident_id,
    profile,
)
from creditline.identity.checksums import luhn_check_digit
from creditline.identity.names import check_name

ON = date(2025, 6, 30)


@pytest.mark.parametrize("text", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "+86(138)00138000"])
def test_mainland_mobile_forms_normalise_to_e164(text):
    assert cn_mobile_e164(text) == "+8613800138000"


@pytest.mark.parametrize("text", ["12800138000", "1380013800", "+85291234567", "138OO138000", "+86+13800138000", ""])
def test_mainland_mobile_rejections(text):
    with pytest.raises(InvalidPhone) as caught:
        cn_mobile_e164(text)
    assert caught.value.field == "phone"


def test_indonesian_mobiles():
    assert id_mobile_e164("0812-3456-7890") == "+6281234567890"
    assert id_mobile_e164("+62 812 3456 789") == "+628123456789"
    for bad in ("812345678", "+62 21 555 1234", "0812", "+8613800138000"):
        with pytest.raises(InvalidPhone):
            id_mobile_e164(bad)


def test_luhn_known_numbers():
    assert luhn_valid("4111111111111111")  # the classic test Visa number
    assert luhn_valid("79927398713")  # the algorithm's textbook example
    assert not luhn_valid("79927398710")
    unionpay = "622202020011223344" + luhn_check_digit("622202020011223344")
    assert bank_card_number(f"{unionpay[:4]} {unionpay[4:8]} {unionpay[8:]}") == unionpay


@given(st.text(alphabet="0123456789", min_size=11, max_size=18), st.integers(0, 17), st.integers(1, 9))
def test_luhn_catches_every_single_digit_error(payload, position, delta):
    number = payload + luhn_check_digit(payload)
    position %= len(number)
    mutated = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert luhn_valid(number)
    assert not luhn_valid(mutated)


@pytest.mark.parametrize("text", ["4111 1111 1111 1112", "41111111111", "4111-1111-1111-111a", "4" * 60])
def test_bad_cards(text):
    with pytest.raises(InvalidBankCard):
        bank_card_number(text)


def test_names():
    rule = MAINLAND_CHINA.name_rule
    assert check_name(" 张三 ", rule) == "张三"
    assert check_name("买买提·艾力", rule) == "买买提·艾力"
    for bad in ("张3", "张\u0000三", "Zhang San", "张", "张" * 31, "··"):
        with pytest.raises(InvalidName):
            check_name(bad, rule)
    assert check_name("Sukarno", INDONESIA.name_rule) == "Sukarno"
    assert check_name("Siti Nur'aini", INDONESIA.name_rule) == "Siti Nur'aini"
    with pytest.raises(InvalidName):
        check_name("Budi 2", INDONESIA.name_rule)


def test_age_on_leap_day_birthdays():
    born = date(2004, 2, 29)
    assert age_years(born, date(2022, 2, 28)) == 17
    assert age_years(born, date(2022, 3, 1)) == 18
    assert age_years(born, date(2024, 2, 29)) == 20


def test_check_identity_per_profile_and_registry():
    fields = IdentityFields(
        name="王小明",
        id_number=make_cn_resident_id("440305", date(1995, 8, 1), "021"),
        phone="13912345678",
        bank_card="4111111111111111",
    )
    verified = check_identity(fields, profile("cn"), on=ON)
    assert verified.age_years == 29
    assert verified.phone_e164 == "+8613912345678"
    assert verified.sex == "M"
    with pytest.raises(UnknownJurisdiction):
        profile("XX")
    mixed = IdentityFields("Budi", "3174011705900012", "13912345678", "4111111111111111")
    with pytest.raises(InvalidPhone):
        check_identity(mixed, INDONESIA, on=ON)
