from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditline.money import divide
from creditline.risk.pricing import (
    InvalidPriceGrid,
    InvalidPricingInput,
    annualised_pd,
    builtin_price_grid,
    grid_terms,
    parse_price_grid,
    price,
)

CN = builtin_price_grid("price_grid_cn")


def monthly_compound_apr(rate_daily: Decimal) -> Decimal:
    # A stand-in with the right shape (monotone in the rate): 30-day months compounded 12 times.
    return (1 + rate_daily * 30) ** 12 - 1


def test_cost_stack_for_a_prime_borrower():
    quote = price(Decimal("0.01"), CN, monthly_compound_apr)
    # 3.5% + 1% × 75% + 2% + 1.26% + 2% = 9.51% a year → 0.026416…% a day → grid 0.0300%.
    assert quote.expected_loss_annual == Decimal("0.0075")
    assert quote.rate_daily_required == divide(Decimal("0.0951"), 360)
    assert quote.rate_daily == Decimal("0.000300")
    assert not quote.clipped_by_cap
    assert quote.covers_cost
    assert quote.display() == "daily rate 0.03% (APR 11.35%)"


def test_cap_clips_and_flags_loss_making_prices():
    top = price(Decimal("0.2"), CN, monthly_compound_apr)
    assert top.rate_daily == max(grid_terms(CN).daily_rates)  # the grid ends before the cost does
    assert not top.covers_cost
    quote = price(Decimal("0.2"), CN, monthly_compound_apr, apr_cap=Decimal("0.22"))
    assert quote.clipped_by_cap
    assert quote.apr <= Decimal("0.22")
    assert not quote.covers_cost
    product_cap = price(Decimal("0.05"), CN, monthly_compound_apr, apr_cap=Decimal("0.12"))
    assert product_cap.apr <= Decimal("0.12")
    assert product_cap.clipped_by_cap


def test_pd_horizon_is_annualised():
    assert annualised_pd(Decimal("0.1"), 12) == Decimal("0.1")
    two_year = annualised_pd(Decimal("0.19"), 24)  # 1 - 0.81^(1/2) = 0.1
    assert abs(two_year - Decimal("0.1")) < Decimal("1e-30")


@given(st.decimals(min_value=0, max_value=1, places=4), st.decimals(min_value=0, max_value=1, places=4))
def test_price_is_monotone_in_pd_and_always_on_grid_under_cap(pd_a, pd_b):
    low, high = sorted((pd_a, pd_b))
    terms = grid_terms(CN)
    quote_low = price(low, terms, monthly_compound_apr)
    quote_high = price(high, terms, monthly_compound_apr)
    assert quote_low.rate_daily <= quote_high.rate_daily
    for quote in (quote_low, quote_high):
        assert quote.rate_daily in terms.daily_rates
        assert quote.apr <= terms.apr_cap
        assert quote.rate_daily >= quote.rate_daily_required or quote.clipped_by_cap or quote.rate_daily == max(
            terms.daily_rates
        )


def test_bad_grids_and_inputs():
    with pytest.raises(InvalidPricingInput):
        price(Decimal("1.5"), CN, monthly_compound_apr)
    with pytest.raises(InvalidPricingInput):
        price(0.1, CN, monthly_compound_apr)
    text = CN.model_dump()
    text["grid_daily_percent"] = ["0.05", "0.04"]
    with pytest.raises(InvalidPriceGrid, match="ascending"):
        parse_price_grid(__import__("yaml").safe_dump(text))
    with pytest.raises(InvalidPricingInput, match="cap"):
        price(Decimal("0.1"), CN, lambda rate: Decimal(1))
