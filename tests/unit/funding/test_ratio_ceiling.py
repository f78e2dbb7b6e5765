"""`parse_ratio(maximum=)`: the one ceiling check of a deal file's rates and shares, and of the curves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditline.funding.errors import FundingError, NegativeRate, StructureError
from creditline.funding.ratio import parse_ratio
from creditline.funding.structure import deal_spec
from creditline.money import ANNUAL_RATE_MAX, InvalidRate, Rate

from .builders import deal_data


@pytest.mark.parametrize(("value", "expected"), [("1000%", Decimal(10)), (Decimal(10), Decimal(10)), ("10", Decimal(10))])
def test_the_ceiling_itself_is_accepted(value: object, expected: Decimal) -> None:
    assert parse_ratio(value, field="rate", maximum=ANNUAL_RATE_MAX) == expected


def test_above_the_ceiling_names_it_and_the_likely_typo() -> None:
    with pytest.raises(FundingError) as caught:
        parse_ratio("11", field="coupon_rate", maximum=ANNUAL_RATE_MAX)
    assert (caught.value.field, caught.value.code) == ("coupon_rate", "invalid_funding_input")
    assert caught.value.message == "11 is above 10 (1000%); write a percentage with its sign (3.2%)"


def test_a_percentage_above_the_ceiling_is_not_told_to_add_its_sign() -> None:
    with pytest.raises(StructureError) as caught:
        parse_ratio("150%", field="clean_up_call", maximum=Decimal(1), error=StructureError)
    assert caught.value.message == "150% is above 1 (100%)"


def test_negative_is_refused_before_the_ceiling_is_checked() -> None:
    with pytest.raises(NegativeRate):
        parse_ratio("-1", field="rate", maximum=Decimal(1))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"servicing_fee_rate": "1e30"}, "servicing_fee_rate",
         "1e30 is above 10 (1000%); write a percentage with its sign (3.2%)"),
        ({"fees": [{"name": "trustee", "annual_rate": "1000.01%"}]}, "fees[0].annual_rate", "1000.01% is above 10 (1000%)"),
        ({"reserve": {"target_share": "5"}}, "reserve.target_share",
         "5 is above 1 (100%); write a percentage with its sign (3.2%)"),
        ({"clean_up_call": "100.5%"}, "clean_up_call", "100.5% is above 1 (100%)"),
    ],
)  # fmt: skip
def test_a_deal_file_s_rates_and_shares_use_it(change: dict, field: str, message: str) -> None:
    with pytest.raises(StructureError) as caught:
        deal_spec(deal_data(**change))
    assert (caught.value.field, caught.value.message) == (field, message)


def test_money_s_rate_has_the_same_ceiling() -> None:
    assert Rate.annual_percent("1000").value == ANNUAL_RATE_MAX
    with pytest.raises(InvalidRate, match=r"above 1000% a year"):
        Rate.annual_percent("1000.01")
