"""Statements add up, positions come from the movements, and reconciliation finds every difference."""

from __future__ import annotations

from datetime import date

import pytest
from colending_builders import funding_shares
from hypothesis import given
from hypothesis import strategies as st

from creditline.funding.colending import (
    SPLIT_MOVEMENTS,
    FundingShares,
    PartnerPosition,
    build_statement,
    partner_parts_of_loans,
    reconcile_partner,
    split_totals,
)
from creditline.ledger import Account
from creditline.money import currency

CNY = currency("CNY")
SUMS = st.dictionaries(
    st.tuples(st.sampled_from(SPLIT_MOVEMENTS), st.booleans()), st.integers(-(10**9), 10**9), max_size=20
)


@given(SUMS, SUMS)
def test_a_statement_always_adds_up(before: dict, during: dict) -> None:
    statement = build_statement("bank", CNY, (date(2025, 1, 1), date(2025, 1, 31)), before, during)
    view = statement.as_dict()
    assert view["payable"]["collected"] == _text(
        sum(statement.collections.values()) + sum(statement.recoveries.values())
    )
    later = build_statement("bank", CNY, (date(2025, 2, 1), date(2025, 2, 28)), _merged(before, during), {})
    assert later.opening_exposure == statement.closing_exposure  # one period's close is the next's opening
    assert later.opening_payable == statement.closing_payable


def test_collections_on_charged_off_loans_are_recoveries() -> None:
    during = {("disbursed", False): 70_000, ("principal_repaid", False): 10_000, ("principal_repaid", True): 5_000,
              ("interest_accrued", False): 700, ("interest_repaid", True): 300, ("interest_waived", False): 100}  # fmt: skip
    view = build_statement("bank", CNY, (date(2025, 1, 1), date(2025, 1, 31)), {}, during).as_dict()
    assert view["collections"]["principal"] == "100.00" and view["recoveries"]["principal"] == "50.00"
    assert view["recoveries"]["interest"] == "3.00"
    assert view["closing_exposure"] == {
        "principal": "550.00",
        "interest": "3.00",
        "penalty": "0.00",
        "fees": "0.00",
        "total": "553.00",
    }
    assert view["payable"] == {"opening": "0.00", "collected": "153.00", "closing": "153.00", "remitted": "0.00"}
    assert view["income"] == "6.00"


def test_a_position_reads_its_accounts_from_its_movements() -> None:
    position = PartnerPosition("bank", {"disbursed": 700, "principal_repaid": 100, "interest_accrued": 30,
                                        "interest_waived": 5, "principal_written_off": 50})  # fmt: skip
    assert position.principal_outstanding_minor == 550
    assert position.accounts == {
        Account.PARTNER_PAYABLE: 100, Account.PARTNER_FUNDING: 575,
        Account.PARTNER_INCOME: 25, Account.PARTNER_LOSSES: 50,
    }  # fmt: skip


@given(
    st.lists(
        st.tuples(st.dictionaries(st.sampled_from(SPLIT_MOVEMENTS), st.integers(0, 10**9)), funding_shares()),
        max_size=12,
    )
)
def test_the_batch_sum_over_loans_equals_the_per_loan_split(loans: list) -> None:
    expected: dict[str, dict[str, int]] = {}
    for totals, shares in loans:
        parts = split_totals(totals, shares.weights, CNY)
        for (partner_id, _), part in zip(shares.partners, parts[1:], strict=True):
            target = expected.setdefault(partner_id, dict.fromkeys(SPLIT_MOVEMENTS, 0))
            for m in SPLIT_MOVEMENTS:
                target[m] += part[m]
    assert partner_parts_of_loans(loans) == expected


def test_reconciliation_names_each_movement_that_differs() -> None:
    assert reconcile_partner("bank", {"disbursed": 5}, {"disbursed": 5, "interest_accrued": 0}) == []
    differences = reconcile_partner(
        "bank", {"disbursed": 5, "interest_accrued": 2}, {"disbursed": 5, "interest_accrued": 3}
    )
    assert [(d.movement, d.journal_minor, d.loans_minor) for d in differences] == [("interest_accrued", 2, 3)]


def test_shares_refuse_what_is_not_a_whole_loan() -> None:
    from creditline.funding.colending import OwnShareBreached, SharesInvalid

    with pytest.raises(SharesInvalid):
        FundingShares(5000, (("b", 4000),))
    with pytest.raises(SharesInvalid):
        FundingShares(5000, (("b", 2500), ("a", 2500)))
    with pytest.raises(OwnShareBreached) as caught:
        FundingShares.of({"a": 7500}).check_own_share(3000)
    assert caught.value.field == "shares"


def _text(minor: int) -> str:
    from creditline.money import Money

    return Money(minor, CNY).amount_str()


def _merged(a: dict, b: dict) -> dict:
    merged = dict(a)
    for key, value in b.items():
        merged[key] = merged.get(key, 0) + value
    return merged
