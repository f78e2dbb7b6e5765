"""Pool projection: the balance identity, CDR/CPR arithmetic, roll rates, the delinquency pipeline."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditline.funding.amortisation import scheduled_balance_decimal
from creditline.funding.assumptions import assumptions, curve_by_month, monthly_rate, roll_rate_paths
from creditline.funding.errors import FundingError, NegativeRate
from creditline.funding.projection import group_pool, pipeline_delinquency, project
from creditline.funding.tape import Amortisation

from .builders import small_tape


def one_group(tape, horizon):
    return group_pool(tape, np.zeros(len(tape), dtype=np.int64), ("pool",), horizon)


def flat(value: float, horizon: int, paths: int = 1) -> np.ndarray:
    rates = np.full((paths, horizon + 1), value)
    rates[:, 0] = 0.0
    return rates


def test_no_defaults_no_prepayments_is_the_schedule() -> None:
    tape = small_tape(
        [{"outstanding_principal_minor": "400000", "annual_rate": "0.085", "remaining_term_months": "60"}]
    )
    flows = project(one_group(tape, 60), flat(0.0, 60)[:, None, :], flat(0.0, 60))
    for month in (1, 12, 59):
        exact = scheduled_balance_decimal(400_000, Decimal("0.085"), 60, month, Amortisation.LEVEL)
        assert flows.balance[0, month] == pytest.approx(float(exact), abs=1e-6)
    assert flows.scheduled[0].sum() == pytest.approx(400_000, abs=1e-6)
    assert flows.balance[0, -1] == 0.0
    assert flows.defaults.sum() == 0.0 and flows.prepaid.sum() == 0.0


@settings(max_examples=60)
@given(
    cdr=st.floats(0, 0.9),
    cpr=st.floats(0, 0.9),
    terms=st.lists(st.integers(1, 36), min_size=1, max_size=6),
    kinds=st.lists(st.sampled_from(["level", "even_principal", "interest_only"]), min_size=6, max_size=6),
)
def test_balance_identity_holds_every_month(cdr, cpr, terms, kinds) -> None:
    tape = small_tape(
        [{"remaining_term_months": str(t), "amortisation": kinds[i]} for i, t in enumerate(terms)]
    )
    horizon = 40
    flows = project(
        one_group(tape, horizon),
        monthly_rate(flat(cdr, horizon))[:, None, :],
        monthly_rate(flat(cpr, horizon)),
    )
    outflow = flows.defaults[0, 1:] + flows.scheduled[0, 1:] + flows.prepaid[0, 1:]
    assert np.allclose(flows.balance[0, :-1] - flows.balance[0, 1:], outflow, atol=1e-6)
    assert (flows.scheduled >= -1e-9).all()
    assert flows.balance[0, 0] == pytest.approx(len(terms) * 100_000)


def test_constant_cdr_compounds_to_the_annual_rate() -> None:
    tape = small_tape([{"amortisation": "interest_only", "remaining_term_months": "24"}])
    flows = project(one_group(tape, 24), monthly_rate(flat(0.12, 24))[:, None, :], flat(0.0, 24))
    assert flows.balance[0, 12] == pytest.approx(100_000 * 0.88)
    assert flows.defaults[0, 1:13].sum() == pytest.approx(100_000 * 0.12)
    assert flows.interest[0, 1] == pytest.approx(100_000 * (1 - monthly_rate(np.array(0.12))) * 0.01)


def test_cpr_with_defaults_competing() -> None:
    tape = small_tape([{"amortisation": "interest_only", "remaining_term_months": "24"}])
    mdr, smm = monthly_rate(flat(0.1, 24)), monthly_rate(flat(0.2, 24))
    flows = project(one_group(tape, 24), mdr[:, None, :], smm)
    assert flows.balance[0, 12] == pytest.approx(100_000 * 0.9 * 0.8)
    assert flows.prepaid[0, 1] == pytest.approx(100_000 * (1 - mdr[0, 1]) * smm[0, 1])


def test_paths_and_groups_broadcast() -> None:
    tape = small_tape([{"risk_grade": "A"}, {"risk_grade": "B"}, {"risk_grade": "A"}])
    groups = group_pool(tape, np.array([0, 1, 0]), ("A", "B"), 12)
    assert groups.loans.tolist() == [2, 1]
    mdr = np.zeros((3, 2, 13))
    mdr[1, :, 1:] = 0.01
    mdr[2, 1, 1:] = 0.5
    flows = project(groups, mdr, flat(0.0, 12))
    assert flows.paths == 3
    assert flows.defaults[0].sum() == 0.0
    assert flows.defaults[2].sum() > flows.defaults[1].sum()


def test_curves_extend_their_last_value() -> None:
    assert curve_by_month((Decimal("0.01"), Decimal("0.02")), 4).tolist() == [0.0, 0.01, 0.02, 0.02, 0.02]
    assert monthly_rate(np.array([1.0]))[0] == 1.0


def test_roll_rates_give_the_default_flow() -> None:
    matrix = (
        (Decimal("0.95"), Decimal("0.05"), 0, 0, 0),
        (Decimal("0.5"), 0, Decimal("0.5"), 0, 0),
        (Decimal("0.2"), 0, 0, Decimal("0.8"), 0),
        (0, 0, 0, 0, 1),
        (0, 0, 0, 0, 1),
    )
    mdr, delinquency = roll_rate_paths(matrix, np.array([1.0, 0, 0, 0, 0]), 5)
    # current -> 1-29 -> 30-59 -> 60-89 -> default takes four months
    assert mdr[1:4].tolist() == [0.0, 0.0, 0.0]
    assert mdr[4] == pytest.approx(0.05 * 0.5 * 0.8 / (1.0 - 0.0))
    assert delinquency[2] == pytest.approx(0.05 * 0.5 / 1.0)


def test_roll_rate_matrix_is_checked() -> None:
    bad = [[0.5, 0.4, 0, 0, 0]] + [[0, 0, 0, 0, 1]] * 4
    with pytest.raises(FundingError) as caught:
        assumptions({"default_model": "roll_rate", "roll_rates": [[str(x) for x in row] for row in bad]})
    assert "sums to 1" in caught.value.message


def test_pipeline_delinquency() -> None:
    balance = np.array([[100.0, 90.0, 80.0, 70.0]])
    defaults = np.array([[0.0, 1.0, 2.0, 3.0]])
    assert pipeline_delinquency(balance, defaults).tolist() == [[3 / 100, 5 / 90, 3 / 80, 0.0]]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"cdr": "-1%"}, "cdr"),
        ({"cpr": ["5%", "-2%"]}, "cpr"),
        ({"recovery_rate": "120%"}, "recovery_rate"),
        ({"recovery_lag_months": -1}, "recovery_lag_months"),
        ({"default_model": "magic"}, "default_model"),
        ({"cdr": 0.05}, "cdr"),
    ],
)
def test_bad_assumptions_name_the_field(data, field) -> None:
    with pytest.raises(FundingError) as caught:
        assumptions(data)
    assert caught.value.field == field


def test_negative_cdr_is_a_negative_rate() -> None:
    with pytest.raises(NegativeRate):
        assumptions({"cdr": "-0.01"})


def test_pd_groups_projected_in_blocks_give_the_flows_of_all_at_once(monkeypatch) -> None:
    # every distinct PD is a group: a books tape of 100,000 model PDs over 600 months took 2.9 GB at once
    import creditline.funding.deal as deal_module
    from creditline.funding.deal import build_deal, run_deal
    from creditline.funding.structure import deal_spec

    from .builders import deal_data, small_tape

    rows = [
        {"pd_annual": f"{0.01 + i / 1000:.4f}", "outstanding_principal_minor": str(100_000 + 7_919 * i),
         "remaining_term_months": str(3 + i % 10), "annual_rate": f"{0.08 + (i % 5) / 100:.2f}"}
        for i in range(40)
    ]  # fmt: skip
    deal = build_deal(deal_spec(deal_data()), small_tape(rows))
    scenario = assumptions({"default_model": "pd", "pd_multiplier": "5", "cpr": "10%", "recovery_rate": "30%"})
    whole = run_deal(deal, scenario)
    monkeypatch.setattr(deal_module, "PD_GROUP_CELLS_MAX", 7 * (whole.flows.horizon_months + 1))  # 6 blocks
    blocks = run_deal(deal, scenario)
    for name in ("balance", "defaults", "interest", "scheduled", "prepaid", "delinquency_rate", "default_rate"):
        assert np.allclose(getattr(blocks.flows, name), getattr(whole.flows, name), rtol=1e-12, atol=1e-6), name
    assert np.array_equal(blocks.result.tranche_balance, whole.result.tranche_balance)
    assert np.array_equal(blocks.result.residual, whole.result.residual)


@pytest.mark.parametrize("blocks", [False, True])
def test_a_pd_projection_works_out_each_loans_pd_once(monkeypatch, blocks) -> None:
    # the block decision counted the distinct PDs, then the projection worked them out again
    import creditline.funding.deal as deal_module
    from creditline.funding.deal import build_deal, run_deal
    from creditline.funding.structure import deal_spec

    from .builders import deal_data, small_tape

    rows = [{"pd_annual": f"{0.01 + i / 100:.2f}", "remaining_term_months": "6"} for i in range(5)]
    deal = build_deal(deal_spec(deal_data()), small_tape(rows))
    scenario = assumptions({"default_model": "pd", "horizon_months": 6})
    if blocks:
        monkeypatch.setattr(deal_module, "PD_GROUP_CELLS_MAX", 2 * 7)  # 3 blocks of at most 2 PDs
    calls = []
    loan_pds = deal_module.loan_pds
    monkeypatch.setattr(deal_module, "loan_pds", lambda *a: calls.append(a) or loan_pds(*a))
    run = run_deal(deal, scenario)
    assert len(calls) == 1
    assert run.flows.balance.shape[-1] == 7
    assert round(run.flows.balance[..., 0].sum()) == 500_000  # five loans of 1,000.00 at the cut-off
