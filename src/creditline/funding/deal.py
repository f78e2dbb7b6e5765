"""A deal end to end: select the pool, resolve the structure, price the sale, project and run.

This is the glue the CLI and the app layer call; each step is a pure function of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from creditline.funding.amortisation import AMORTISATION_CODES, MONTHS_IN_YEAR, scheduled_balance_factors
from creditline.funding.assumptions import (
    HORIZON_MONTHS_MAX,
    Assumptions,
    DefaultModel,
    curve_by_month,
    dpd_state,
    monthly_rate,
    roll_rate_paths,
)
from creditline.funding.errors import AssumptionError
from creditline.funding.pool import PoolSelection, select_pool
from creditline.funding.projection import PoolFlows, PoolGroups, group_pool, project, sum_flows
from creditline.funding.sale import TrustSale, sell_to_trust
from creditline.funding.structure import DealSpec, Structure, resolve_structure
from creditline.funding.tape import LoanTape
from creditline.funding.waterfall import Cohorts, WaterfallResult, run_waterfall

# Under the pd model each distinct PD is a group, and a tape exported from the books has a model PD
# per loan: 100,000 of them over 600 months took 2.9 GB at once (a million, thirty). Groups are
# projected in blocks of at most this many group-months (~130 MB an array) and their flows added.
PD_GROUP_CELLS_MAX = 2**24


@dataclass(frozen=True, slots=True, eq=False)
class Deal:
    spec: DealSpec
    selection: PoolSelection
    structure: Structure
    sale: TrustSale


@dataclass(frozen=True, slots=True, eq=False)
class DealRun:
    deal: Deal
    assumptions: Assumptions
    flows: PoolFlows
    result: WaterfallResult


def build_deal(spec: DealSpec, tape: LoanTape) -> Deal:
    """Select the pool from the tape, size the tranches against it and price the transfer."""
    selection = select_pool(tape, spec.eligibility, spec.currency.upper(), spec.cut_off_date)
    structure = resolve_structure(spec, selection.principal_minor)
    sale = sell_to_trust(selection, spec.sale_price, spec.closing_date, spec.servicing_fee_rate)
    return Deal(spec, selection, structure, sale)


def horizon_months(deal: Deal, assumptions: Assumptions) -> int:
    """Long enough for the last scheduled payment and its recovery, unless the assumptions say."""
    if assumptions.horizon_months is not None:
        return assumptions.horizon_months
    months = int(deal.selection.tape.remaining_term_months.max())
    revolving = deal.structure.revolving
    if revolving is not None:
        months = max(months, revolving.months + revolving.term_months)
    return min(months + assumptions.recovery_lag_months, HORIZON_MONTHS_MAX)


def prepayment_rates(assumptions: Assumptions, horizon: int) -> np.ndarray:
    """SMM by month, shape (1, T+1)."""
    smm = monthly_rate(curve_by_month(assumptions.cpr, horizon))
    smm[0] = 0.0
    return smm[None, :]


def loan_pds(tape: LoanTape, assumptions: Assumptions) -> np.ndarray:
    """Each loan's 12-month PD: the tape's, else its grade's from `grade_pd`, times the multiplier."""
    pds = tape.pd_annual.copy()
    unknown = np.isnan(pds)
    for grade in np.unique(tape.risk_grade[unknown]).tolist():
        if grade not in assumptions.grade_pd:
            raise AssumptionError(
                f"loans of grade {grade!r} have no pd_annual on the tape and no grade_pd entry",
                field="grade_pd",
            )
        pds[unknown & (tape.risk_grade == grade)] = float(assumptions.grade_pd[grade])
    return np.clip(pds * float(assumptions.pd_multiplier), 0.0, 1.0)


def pool_hazards(
    deal: Deal, assumptions: Assumptions, horizon: int
) -> tuple[PoolGroups, np.ndarray, np.ndarray | None]:
    """The pool as one group, monthly default rates (1, 1, T+1) and, for roll rates, the delinquency
    path. The pd model's groups are one per distinct PD: `distinct_pds` and `project_pd`."""
    assert assumptions.default_model is not DefaultModel.PD, "the pd model is projected by project_pd"
    tape = deal.selection.tape
    groups = group_pool(tape, np.zeros(len(tape), dtype=np.int64), ("pool",), horizon)
    if assumptions.default_model is DefaultModel.ROLL_RATE:
        start = np.bincount(
            dpd_state(tape.days_past_due), weights=tape.outstanding_principal_minor, minlength=5
        )
        mdr, delinquency = roll_rate_paths(assumptions.roll_rates, start, horizon)  # type: ignore[arg-type]
        return groups, mdr[None, None, :], delinquency[None, :]
    mdr = monthly_rate(curve_by_month(assumptions.cdr, horizon))
    mdr[0] = 0.0
    return groups, mdr[None, None, :], None


def distinct_pds(tape: LoanTape, assumptions: Assumptions) -> tuple[np.ndarray, np.ndarray]:
    """The tape's distinct PDs (sorted) and each loan's index into them: the pd model's groups."""
    values, codes = np.unique(loan_pds(tape, assumptions), return_inverse=True)
    return values, codes


def pd_groups(tape: LoanTape, codes: np.ndarray, values: np.ndarray, horizon: int) -> tuple[PoolGroups, np.ndarray]:
    """Scheduled groups of the loans whose PD is `values[code]`, and their monthly default rates (1, G, T+1)."""
    groups = group_pool(tape, codes, tuple(f"pd {v:.6f}" for v in values), horizon)
    mdr = np.repeat(monthly_rate(values)[None, :, None], horizon + 1, axis=2)
    mdr[..., 0] = 0.0
    return groups, mdr


def project_pd(
    tape: LoanTape, pds: tuple[np.ndarray, np.ndarray], horizon: int, smm: np.ndarray
) -> PoolFlows:
    """The pd model's flows from `distinct_pds`: all groups at once, or block by block of at most
    PD_GROUP_CELLS_MAX group-months when there are more, their flows added up."""
    values, codes = pds
    block = max(1, PD_GROUP_CELLS_MAX // (horizon + 1))
    if values.size <= block:
        return project(*pd_groups(tape, codes, values, horizon), smm)
    parts = []
    for start in range(0, values.size, block):
        rows = np.flatnonzero((codes >= start) & (codes < start + block))
        groups, mdr = pd_groups(tape.take(rows), codes[rows] - start, values[start : start + block], horizon)
        parts.append(project(groups, mdr, smm))
    return sum_flows(parts)


def cohorts_for(structure: Structure, horizon: int) -> Cohorts | None:
    """Per-unit schedule of the loans the revolving period buys (the replenishment assumption)."""
    revolving = structure.revolving
    if revolving is None:
        return None
    rate = np.array([float(revolving.annual_rate)])
    code = np.array([AMORTISATION_CODES[revolving.amortisation.value]])
    factor = scheduled_balance_factors(rate, np.array([revolving.term_months]), code, horizon)[0]
    return Cohorts(factor, factor * rate[0] / MONTHS_IN_YEAR, min(revolving.months, horizon))


def project_deal(deal: Deal, assumptions: Assumptions) -> PoolFlows:
    horizon = horizon_months(deal, assumptions)
    smm = prepayment_rates(assumptions, horizon)
    if assumptions.default_model is DefaultModel.PD:
        tape = deal.selection.tape
        return project_pd(tape, distinct_pds(tape, assumptions), horizon, smm)
    groups, mdr, delinquency = pool_hazards(deal, assumptions, horizon)
    flows = project(groups, mdr, smm)
    return flows if delinquency is None else replace(flows, delinquency_rate=delinquency)


def run_deal(deal: Deal, assumptions: Assumptions) -> DealRun:
    """One deterministic scenario through the waterfall."""
    flows = project_deal(deal, assumptions)
    result = run_waterfall(
        deal.structure,
        flows,
        assumptions.recovery_rate,
        assumptions.recovery_lag_months,
        cohorts_for(deal.structure, flows.horizon_months),
    )
    return DealRun(deal, assumptions, flows, result)


def break_even_cdrs(deal: Deal, assumptions: Assumptions) -> list[float | None]:
    """Each tranche's first-loss point: the constant CDR (with the run's CPR, recovery and lag) at
    which it first loses a minor unit of principal or interest; None if it never does."""
    from creditline.funding.metrics import break_even

    horizon = horizon_months(deal, assumptions)
    tape = deal.selection.tape
    groups = group_pool(tape, np.zeros(len(tape), dtype=np.int64), ("pool",), horizon)
    smm = prepayment_rates(assumptions, horizon)
    cohorts = cohorts_for(deal.structure, horizon)

    def losses_at(cdrs: np.ndarray) -> np.ndarray:
        mdr = np.repeat(monthly_rate(cdrs)[:, None, None], horizon + 1, axis=2)
        mdr[..., 0] = 0.0
        flows = project(groups, mdr, smm)
        result = run_waterfall(
            deal.structure, flows, assumptions.recovery_rate, assumptions.recovery_lag_months, cohorts
        )
        return result.writedown.sum(axis=2) + result.interest_shortfall[:, :, -1]

    return break_even(losses_at, len(deal.structure.tranches))
