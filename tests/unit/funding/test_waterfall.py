"""The waterfall: conservation to the minor unit, nobody paid more than owed, and the deal mechanics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditline.funding.assumptions import assumptions
from creditline.funding.deal import Deal, build_deal, run_deal
from creditline.funding.structure import deal_spec
from creditline.funding.waterfall import WaterfallResult, allocate_principal

from .builders import deal_data, small_tape

PERCENT = st.integers(0, 100).map(lambda p: f"{p}%")


@st.composite
def tranche_lists(draw) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(1, 999), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 1000]
    return [
        {
            "name": f"T{i}",
            "share": str(Decimal(bounds[i + 1] - bounds[i]) / 1000),
            "coupon_rate": f"{draw(st.integers(0, 1500)) / 100}%",
            "day_count": draw(st.sampled_from(["act/365", "act/360", "30/360", "act/act"])),
        }
        for i in range(count)
    ]


@st.composite
def deals(draw) -> Deal:
    loans = draw(st.integers(1, 12))
    rows = [
        {
            "outstanding_principal_minor": str(draw(st.integers(1, 5_000_000))),
            "annual_rate": f"0.{draw(st.integers(0, 36)):02d}",
            "remaining_term_months": str(draw(st.integers(1, 18))),
            "amortisation": draw(st.sampled_from(["level", "even_principal", "interest_only"])),
        }
        for _ in range(loans)
    ]
    data = deal_data(
        tranches=draw(tranche_lists()),
        principal_payment=draw(st.sampled_from(["sequential", "pro_rata"])),
        servicing_fee_rate=f"{draw(st.integers(0, 300)) / 100}%",
        fees=[{"name": "trustee", "annual_rate": "0.1%", "fixed_per_period": str(draw(st.integers(0, 500)))}],
        reserve={
            "initial": str(draw(st.integers(0, 20_000))),
            "target_share": f"{draw(st.integers(0, 5))}%",
            "floor": str(draw(st.integers(0, 5_000))),
        },
        triggers=[
            {
                "metric": draw(
                    st.sampled_from(["cumulative_default_rate", "delinquency_rate", "cumulative_loss_rate"])
                ),
                "above": draw(PERCENT),
                "actions": draw(
                    st.sampled_from([["sequential"], ["end_revolving"], ["sequential", "end_revolving"]])
                ),
                "curable": draw(st.booleans()),
            }
        ],
        clean_up_call=draw(st.none() | st.sampled_from(["5%", "10%", "20%"])),
    )
    if draw(st.booleans()):
        data["revolving"] = {
            "months": draw(st.integers(1, 6)),
            "annual_rate": "0.15",
            "term_months": draw(st.integers(1, 12)),
            "amortisation": draw(st.sampled_from(["level", "even_principal", "interest_only"])),
        }
    return build_deal(deal_spec(data), small_tape(rows))


SCENARIOS = st.fixed_dictionaries(
    {
        "cdr": PERCENT,
        "cpr": PERCENT,
        "recovery_rate": PERCENT,
        "recovery_lag_months": st.integers(0, 6),
    }
)


def check_invariants(result: WaterfallResult, deal: Deal) -> None:
    uses = (
        result.fees_paid.sum(axis=1)
        + result.interest_paid.sum(axis=1)
        + result.principal_paid.sum(axis=1)
        + result.purchases
        + result.reserve_change
        + result.residual
    )
    assert (result.collections == uses).all(), (
        "collections = fees + interest + principal + reserve + residual"
    )
    assert (result.fees_paid <= result.fees_due).all()
    assert (result.interest_paid <= result.interest_due).all()
    assert (result.interest_due[:, :, 2:] >= result.interest_shortfall[:, :, 1:-1]).all(), (
        "shortfalls carried"
    )
    assert (result.principal_paid[:, :, 1:] <= result.tranche_balance[:, :, :-1]).all(), (
        "never more than owed"
    )
    assert (result.tranche_balance >= 0).all() and (result.reserve_balance >= 0).all()
    assert (result.residual >= 0).all() and (result.purchases >= 0).all()
    assert (result.tranche_balance.sum(axis=1) >= result.pool_balance).all()
    original = np.array([t.balance_minor for t in deal.structure.tranches])
    settled = (
        result.principal_paid.sum(axis=2) + result.writedown.sum(axis=2) + result.tranche_balance[:, :, -1]
    )
    assert (settled == original[None, :]).all()
    pool_out = result.scheduled_collected + result.prepaid_collected + result.defaults + result.call_proceeds
    assert (
        result.pool_balance[:, :-1] + result.purchases[:, 1:] - pool_out[:, 1:] == result.pool_balance[:, 1:]
    ).all()


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(deal=deals(), scenario=SCENARIOS)
def test_conservation_and_nobody_overpaid(deal: Deal, scenario: dict[str, Any]) -> None:
    run = run_deal(deal, assumptions(scenario))
    check_invariants(run.result, deal)


def deal_of(rows: list[dict[str, Any]], **changes: Any) -> Deal:
    return build_deal(deal_spec(deal_data(**changes)), small_tape(rows))


TWELVE_LOANS = [{"outstanding_principal_minor": "1000000", "remaining_term_months": "12"}] * 12


def test_sequential_pays_the_senior_first() -> None:
    deal = deal_of(TWELVE_LOANS)
    result = run_deal(deal, assumptions({"cpr": "10%"})).result
    a = result.tranche_balance[0, 0]
    first_b = int(np.flatnonzero(result.principal_paid[0, 1])[0])
    assert a[first_b - 1] == 0 or a[first_b] == 0, "B is paid only once A is repaid"
    assert result.principal_paid[0, 2, :first_b].sum() == 0
    check_invariants(result, deal)


def test_pro_rata_until_the_trigger_then_sequential() -> None:
    triggers = [{"metric": "cumulative_default_rate", "above": "2%", "actions": ["sequential"]}]
    deal = deal_of(TWELVE_LOANS, principal_payment="pro_rata", triggers=triggers)
    result = run_deal(deal, assumptions({"cdr": "10%"})).result
    switched = int(np.argmax(result.metrics["cumulative_default_rate"][0] > 0.02))
    assert switched > 1
    assert not result.sequential[0, 1] and result.sequential[0, switched:].all()
    assert result.principal_paid[0, 1, 1] > 0, "B shares principal while pro rata"
    check_invariants(result, deal)


def test_no_defaults_means_everyone_repaid() -> None:
    deal = deal_of(TWELVE_LOANS, servicing_fee_rate="1%")
    result = run_deal(deal, assumptions({})).result
    assert result.writedown.sum() == 0
    assert (result.tranche_balance[0, :, -1] == 0).all()
    assert result.principal_paid[0].sum(axis=1).tolist() == [t.balance_minor for t in deal.structure.tranches]
    assert result.residual.sum() > 0, "excess spread goes to the subordinated holder"


def test_losses_hit_the_subordinated_tranche_first() -> None:
    deal = deal_of(TWELVE_LOANS)
    result = run_deal(deal, assumptions({"cdr": "30%"})).result
    writedown = result.writedown[0].sum(axis=1)
    assert writedown[2] > 0
    assert writedown[0] == 0
    check_invariants(result, deal)


def test_pro_rata_losses_at_the_end_hit_the_subordinated_tranche_first() -> None:
    # every loan prepays or defaults in the first month, so the deal ends with no deficiency before it:
    # the unpaid principal written down then is the juniors' loss, as in a sequential deal
    rows = [{"outstanding_principal_minor": "1000000", "remaining_term_months": "12"}] * 12
    for principal_payment in ("sequential", "pro_rata"):
        deal = deal_of(rows, principal_payment=principal_payment)
        result = run_deal(deal, assumptions({"cdr": "30%", "cpr": "100%"})).result
        assert result.defaults[0].sum() == 351_426
        assert result.writedown[0].sum(axis=1).tolist() == [0, 0, 276_365]
        assert result.principal_paid[0].sum(axis=1).tolist() == [9_600_000, 1_440_000, 683_635]
        check_invariants(result, deal)


def test_reserve_covers_an_interest_shortfall() -> None:
    rows = [
        {"outstanding_principal_minor": "1000000", "annual_rate": "0.0", "remaining_term_months": "12"}
    ] * 12
    reserve = {"initial": "50,000.00", "target_share": "0%"}
    deal = deal_of(rows, reserve=reserve)
    result = run_deal(deal, assumptions({})).result
    # the loans earn nothing, so the reserve pays A's and B's first interest
    assert result.interest_collected[0, 1] == 0
    assert result.interest_paid[0, :2, 1].sum() == result.interest_due[0, :2, 1].sum() > 0
    assert result.reserve_change[0, 1] < 0
    check_invariants(result, deal)


def test_clean_up_call_ends_the_deal() -> None:
    deal = deal_of(TWELVE_LOANS, clean_up_call="20%")
    result = run_deal(deal, assumptions({"cpr": "5%"})).result
    call_period = int(np.flatnonzero(result.call_proceeds[0])[0])
    assert result.pool_balance[0, call_period] == 0
    assert result.call_proceeds[0, call_period] <= 0.2 * deal.structure.pool_balance_minor
    assert (result.tranche_balance[0, :, call_period] == 0).all()
    assert result.collections[0, call_period + 1 :].sum() == 0
    check_invariants(result, deal)


def test_revolving_keeps_the_pool_topped_up() -> None:
    revolving = {"months": 4, "annual_rate": "0.18", "term_months": 6}
    deal = deal_of(TWELVE_LOANS, revolving=revolving)
    result = run_deal(deal, assumptions({"cdr": "5%", "cpr": "10%"})).result
    initial = deal.structure.pool_balance_minor
    assert (result.purchases[0, 1:5] > 0).all() and result.purchases[0, 5:].sum() == 0
    assert (result.tranche_balance[0, :, 1:5] == result.tranche_balance[0, :, :1]).all(), (
        "no principal while revolving"
    )
    assert result.pool_balance[0, 4] == initial, "excess spread replaces defaulted loans"
    check_invariants(result, deal)


def test_early_amortisation_trigger_stops_purchases() -> None:
    revolving = {"months": 8, "annual_rate": "0.18", "term_months": 6}
    triggers = [{"metric": "cumulative_default_rate", "above": "1%", "actions": ["end_revolving"]}]
    deal = deal_of(TWELVE_LOANS, revolving=revolving, triggers=triggers)
    result = run_deal(deal, assumptions({"cdr": "30%"})).result
    stopped = int(np.flatnonzero(~result.revolving[0, 1:])[0]) + 1
    assert stopped < 8
    assert result.purchases[0, stopped:].sum() == 0
    check_invariants(result, deal)


def test_pro_rata_split_is_exact() -> None:
    balances = np.array([[700, 200, 100], [1, 1, 1], [0, 5, 0]], dtype=np.int64)
    amounts = np.array([333, 2, 5], dtype=np.int64)
    parts = allocate_principal(amounts, balances, np.zeros(3, dtype=bool))
    assert parts.sum(axis=1).tolist() == [333, 2, 5]
    assert (parts <= balances).all()
    assert parts[0].tolist() == [234, 66, 33]
