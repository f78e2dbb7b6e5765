"""Partner and rules files: what is accepted, and every mistake a typed error naming its field."""

from __future__ import annotations

import pytest
from colending_builders import CN_MIN_OWN_BP, partner, partner_text

from creditline.funding.colending import (
    OwnShareBreached,
    PartnerInvalid,
    RulesInvalid,
    UnknownJurisdiction,
    load_partner,
    load_rules,
    shipped_rules,
)
from creditline.funding.errors import NegativeRate
from creditline.money import Money


def test_a_partner_file_loads_with_exact_amounts_and_shares() -> None:
    bank = partner(grades="[A, B]", terms="[3, 6]", cost="3.25%", concentration="0.4")
    assert bank.appetite.balance_max == Money.of_minor(100_000_000, "CNY")
    assert (bank.appetite.share_min_bp, bank.appetite.share_max_bp, bank.concentration_limit_bp) == (
        1000,
        7000,
        4000,
    )
    assert str(bank.cost_of_funds.annual()) == "0.0325"
    assert bank.appetite.takes_grade("A") and not bank.appetite.takes_grade(None)
    assert bank.appetite.takes_term(6) and not bank.appetite.takes_term(12)


def test_the_same_file_in_toml_has_the_same_content_hash() -> None:
    toml = "\n".join([
        'partner_id = "bank-a"', "version = 1", 'name = "Bank bank-a"', 'currency = "CNY"',
        'cost_of_funds = "3%"', "active = true", 'concentration_limit = "100%"',
        "[appetite]", 'balance_max = "1000000.00"', 'share_min = "10%"', 'share_max = "70%"',
    ])  # fmt: skip
    from_toml = load_partner(toml, source="p.toml", min_own_bp=CN_MIN_OWN_BP)
    assert from_toml.content_hash == partner().content_hash


@pytest.mark.parametrize(
    ("settings", "error", "field"),
    [
        ({"share_max": "75%"}, OwnShareBreached, "appetite.share_max"),  # leaves the platform 25% < 30%
        ({"cost": "-1%"}, NegativeRate, "cost_of_funds"),
        ({"share_min": "-5%"}, NegativeRate, "appetite.share_min"),
        ({"extra": "colour: blue\n"}, PartnerInvalid, "colour"),
        ({"share_min": "80%", "share_max": "70%"}, PartnerInvalid, "appetite"),
        ({"share_min": "10.005%"}, PartnerInvalid, "appetite.share_min"),  # finer than a basis point
        ({"share_min": "0%"}, PartnerInvalid, "appetite.share_min"),
        ({"concentration": "120%"}, PartnerInvalid, "concentration_limit"),
        ({"balance_max": "100.001"}, PartnerInvalid, "appetite.balance_max"),
        ({"currency": "XYZ"}, PartnerInvalid, "currency"),
        ({"cost": "250%"}, PartnerInvalid, "cost_of_funds"),
        ({"partner_id": "Bank A"}, PartnerInvalid, "partner_id"),
        ({"terms": "[0, 3]"}, PartnerInvalid, "appetite"),
    ],
)
def test_bad_partner_files_raise_typed_errors_naming_the_field(
    settings: dict, error: type, field: str
) -> None:
    partner_id = settings.pop("partner_id", "bank-a")
    with pytest.raises(error) as caught:
        load_partner(partner_text(partner_id, **settings), source="p.yaml", min_own_bp=CN_MIN_OWN_BP)
    assert caught.value.field == field
    assert type(caught.value) is error


def test_a_missing_field_and_a_float_are_refused() -> None:
    text = partner_text().replace('cost_of_funds: "3%"\n', "")
    with pytest.raises(PartnerInvalid) as caught:
        load_partner(text, source="p.yaml", min_own_bp=CN_MIN_OWN_BP)
    assert (caught.value.field, caught.value.message) == ("cost_of_funds", "is required")
    with pytest.raises(PartnerInvalid):
        load_partner("partner_id: [", source="p.yaml", min_own_bp=CN_MIN_OWN_BP)


def test_a_lower_minimum_own_share_admits_a_larger_partner_share() -> None:
    text = partner_text(share_max="90%")
    assert load_partner(text, source="p.yaml", min_own_bp=1000).appetite.share_max_bp == 9000


def test_the_shipped_rules_are_china_30_percent() -> None:
    rules = shipped_rules()
    assert rules.min_own_bp() == 3000 and rules.min_own_bp("CN") == 3000
    with pytest.raises(UnknownJurisdiction) as caught:
        rules.min_own_bp("ZZ")
    assert caught.value.field == "jurisdiction"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "version: 1\ndefault_jurisdiction: CN\njurisdictions:\n  CN: {min_own_share: '130%'}\n",
            "jurisdictions.CN.min_own_share",
        ),
        (
            "version: 1\ndefault_jurisdiction: ID\njurisdictions:\n  CN: {min_own_share: '30%'}\n",
            "default_jurisdiction",
        ),
        (
            "version: 1\ndefault_jurisdiction: CN\njurisdictions:\n  CN: {min_own_share: '30%', x: 1}\n",
            "jurisdictions.CN.x",
        ),
    ],
)
def test_bad_rules_raise_typed_errors_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(RulesInvalid) as caught:
        load_rules(text, source="rules.yaml")
    assert caught.value.field == field


def test_a_negative_minimum_own_share_is_a_negative_rate() -> None:
    text = "version: 1\ndefault_jurisdiction: CN\njurisdictions:\n  CN: {min_own_share: '-30%'}\n"
    with pytest.raises(NegativeRate) as caught:
        load_rules(text, source="rules.yaml")
    assert caught.value.field == "jurisdictions.CN.min_own_share"
