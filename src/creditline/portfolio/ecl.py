"""IFRS 9 expected credit loss, per loan and for a whole snapshot at once.

    ECL = EAD × LGD × Σₖ (CPD(tₖ) − CPD(tₖ₋₁)) × (1 + EIR)^−(tₖ₋₁ + tₖ)/2

* stage 1: the horizon is 12 months (or the remaining term if shorter); stage 2: the remaining
  term (lifetime); a loan at or past maturity keeps a one-month horizon, since it is still owed;
* stage 3 (credit-impaired): default has happened, so PD = 1 and ECL = EAD × LGD, undiscounted
  (the LGD already prices the workout);
* default is assumed in the middle of each period, hence the discount at (tₖ₋₁ + tₖ)/2;
* EAD = principal + interest + penalty + CCF × undrawn limit carried on the row (none on a charged-off
  loan, which is on book until written off, always in stage 3: `charged_off_rule`, for both paths);
* LGD is the row's, or the pool LGD from recoveries (`lgd.py`) where the row has none.

Rounding point: each loan's ECL is computed in float64 and rounded half-up to an integer count of
minor units in `round_minor`, once, at the end; every total is an exact integer sum of those.
The per-loan function `loan_ecl` and the batch function `ecl_table` perform the same float64
operations in the same order, so they agree exactly (a property test proves it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import numpy as np
import polars as pl

from creditline.money import Rounding, round_to_int
from creditline.portfolio import pd_term
from creditline.portfolio.delinquency import BUCKET_DAYS, bucket_of
from creditline.portfolio.errors import InvalidAssumption
from creditline.portfolio.snapshot import LoanSnapshot, drawn_expr, on_book_expr
from creditline.portfolio.staging import Stage

STAGE_1_HORIZON_MONTHS = 12
HORIZON_MONTHS_MIN = 1
ECL_ROUNDING = Rounding.HALF_UP
CHARGED_OFF = "charged_off"


class PdMethod(StrEnum):
    MODEL = "model"
    MARKOV = "markov"


@dataclass(frozen=True, slots=True)
class EclAssumptions:
    """Credit conversion factor for undrawn limits, and the LGD for rows that carry none."""

    ccf: Decimal = Decimal("0.5")
    lgd_pool: Decimal | None = None
    pd_method: PdMethod = PdMethod.MODEL
    chain: pd_term.MarkovChain | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.ccf <= 1:
            raise InvalidAssumption("the credit conversion factor must be in [0, 1]", field="ccf")
        if self.lgd_pool is not None and not 0 <= self.lgd_pool <= 1:
            raise InvalidAssumption("the pool LGD must be in [0, 1]", field="lgd")
        if self.pd_method is PdMethod.MARKOV and self.chain is None:
            raise InvalidAssumption("the Markov PD method needs a transition matrix", field="pd_method")


def round_minor(value: float) -> int:
    """THE rounding point of ECL: a non-negative float64 amount to minor units, half-up."""
    assert value >= 0 and math.isfinite(value), "an expected loss is a finite, non-negative amount"
    return round_to_int(Decimal(value), ECL_ROUNDING)


def round_minor_batch(values: np.ndarray) -> np.ndarray:
    """`round_minor` for arrays: the exact half-up of each float (x − floor(x) is exact here)."""
    whole = np.floor(values)
    return (whole + (values - whole >= 0.5)).astype(np.int64)


def horizon_months(stage: int, remaining_term_months: int) -> int:
    lifetime = max(remaining_term_months, HORIZON_MONTHS_MIN)
    return min(lifetime, STAGE_1_HORIZON_MONTHS) if stage == Stage.PERFORMING else lifetime


def weight_model(pd_12m: float, months: int, eir_annual: float) -> float:
    """Σ marginal PD × discount over yearly periods (the last partial) with a constant hazard."""
    years = months / pd_term.MONTHS_PER_YEAR
    total = 0.0
    for k in range(1, math.ceil(years) + 1):
        start, end = min(k - 1, years), min(k, years)
        marginal = pd_term.survival_model(pd_12m, start) - pd_term.survival_model(pd_12m, end)
        total = total + marginal * pd_term.discount(eir_annual, (start + end) / 2)
    return total


def weight_markov(cumulative_pd: Sequence[float], months: int, eir_annual: float) -> float:
    """Σ marginal PD × discount over monthly periods, from one bucket's cumulative PD row."""
    total = 0.0
    for k in range(1, months + 1):
        start, end = (k - 1) / pd_term.MONTHS_PER_YEAR, k / pd_term.MONTHS_PER_YEAR
        marginal = float(cumulative_pd[k]) - float(cumulative_pd[k - 1])
        total = total + marginal * pd_term.discount(eir_annual, (start + end) / 2)
    return total


@dataclass(frozen=True, slots=True)
class LoanEcl:
    loan_id: str
    stage: int
    ead: float
    lgd: float
    horizon_months: int
    ecl_minor: int


def charged_off_rule(
    charged_off: np.ndarray | bool, stage: np.ndarray | int, undrawn: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """The (stage, undrawn) ECL measures, for one loan (scalars) or a batch (arrays).

    A charged-off loan (on book until written off) is credit-impaired whatever stage its row says,
    and its exposure is what it owes: no commitment is left to draw on a charged-off loan.
    """
    return (
        np.where(charged_off, int(Stage.CREDIT_IMPAIRED), stage),
        np.where(charged_off, 0.0, undrawn),
    )


def loan_ecl(row: LoanSnapshot, assumptions: EclAssumptions, cumulative_pd: np.ndarray | None = None) -> LoanEcl:
    """The per-loan ECL (the API path). `cumulative_pd` is the Markov table when that method is used."""
    assert row.on_book, "ECL applies to loans on the balance sheet"
    measured_stage, undrawn = charged_off_rule(row.status == CHARGED_OFF, row.stage, float(row.undrawn_minor))
    stage = int(measured_stage)
    ead = float(row.drawn_minor) + float(assumptions.ccf) * float(undrawn)
    lgd = _row_lgd(row.lgd, assumptions)
    months = horizon_months(stage, row.remaining_term_months)
    if stage == Stage.CREDIT_IMPAIRED:
        weight = 1.0
    elif assumptions.pd_method is PdMethod.MODEL:
        weight = weight_model(row.pd_12m, months, row.eir_annual)
    else:
        assert cumulative_pd is not None, "the Markov method needs its cumulative PD table"
        bucket = min(bucket_of(row.days_past_due), pd_term.PERFORMING_BUCKETS - 1)
        weight = weight_markov(cumulative_pd[bucket], months, row.eir_annual)
    return LoanEcl(row.loan_id, stage, ead, lgd, months, round_minor(ead * lgd * weight))


def _row_lgd(lgd: float | None, assumptions: EclAssumptions) -> float:
    if lgd is not None:
        return lgd
    if assumptions.lgd_pool is None:
        raise InvalidAssumption("a loan has no LGD and no pool LGD was given", field="lgd")
    return float(assumptions.lgd_pool)


def ecl_table(day: pl.DataFrame, assumptions: EclAssumptions) -> pl.DataFrame:
    """Per on-book loan of one snapshot date (charged-off ones included, in stage 3): stage, EAD, LGD,
    horizon and ECL in minor units."""
    book = _ecl_inputs(day)
    stage, undrawn = charged_off_rule(*(book.get_column(c).to_numpy() for c in ("charged_off", "stage", "undrawn")))
    ead = book.get_column("drawn").to_numpy() + float(assumptions.ccf) * undrawn
    lgd = _lgd_batch(book, assumptions)
    remaining = np.maximum(book.get_column("remaining_term_months").to_numpy(), HORIZON_MONTHS_MIN)
    months = np.where(stage == Stage.PERFORMING, np.minimum(remaining, STAGE_1_HORIZON_MONTHS), remaining)
    eir = book.get_column("eir_annual").to_numpy()
    if assumptions.pd_method is PdMethod.MODEL:
        weight = _weight_model_batch(book.get_column("pd_12m").to_numpy(), months, eir)
    else:
        assert assumptions.chain is not None, "checked by EclAssumptions"
        days = book.get_column("days_past_due").to_numpy()
        buckets = np.minimum(-(-days // BUCKET_DAYS), pd_term.PERFORMING_BUCKETS - 1)  # bucket_of, vectorised
        table = assumptions.chain.cumulative_pd(int(months.max(initial=0)))
        weight = _weight_markov_batch(table, buckets, months, eir)
    weight = np.where(stage == Stage.CREDIT_IMPAIRED, 1.0, weight)
    return book.select("as_of", "loan_id").with_columns(
        pl.Series("stage", stage, dtype=pl.Int8), book.get_column("days_past_due"),
        pl.Series("ead", ead), pl.Series("lgd", lgd), pl.Series("horizon_months", months, dtype=pl.Int32),
        pl.Series("ecl_minor", round_minor_batch(ead * lgd * weight)),
    )


def _ecl_inputs(day: pl.DataFrame) -> pl.DataFrame:
    # Select before filtering: gathering only the columns ECL reads is most of the batch's speed.
    return day.lazy().filter(on_book_expr()).select(
        "as_of", "loan_id", (pl.col("status") == CHARGED_OFF).alias("charged_off"), "stage", "days_past_due",
        "lgd", "remaining_term_months", "eir_annual", "pd_12m", drawn_expr().cast(pl.Float64).alias("drawn"),
        pl.col("undrawn_minor").cast(pl.Float64).alias("undrawn"),
    ).collect()


def _lgd_batch(book: pl.DataFrame, assumptions: EclAssumptions) -> np.ndarray:
    lgd = book.get_column("lgd")
    if lgd.null_count():
        if assumptions.lgd_pool is None:
            raise InvalidAssumption(
                f"{lgd.null_count()} loan(s) have no LGD and there is no pool LGD to fill in (give one, or "
                "snapshots with defaults old enough for the workout LGD)", field="lgd")
        lgd = lgd.fill_null(float(assumptions.lgd_pool))
    return lgd.to_numpy().astype(np.float64)


def _weight_model_batch(pd_12m: np.ndarray, months: np.ndarray, eir: np.ndarray) -> np.ndarray:
    years = months / pd_term.MONTHS_PER_YEAR
    total = np.zeros(len(years))
    for k in range(1, math.ceil(years.max(initial=0.0)) + 1):
        start, end = np.minimum(k - 1, years), np.minimum(k, years)
        marginal = pd_term.survival_model_batch(pd_12m, start) - pd_term.survival_model_batch(pd_12m, end)
        # Periods past a loan's horizon have start == end, so marginal is exactly 0 and adds nothing.
        total = total + marginal * pd_term.discount_batch(eir, (start + end) / 2)
    return total


def _weight_markov_batch(table: np.ndarray, buckets: np.ndarray, months: np.ndarray, eir: np.ndarray) -> np.ndarray:
    total = np.zeros(len(months))
    rates, inverse = np.unique(eir, return_inverse=True)
    for k in range(1, int(months.max(initial=0)) + 1):
        start, end = (k - 1) / pd_term.MONTHS_PER_YEAR, k / pd_term.MONTHS_PER_YEAR
        marginal = np.where(months >= k, table[buckets, k] - table[buckets, k - 1], 0.0)
        # One discount factor per distinct rate: products have few rates, loans have many rows.
        total = total + marginal * pd_term.discount_batch(rates, (start + end) / 2)[inverse]
    return total
