"""Provision ratios and China's bands, the liquidity coverage ratio, capital adequacy and leverage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from portfolio_factories import row

from creditline.portfolio import capital, snapshot
from creditline.portfolio.balance_sheet import parse_balance_sheet
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.liquidity import CashFlow, LiquidAssets, hqla_minor, lcr, loan_book_flows
from creditline.portfolio.provisions import ProvisionRatios, ProvisionRequirement


def test_provision_ratios_against_the_default_top_of_band_minimums():
    ratios = ProvisionRatios(allowance_minor=3_000, npl_minor=2_000, loans_minor=100_000)
    assert ratios.coverage == Decimal("1.5") and ratios.coverage_met
    assert ratios.loan_provision == Decimal("0.03") and ratios.loan_provision_met
    thin = ProvisionRatios(allowance_minor=2_499, npl_minor=2_000, loans_minor=100_000)
    assert not thin.coverage_met and not thin.loan_provision_met


def test_a_bank_specific_requirement_inside_the_bands():
    lenient = ProvisionRequirement(coverage_min=Decimal("1.2"), loan_provision_min=Decimal("0.015"))
    ratios = ProvisionRatios(allowance_minor=2_400, npl_minor=2_000, loans_minor=160_000, requirement=lenient)
    assert ratios.coverage_met and ratios.loan_provision_met
    assert not ProvisionRatios(2_399, 2_000, 160_000, lenient).loan_provision_met


@pytest.mark.parametrize(("kwargs", "field"), [({"coverage_min": Decimal("1.19")}, "coverage_min"),
                                               ({"coverage_min": Decimal("1.51")}, "coverage_min"),
                                               ({"loan_provision_min": Decimal("0.014")}, "loan_provision_min"),
                                               ({"loan_provision_min": Decimal("0.026")}, "loan_provision_min")])
def test_requirements_outside_the_bands_are_rejected(kwargs, field):
    with pytest.raises(InvalidAssumption) as info:
        ProvisionRequirement(**kwargs)
    assert info.value.field == field
    assert "120% to 150%" in info.value.message or "1.5% to 2.5%" in info.value.message


def test_no_npls_means_coverage_is_undefined_and_met():
    ratios = ProvisionRatios(allowance_minor=100, npl_minor=0, loans_minor=10_000)
    assert ratios.coverage is None and ratios.coverage_met


def test_hqla_caps_level_2_at_40_percent_and_level_2b_at_15_percent():
    """Equal market values of 100.00 in Level 1, 2A and 2B: after haircuts 100 + 85 + 50, capped to 166.67."""
    stock = hqla_minor(LiquidAssets(level1_minor=10_000, level2a_minor=10_000, level2b_minor=10_000))
    assert stock == 16_667
    level2 = stock - 10_000
    assert abs(Decimal(level2) / stock - Decimal("0.4")) < Decimal("0.0001")
    assert hqla_minor(LiquidAssets(level1_minor=10_000, level2a_minor=1_000)) == 10_850  # under the caps


def test_lcr_caps_inflows_at_75_percent_of_outflows():
    outflows = [CashFlow("retail deposits", 1_000_000, Decimal("0.10"))]  # 100,000 out
    inflows = [CashFlow("maturing interbank", 200_000, Decimal(1))]  # 200,000 in, capped at 75,000
    result = lcr(LiquidAssets(level1_minor=30_000), outflows, inflows)
    assert (result.outflows_minor, result.inflows_minor, result.inflows_counted_minor) == (100_000, 200_000, 75_000)
    assert result.net_outflows_minor == 25_000
    assert result.ratio == Decimal("1.2") and result.met
    assert not lcr(LiquidAssets(level1_minor=24_999), outflows, inflows).met


def test_the_loan_book_adds_undrawn_lines_as_outflows_and_performing_payments_as_inflows():
    day = snapshot.from_rows([
        row(loan_id="L1", undrawn_minor=100_000, scheduled_30d_minor=10_000),
        row(loan_id="L2", undrawn_minor=50_000, scheduled_30d_minor=7_000, days_past_due=5, status="overdue"),
        row(loan_id="L3", undrawn_minor=0, scheduled_30d_minor=0, status="closed", principal_minor=0),
    ])
    outflow, inflow = loan_book_flows(day)
    assert (outflow.amount_minor, outflow.weighted()) == (150_000, Decimal("7500.00"))
    assert (inflow.amount_minor, inflow.weighted()) == (10_000, Decimal("5000.0"))


def test_rwa_weighs_qualifying_retail_75_percent_and_the_rest_100_percent():
    day = snapshot.from_rows([
        row(loan_id="L1", borrower_id="B1", principal_minor=100_000, undrawn_minor=100_000),  # 110,000
        row(loan_id="L2", borrower_id="B2", principal_minor=50_000, days_past_due=95, status="overdue",
            stage=3),  # in default: 100%
        row(loan_id="L3", borrower_id="B3", principal_minor=190_000),  # over the cap below: 100%
    ])
    result = capital.retail_rwa(day, capital.RetailPolicy(borrower_cap_minor=150_000, granularity_max=Decimal(1)))
    assert (result.qualifying_exposure_minor, result.other_exposure_minor) == (110_000, 240_000)
    assert result.rwa_minor == 82_500 + 240_000


def test_the_granularity_test_excludes_a_borrower_above_0_2_percent_of_the_book():
    rows = [row(loan_id=f"L{i}", borrower_id=f"B{i}", principal_minor=1_000) for i in range(999)]
    rows.append(row(loan_id="BIG", borrower_id="BIG", principal_minor=5_000))  # 5,000 of 1,004,000 = 0.498%
    result = capital.retail_rwa(snapshot.from_rows(rows))
    assert result.other_exposure_minor == 5_000
    assert result.qualifying_exposure_minor == 999_000


def test_capital_ratios_and_their_minimums():
    base = capital.CapitalBase(cet1_minor=80, additional_tier1_minor=5, tier2_minor=20)
    ratios = capital.CapitalRatios(base, rwa_minor=1_000, leverage_exposure_minor=2_000)
    assert (ratios.car, ratios.tier1, ratios.cet1, ratios.leverage) == (
        Decimal("0.105"), Decimal("0.085"), Decimal("0.08"), Decimal("0.0425"))
    assert all(ratios.checks().values())
    short = capital.CapitalRatios(capital.CapitalBase(cet1_minor=79, tier2_minor=20), 1_000, 2_000)
    checks = short.checks()
    assert checks["car_min_8pct"] and not checks["car_min_with_buffer_10_5pct"]
    assert not checks["leverage_min_4pct"]


def test_leverage_exposure_counts_undrawn_lines_at_10_percent():
    day = snapshot.from_rows([row(principal_minor=100_000, undrawn_minor=55_555)])
    assert capital.leverage_exposure_minor(day, other_assets_minor=1_000) == 100_000 + 5_556 + 1_000


def test_a_balance_sheet_is_parsed_from_text_amounts_and_rates():
    sheet = parse_balance_sheet({
        "currency": "CNY", "capital": {"cet1": "1,000.00", "tier2": "200"},
        "hqla": {"level1": "500.50"},
        "outflows": [{"name": "deposits", "amount": "3000", "rate": "0.1"}],
        "inflows": [{"name": "interbank", "amount": "100", "rate": "1"}],
        "other_exposures": [{"name": "bonds", "amount": "400", "risk_weight": "0.2"}],
        "other_assets": "900",
    })
    assert sheet.capital == capital.CapitalBase(100_000, 0, 20_000)
    assert sheet.liquid_assets == LiquidAssets(50_050, 0, 0)
    assert sheet.outflows[0].weighted() == Decimal("30000.0")
    assert capital.other_rwa_minor(sheet.other_exposures) == 8_000
    assert sheet.other_assets_minor == 90_000


@pytest.mark.parametrize(("data", "message"), [
    ({"currency": "CNY", "captial": {}}, "unknown field(s) captial"),
    ({"currency": "CNY", "capital": {"cet": "1"}}, "unknown field(s) in capital: cet"),
    ({"currency": "CNY", "capital": {"cet1": "1.001"}}, "capital.cet1"),
    ({"currency": "CNY", "capital": {"cet1": "-5"}}, "not negative"),
    ({"currency": "CNY", "outflows": [{"name": "x", "amount": "1", "rate": "lots"}]}, "rate"),
    ({"currency": "CNY", "outflows": [{"name": "x", "amount": "1", "rate": "1.5"}]}, "rates are in [0, 1]"),
    ({"currency": "QQQ"}, "currency"),
    ([], "must be an object"),
    # A JSON number with a fraction is a float: 90071992547409.93 was read as 9007199254740994 minor units.
    ({"currency": "CNY", "capital": {"cet1": 90071992547409.93}}, "capital.cet1: write amounts as text"),
    ({"currency": "CNY", "outflows": [{"name": "x", "amount": 0.1, "rate": "1"}]}, "outflows x: write amounts as text"),
])
def test_a_bad_balance_sheet_names_the_field(data, message):
    with pytest.raises(InvalidAssumption) as info:
        parse_balance_sheet(data)
    assert info.value.field == "balance_sheet"
    assert message in info.value.message
