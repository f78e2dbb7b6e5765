"""Monte Carlo over correlated defaults: a one-factor Gaussian copula.

Every loan's default time is driven by a latent variable sqrt(rho) Z + sqrt(1 - rho) e, where Z is
one economy-wide factor per scenario and e the loan's own noise. Given Z, the probability that a
loan of group g has defaulted by month t is

    C_g(t | Z) = Phi((Phi^-1(C_g(t)) - sqrt(rho) Z) / sqrt(1 - rho)),

with C_g(t) the unconditional cumulative default curve the deterministic model implies (a CDR,
each grade's PD, or the roll-rate chain). Loans are grouped by risk grade. With thousands of small
loans per grade the conditional curve is close to the realised default rate (the large-pool
limit); the finite number of loans is kept by drawing each grade's realised count from a binomial
and scaling its curve to it. Each scenario then runs through the same projection and waterfall as
the deterministic case, many scenarios at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from creditline.funding.assumptions import Assumptions, DefaultModel, monthly_rate
from creditline.funding.deal import (
    Deal,
    cohorts_for,
    horizon_months,
    loan_pds,
    pool_hazards,
    prepayment_rates,
)
from creditline.funding.metrics import tranche_losses
from creditline.funding.projection import PoolGroups, group_pool, project
from creditline.funding.spec import Ratio, parse_spec
from creditline.funding.waterfall import run_waterfall

PATHS_MAX = 100_000
CHUNK_PATHS = 2_500  # paths per vectorised batch: bounds memory at ~(chunk x tranches x months) int64
# A batch's default curves and projection are (paths, groups, months) float arrays, some 50 bytes a
# cell at the peak: a batch holds at most this many cells (~300 MB), 2,500 paths of the usual pool
# (5 grades x 8 PD bands) over five years. A tape with 2,000 grades took 13.7 GB at 2,500 paths.
CHUNK_CELLS_MAX = CHUNK_PATHS * 40 * 61
# And a run at most PATHS_MAX batches' worth of that pool (a minute or two on one core); more grades or
# a longer horizon allow fewer paths, so that no run goes on for hours.
RUN_CELLS_MAX = PATHS_MAX * 40 * 61
PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
_CURVE_EDGE = 1e-15  # keeps Phi^-1 finite at 0 and 1
PD_BANDS = 8  # PD bands per grade under the pd model (see pd_bands)


class MonteCarloSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: int = Field(10_000, ge=1, le=PATHS_MAX)
    correlation: Ratio = Decimal("0.1")  # asset correlation rho, 0 <= rho < 1
    seed: int = Field(0, ge=0)
    granular: bool = True  # draw each grade's default count (finite pool); False: large-pool limit


def monte_carlo_settings(data: object) -> MonteCarloSettings:
    settings = parse_spec(MonteCarloSettings, data, prefix="")  # type: ignore[arg-type]
    if settings.correlation >= 1:
        from creditline.funding.errors import AssumptionError

        raise AssumptionError("the correlation is below 1 (a fraction, 0.1 = 10%)", field="correlation")
    return settings


@dataclass(frozen=True, slots=True, eq=False)
class LossDistribution:
    name: str
    losses: np.ndarray  # (paths,) loss rate of the original balance
    expected_loss: float
    loss_std: float
    probability_of_loss: float
    percentiles: dict[float, float]


@dataclass(frozen=True, slots=True, eq=False)
class MonteCarloResult:
    settings: MonteCarloSettings
    factor: np.ndarray  # (paths,) the systematic factor Z of each scenario
    pool_default_rate: np.ndarray  # (paths,) cumulative defaults over the initial pool
    pool_loss_rate: np.ndarray  # (paths,) defaults less recoveries over the initial pool
    tranches: tuple[LossDistribution, ...]


def grade_groups(deal: Deal, assumptions: Assumptions, horizon: int) -> tuple[PoolGroups, np.ndarray]:
    """Loans grouped by risk grade, with each group's unconditional monthly default rate (G, T+1).

    Under the `pd` model each grade is split further into PD bands (`pd_bands`), each at its
    balance-weighted PD. One PD per grade (its average) is not the same pool: the loss of a mix of
    PDs is not the loss at their average PD (Jensen), and the scenarios drifted from the
    deterministic run on the same loans.
    """
    tape = deal.selection.tape
    grades = tape.risk_grade.astype(str)
    if assumptions.default_model is DefaultModel.PD:
        grade_labels, grade_codes = np.unique(grades, return_inverse=True)
        codes, band_pd, band_grade = pd_bands(
            grade_codes, loan_pds(tape, assumptions), tape.outstanding_principal_minor.astype(np.float64)
        )
        labels = tuple(f"{grade_labels[g]} pd {p:.6f}" for g, p in zip(band_grade, band_pd, strict=True))
        groups = group_pool(tape, codes, labels, horizon)
        mdr = np.repeat(monthly_rate(band_pd)[:, None], horizon + 1, axis=1)
    else:
        labels, codes = np.unique(grades, return_inverse=True)
        groups = group_pool(tape, codes, tuple(labels.tolist()), horizon)
        _, pool_mdr, _ = pool_hazards(deal, assumptions, horizon)
        mdr = np.repeat(pool_mdr[0, :1, :], labels.size, axis=0)
    mdr[:, 0] = 0.0
    return groups, mdr


def pd_bands(
    grade_codes: np.ndarray, pds: np.ndarray, weights: np.ndarray, bands: int = PD_BANDS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each loan's PD band: (band of each loan, band PD, band grade).

    A grade with at most `bands` distinct PDs keeps one band per PD (exactly the deterministic
    model's groups); a grade with more is cut into `bands` bands of about equal balance, in PD
    order (loans with the same PD always share a band), each at its balance-weighted PD. The error
    left is Jensen's within a band, a small fraction of it over the whole grade, while the scenarios
    cost `bands` times the grades and not one group per distinct PD (hundreds on a real tape).
    """
    values, value_codes = np.unique(pds, return_inverse=True)
    keys, key_codes = np.unique(grade_codes * values.size + value_codes, return_inverse=True)
    key_grade = keys // values.size
    key_weight = np.bincount(key_codes, weights=weights, minlength=keys.size)
    key_band = np.zeros(keys.size, dtype=np.int64)
    for grade in np.unique(key_grade).tolist():
        members = np.flatnonzero(key_grade == grade)  # in PD order (keys are sorted)
        if members.size <= bands:
            key_band[members] = np.arange(members.size)
            continue
        w = np.maximum(key_weight[members], 1.0)
        middle = (np.cumsum(w) - w / 2) / w.sum()
        key_band[members] = np.minimum((middle * bands).astype(np.int64), bands - 1)
    combined, codes = np.unique(key_grade * bands + key_band, return_inverse=True)
    band_of_loan = codes[key_codes]
    loan_weight = np.maximum(weights, 1.0)
    band_pd = np.bincount(band_of_loan, weights=pds * loan_weight, minlength=combined.size) / np.bincount(
        band_of_loan, weights=loan_weight, minlength=combined.size
    )
    return band_of_loan, band_pd, combined // bands


def conditional_cumulative(cumulative: np.ndarray, factor: np.ndarray, correlation: float) -> np.ndarray:
    """C(t | Z) for every scenario: (G, T+1) curves and (P,) factors give (P, G, T+1)."""
    from scipy.special import ndtr, ndtri

    scale = np.sqrt(1.0 - correlation)
    threshold = ndtri(np.clip(cumulative, _CURVE_EDGE, 1.0 - _CURVE_EDGE)) / scale
    shifted = threshold[None, :, :] - (np.sqrt(correlation) / scale) * factor[:, None, None]
    conditional = ndtr(shifted, out=shifted)
    np.copyto(conditional, 0.0, where=(cumulative <= 0.0)[None])
    np.copyto(conditional, 1.0, where=(cumulative >= 1.0)[None])
    return conditional


def hazard_from_cumulative(cumulative: np.ndarray) -> np.ndarray:
    """Monthly default rate of survivors from a cumulative default curve along the last axis."""
    before = cumulative[..., :-1]
    step = np.diff(cumulative, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(before < 1.0, step / (1.0 - before), 1.0)
    return np.concatenate([np.zeros((*cumulative.shape[:-1], 1)), np.clip(rate, 0.0, 1.0)], axis=-1)


def monte_carlo(deal: Deal, assumptions: Assumptions, settings: MonteCarloSettings) -> MonteCarloResult:
    """Run `settings.paths` correlated default scenarios through the waterfall."""
    horizon = horizon_months(deal, assumptions)
    groups, base_mdr = grade_groups(deal, assumptions, horizon)
    chunk = chunk_paths(settings.paths, len(groups.labels), horizon)
    cumulative = 1.0 - np.cumprod(1.0 - base_mdr, axis=1)
    rng = np.random.default_rng(settings.seed)
    factor = rng.standard_normal(settings.paths)
    smm = prepayment_rates(assumptions, horizon)
    cohorts = cohorts_for(deal.structure, horizon)
    structure = deal.structure
    parts: dict[str, list[np.ndarray]] = {"losses": [], "defaults": [], "recoveries": []}
    for start in range(0, settings.paths, chunk):
        z = factor[start : start + chunk]
        curve = conditional_cumulative(cumulative, z, float(settings.correlation))
        if settings.granular:
            curve = _granular(curve, groups.loans, rng)
        flows = project(groups, hazard_from_cumulative(curve), smm)
        result = run_waterfall(
            structure, flows, assumptions.recovery_rate, assumptions.recovery_lag_months, cohorts
        )
        parts["losses"].append(tranche_losses(result, structure))
        parts["defaults"].append(result.defaults.sum(axis=1))
        parts["recoveries"].append(result.recoveries.sum(axis=1))
    losses = np.concatenate(parts["losses"])
    base = float(max(structure.pool_balance_minor, 1))
    defaults = np.concatenate(parts["defaults"])
    return MonteCarloResult(
        settings=settings,
        factor=factor,
        pool_default_rate=defaults / base,
        pool_loss_rate=(defaults - np.concatenate(parts["recoveries"])) / base,
        tranches=tuple(_distribution(t.name, losses[:, k]) for k, t in enumerate(structure.tranches)),
    )


def chunk_paths(paths: int, groups: int, horizon: int) -> int:
    """Paths per batch, so that a batch holds at most CHUNK_CELLS_MAX cells; a run of more than
    RUN_CELLS_MAX cells in all is refused, naming the most paths this pool and horizon allow."""
    from creditline.funding.errors import AssumptionError

    cells_per_path = groups * (horizon + 1)
    if paths * cells_per_path > RUN_CELLS_MAX:
        most = RUN_CELLS_MAX // cells_per_path
        raise AssumptionError(
            f"{paths:,} paths of {groups:,} default groups (risk grades, PD bands) over {horizon} months is "
            f"more than a run computes ({RUN_CELLS_MAX:,} path-group-months); at most {most:,} paths here",
            field="paths",
        )
    return max(1, min(CHUNK_PATHS, CHUNK_CELLS_MAX // cells_per_path))


def _granular(curve: np.ndarray, loans: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scale each grade's conditional curve to a binomial draw of how many of its loans default."""
    final = curve[..., -1]
    drawn = rng.binomial(loans[None, :], final) / np.maximum(loans[None, :], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(final > 0, drawn / final, 0.0)
    return np.minimum(curve * scale[..., None], 1.0)


def _distribution(name: str, losses: np.ndarray) -> LossDistribution:
    return LossDistribution(
        name=name,
        losses=losses,
        expected_loss=float(losses.mean()),
        loss_std=float(losses.std()),
        probability_of_loss=float((losses > 0).mean()),
        percentiles={p: float(np.percentile(losses, p)) for p in PERCENTILES},
    )
