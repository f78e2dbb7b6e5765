"""The exact split: parts add up to the whole, stay near the exact share, close to zero, and the
numpy batch equals the per-loan `Money.allocate` path."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from colending_builders import funding_shares
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.funding.colending import (
    CHAINS,
    SHARE_SCALE,
    SPLIT_MOVEMENTS,
    split_batch,
    split_delta,
    split_totals,
)
from creditline.money import currency

CNY = currency("CNY")
AMOUNT = st.integers(min_value=0, max_value=10**11)


@st.composite
def settled_totals(draw: st.DrawFn, settled: bool | None = None) -> dict[str, int]:
    """Cumulative totals whose outflows never exceed the inflow (as a loan's never do)."""
    totals: dict[str, int] = {}
    for _, inflow, outflows in CHAINS:
        whole = draw(AMOUNT)
        totals[inflow] = whole
        left = whole
        for outflow in outflows:
            totals[outflow] = draw(st.integers(min_value=0, max_value=left))
            left -= totals[outflow]
        if settled if settled is not None else draw(st.booleans()):
            totals[outflows[-1]] += left  # the component is settled: outflows sum to the inflow
    return totals


@given(settled_totals(), funding_shares())
def test_parts_add_up_to_the_whole_and_stay_near_the_exact_share(totals: dict, shares) -> None:  # type: ignore[no-untyped-def]
    parts = split_totals(totals, shares.weights, CNY)
    for movement in SPLIT_MOVEMENTS:
        assert sum(p[movement] for p in parts) == totals[movement]
    for _, inflow, _ in CHAINS:
        for party, weight in enumerate(shares.weights):
            exact = Fraction(totals[inflow] * weight, SHARE_SCALE)
            assert abs(parts[party][inflow] - exact) < 1  # largest remainder: within one minor unit


@given(settled_totals(settled=True), funding_shares())
def test_a_settled_loan_leaves_every_party_exactly_nothing(totals: dict, shares) -> None:  # type: ignore[no-untyped-def]
    for part in split_totals(totals, shares.weights, CNY):
        for _, inflow, outflows in CHAINS:
            assert part[inflow] - sum(part[o] for o in outflows) == 0


@given(settled_totals(), funding_shares())
def test_every_party_owes_what_its_parts_say_never_below_zero_by_more_than_rounding(
    totals: dict, shares
) -> None:  # type: ignore[no-untyped-def]
    for party, part in enumerate(split_totals(totals, shares.weights, CNY)):
        for _, inflow, outflows in CHAINS:
            balance = totals[inflow] - sum(totals[o] for o in outflows)
            exact = Fraction(balance * shares.weights[party], SHARE_SCALE)
            assert abs(part[inflow] - sum(part[o] for o in outflows) - exact) < 2


@given(settled_totals(), settled_totals(), funding_shares())
def test_deltas_telescope_so_posting_day_by_day_never_drifts(first: dict, second: dict, shares) -> None:  # type: ignore[no-untyped-def]
    later = {m: first[m] + second[m] for m in SPLIT_MOVEMENTS}
    step_one = split_delta(first, dict.fromkeys(SPLIT_MOVEMENTS, 0), shares.weights, CNY)
    step_two = split_delta(later, first, shares.weights, CNY)
    whole = split_totals(later, shares.weights, CNY)
    for party in range(len(shares.weights)):
        for m in SPLIT_MOVEMENTS:
            assert step_one[party][m] + step_two[party][m] == whole[party][m]
            assert sum(d[m] for d in step_two) == later[m] - first[m]


@settings(max_examples=40)
@given(st.lists(st.tuples(settled_totals(), funding_shares()), min_size=1, max_size=30))
def test_the_numpy_batch_equals_the_per_loan_path(loans: list) -> None:
    width = 1 + max(len(s.partners) for _, s in loans)
    weights = np.zeros((len(loans), width), dtype=np.int64)
    for i, (_, shares) in enumerate(loans):
        weights[i, : len(shares.weights)] = shares.weights
    columns = {m: np.array([t[m] for t, _ in loans], dtype=np.int64) for m in SPLIT_MOVEMENTS}
    batch = split_batch(columns, weights)
    for i, (totals, shares) in enumerate(loans):
        single = split_totals(totals, shares.weights, CNY)
        for party in range(width):
            for m in SPLIT_MOVEMENTS:
                expected = single[party][m] if party < len(single) else 0
                assert int(batch[m][i, party]) == expected


def test_ties_go_to_the_earlier_party_and_the_platform_comes_first() -> None:
    parts = split_totals({"disbursed": 1}, (3000, 3500, 3500), CNY)
    assert [p["disbursed"] for p in parts] == [0, 1, 0]  # 0.30 < 0.35 = 0.35: the first partner
    parts = split_totals({"disbursed": 2}, (5000, 5000), CNY)
    assert [p["disbursed"] for p in parts] == [1, 1]
    parts = split_totals({"disbursed": 1}, (5000, 5000), CNY)
    assert [p["disbursed"] for p in parts] == [1, 0]


def test_a_worked_example_to_the_cent() -> None:
    # 1,000.01 lent 30/35/35; 500.00 principal and 1.11 of 3.33 interest repaid, 2.22 waived
    totals = {"disbursed": 100001, "principal_repaid": 50000, "interest_accrued": 333,
              "interest_repaid": 111, "interest_waived": 222}  # fmt: skip
    platform, first, second = split_totals(totals, (3000, 3500, 3500), CNY)
    assert (platform["disbursed"], first["disbursed"], second["disbursed"]) == (30000, 35001, 35000)
    assert (platform["interest_accrued"], first["interest_accrued"], second["interest_accrued"]) == (
        100,
        117,
        116,
    )
    assert (first["interest_repaid"], first["interest_waived"]) == (39, 78)  # 117 settled exactly
    assert (second["interest_repaid"], second["interest_waived"]) == (39, 77)  # 116 settled exactly
