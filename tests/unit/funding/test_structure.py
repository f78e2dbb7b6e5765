"""Deal structure: bad input is a typed error naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditline.funding.errors import (
    FundingError,
    NegativeRate,
    StructureError,
    TrancheSizeMismatch,
    UnknownTriggerMetric,
)
from creditline.funding.structure import add_months, deal_spec, resolve_structure
from creditline.money import UnknownCurrency

from .builders import deal_data


def test_shares_become_amounts_that_add_up_exactly() -> None:
    structure = resolve_structure(deal_spec(deal_data()), 1_000_001)
    assert [t.balance_minor for t in structure.tranches] == [800_001, 120_000, 80_000]
    assert sum(t.balance_minor for t in structure.tranches) == 1_000_001
    assert structure.fees[0].name == "servicing"
    assert structure.rated_count == 2


def test_balances_must_add_up_to_the_pool() -> None:
    spec = deal_spec(
        deal_data(
            tranches=[
                {"name": "A", "balance": "9,000.00", "coupon_rate": "3%"},
                {"name": "Sub", "balance": "999.99"},
            ]
        )
    )
    assert [t.balance_minor for t in resolve_structure(spec, 999_999).tranches] == [900_000, 99_999]
    with pytest.raises(TrancheSizeMismatch) as caught:
        resolve_structure(spec, 1_000_000)
    assert caught.value.field == "tranches"
    assert caught.value.code == "tranche_sizes_mismatch"
    assert "9,999.99" not in caught.value.message and "9999.99" in caught.value.message


def test_shares_must_add_up_to_one() -> None:
    spec = deal_spec(deal_data(tranches=[{"name": "A", "share": "80%"}, {"name": "Sub", "share": "15%"}]))
    with pytest.raises(TrancheSizeMismatch) as caught:
        resolve_structure(spec, 1_000_000)
    assert caught.value.field == "tranches"


def test_negative_coupon_names_the_tranche() -> None:
    data = deal_data()
    data["tranches"][1]["coupon_rate"] = "-1%"
    with pytest.raises(NegativeRate) as caught:
        deal_spec(data)
    assert caught.value.field == "tranches[1].coupon_rate"


def test_trigger_on_unknown_metric() -> None:
    data = deal_data(triggers=[{"metric": "excess_spread", "above": "2%"}])
    with pytest.raises(UnknownTriggerMetric) as caught:
        deal_spec(data)
    assert caught.value.field == "triggers[0].metric"
    assert caught.value.code == "unknown_trigger_metric"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"servicing_fee_rate": "-0.5%"}, "servicing_fee_rate"),
        ({"closing_date": "2025-06-01"}, None),
        ({"tranches": []}, "tranches"),
        ({"colour": "blue"}, "colour"),
        ({"reserve": {"initial": 100.5}}, "reserve.initial"),
        ({"clean_up_call": "ten"}, "clean_up_call"),
        ({"eligibility": {"max_days_past_due": -1}}, "eligibility.max_days_past_due"),
        ({"sale_price": "0%"}, "sale_price"),  # not `price`, which a deal file has only on its tranches
        ({"sale_price": "98.5"}, "sale_price"),
        # a tranche bought at "99.5" (a bond quote, meant 99.5%) was priced at 9,950% of par: A's yield
        # printed as -99.84% with no error; the sale price refuses the same typo
        ({"tranches": [{"name": "A", "share": "90%", "price": "99.5"}, {"name": "Sub", "share": "10%"}]},
         "tranches[0].price"),
        ({"tranches": [{"name": "A", "share": "90%"}, {"name": "Sub", "share": "10%", "price": "0"}]},
         "tranches[1].price"),
        # rates and shares without an upper bound reached the waterfall: a servicing fee of 1e30 (or a
        # coupon, a fee rate, a call of 1e400) overflowed its int64 interest with a traceback, and a
        # coupon of "3.2" (meant 3.2%) ran at 320% a year
        ({"servicing_fee_rate": "1e30"}, "servicing_fee_rate"),
        ({"tranches": [{"name": "A", "share": "90%", "coupon_rate": "11"}, {"name": "Sub", "share": "10%"}]},
         "tranches[0].coupon_rate"),
        ({"fees": [{"name": "trustee", "annual_rate": "1e30"}]}, "fees[0].annual_rate"),
        ({"revolving": {"months": 3, "annual_rate": "1e30", "term_months": 12}}, "revolving.annual_rate"),
        ({"reserve": {"target_share": "5"}}, "reserve.target_share"),
        ({"clean_up_call": "1e400"}, "clean_up_call"),
        # a payment date after year 9999 does not exist: the run raised ValueError with a traceback
        ({"cut_off_date": "9999-01-01", "closing_date": "9999-01-15", "first_payment_date": "9999-02-26"},
         "cut_off_date"),
        ({"first_payment_date": "9999-02-26"}, "first_payment_date"),
        # named no field: "error: --deal: tranche names must be unique"
        ({"tranches": [{"name": "A", "share": "90%"}, {"name": "A", "share": "10%"}]}, "tranches"),
    ],
)
def test_bad_settings_name_their_field(change: dict, field: str | None) -> None:
    with pytest.raises(FundingError) as caught:
        deal_spec(deal_data(**change))
    assert caught.value.field == field


def test_rates_and_shares_at_their_ceiling_are_accepted() -> None:
    spec = deal_spec(deal_data(servicing_fee_rate="1000%", clean_up_call="100%", reserve={"target_share": "1"}))
    assert (spec.servicing_fee_rate, spec.clean_up_call) == (Decimal(10), Decimal(1))
    assert spec.reserve is not None and spec.reserve.target_share == Decimal(1)


def test_tranche_needs_one_size() -> None:
    with pytest.raises(StructureError) as caught:
        deal_spec(deal_data(tranches=[{"name": "A"}]))
    assert caught.value.field == "tranches[0]"


def test_unknown_currency_at_resolution() -> None:
    with pytest.raises(UnknownCurrency):
        resolve_structure(deal_spec(deal_data(currency="ABC")), 100)


def test_payment_dates_clamp_to_month_end() -> None:
    spec = deal_spec(deal_data(first_payment_date="2025-08-31"))
    structure = resolve_structure(spec, 1000)
    assert structure.payment_date(0).isoformat() == "2025-07-15"
    assert [structure.payment_date(t).isoformat() for t in (1, 2, 7)] == [
        "2025-08-31",
        "2025-09-30",
        "2026-02-28",
    ]
    assert add_months(structure.first_payment_date, 18).isoformat() == "2027-02-28"


def test_ratios_accept_percent_text_and_decimals() -> None:
    spec = deal_spec(deal_data(servicing_fee_rate=Decimal("0.01"), clean_up_call="10%"))
    assert spec.servicing_fee_rate == Decimal("0.01")
    assert spec.clean_up_call == Decimal("0.10")
