import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.money import Money
from creditline.risk.limits import (
    InvalidLimitInput,
    InvalidLimitPolicy,
    LimitInputs,
    assign_limit,
    builtin_limit_policy,
    parse_limit_policy,
)

CN = builtin_limit_policy("limits_cn")
YUAN = 100


def limit(band="B", income=9_000, obligations=1_000, microloans=0, annual=None):
    inputs = LimitInputs(
        band, income * YUAN, obligations * YUAN, microloans * YUAN, None if annual is None else annual * YUAN
    )
    return assign_limit(inputs, CN)


def test_band_multiple_binds_for_an_ordinary_applicant():
    decision = limit()
    assert decision.limit == Money.of_minor(1_800_000, "CNY")  # 2 × 9,000
    assert decision.binding == "band_income_multiple"
    assert decision.policy_version == "2025.06.1"


def test_mainland_cap_200k_counts_existing_online_microloans():
    decision = limit(band="A", income=100_000, obligations=0, microloans=190_050)
    # 200,000 - 190,050 = 9,950, rounded down to the hundred.
    assert decision.limit == Money.of_minor(990_000, "CNY")
    assert decision.binding == "jurisdiction_balance_cap"


def test_mainland_cap_one_third_of_average_annual_income():
    # Declared 12,000 a month but a 3-year average of 36,000 a year: one third is 12,000.
    decision = limit(band="A", income=12_000, obligations=0, microloans=2_000, annual=36_000)
    assert decision.constraints_minor["jurisdiction_income_cap"] == 1_000_000
    assert decision.limit == Money.of_minor(1_000_000, "CNY")
    assert decision.binding == "jurisdiction_income_cap"


def test_one_third_is_exact_not_point_three_three():
    decision = limit(band="A", income=100, obligations=0, annual=30_001)
    assert decision.constraints_minor["jurisdiction_income_cap"] == 1_000_033  # floor(3,000,100 / 3)


def test_affordability_leaves_room_for_existing_debt():
    decision = limit(band="A", income=10_000, obligations=4_800)
    # (10,000 / 2 - 4,800) / 0.095 = 2,105.26… → 2,100
    assert decision.binding == "affordability"
    assert decision.limit == Money.of_minor(210_000, "CNY")


def test_below_minimum_and_band_e_get_no_line():
    assert limit(band="E").limit.is_zero()
    tiny = limit(band="D", income=600, obligations=0)
    assert tiny.limit.is_zero()
    assert tiny.binding == "limit_min"
    over_indebted = limit(band="A", income=10_000, obligations=9_000)
    assert over_indebted.limit.is_zero()
    assert over_indebted.binding == "affordability"


def test_initial_limits_are_conservative():
    assert limit(band="A", income=1_000_000, obligations=0).limit == Money.of_minor(5_000_000, "CNY")


@given(
    band=st.sampled_from("ABCDE"),
    income=st.integers(0, 10**9),
    obligations=st.integers(0, 10**8),
    microloans=st.integers(0, 3 * 10**7),
)
def test_limit_never_breaks_a_constraint(band, income, obligations, microloans):
    decision = assign_limit(LimitInputs(band, income, obligations, microloans), CN)
    minor = decision.limit.minor
    assert minor % 10_000 == 0
    assert minor >= 0
    assert minor == 0 or minor >= 50_000
    assert minor == 0 or all(minor <= ceiling for ceiling in decision.constraints_minor.values())
    assert microloans + minor <= 20_000_000 or minor == 0
    assert 3 * (microloans + minor) <= 12 * income or minor == 0


def test_bad_inputs_and_policies_are_typed():
    with pytest.raises(InvalidLimitInput):
        assign_limit(LimitInputs("Z", 1, 0, 0), CN)
    with pytest.raises(InvalidLimitInput):
        assign_limit(LimitInputs("A", -1, 0, 0), CN)
    with pytest.raises(InvalidLimitPolicy):
        parse_limit_policy("name: x\nversion: 1\n")
    with pytest.raises(InvalidLimitPolicy):
        builtin_limit_policy("nope")


def test_indonesian_policy_has_no_income_share_cap():
    decision = assign_limit(LimitInputs("B", 8_000_000_00, 0, 0), builtin_limit_policy("limits_id"))
    assert "jurisdiction_income_cap" not in decision.constraints_minor
    assert decision.limit.currency.code == "IDR"
    assert decision.limit.minor % 10_000_000 == 0
