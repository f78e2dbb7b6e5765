"""Projection assumptions: how the pool defaults, prepays and recovers.

Three default models:
- `cdr`: a constant annual conditional default rate, or a vector of them by month (the last value
  holds for the months after the vector ends);
- `pd`: each loan's own 12-month PD from the tape (`pd_annual`, else `grade_pd` for its grade),
  times `pd_multiplier` for stress;
- `roll_rate`: a monthly transition matrix over delinquency states, from which the pool's monthly
  default rate and delinquency follow.
Prepayment is a CPR (constant or vector); recoveries are a share of each default received
`recovery_lag_months` later. Every rate is a fraction; text may carry a percent sign ("5%").
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from creditline.funding.errors import AssumptionError, FundingError
from creditline.funding.ratio import parse_ratio
from creditline.funding.spec import Ratio, parse_spec

MONTHS_IN_YEAR = 12
HORIZON_MONTHS_MAX = 600
CURVE_POINTS_MAX = 600
ROLL_STATES = ("current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "default")


class DefaultModel(StrEnum):
    CDR = "cdr"
    PD = "pd"
    ROLL_RATE = "roll_rate"


def _curve(value: object) -> tuple[Decimal, ...]:
    values = value if isinstance(value, list | tuple) else [value]
    if not values or len(values) > CURVE_POINTS_MAX:
        raise PydanticCustomError("invalid_curve", f"give 1 to {CURVE_POINTS_MAX} values")
    try:
        return tuple(parse_ratio(v, field="value", maximum=Decimal(1)) for v in values)
    except FundingError as exc:
        raise PydanticCustomError(exc.code, exc.message) from None


RateCurve = Annotated[tuple[Decimal, ...], BeforeValidator(_curve)]


class Assumptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_model: DefaultModel = DefaultModel.CDR
    cdr: RateCurve = (Decimal(0),)
    cpr: RateCurve = (Decimal(0),)
    recovery_rate: Ratio = Decimal(0)
    recovery_lag_months: int = Field(0, ge=0, le=120)
    pd_multiplier: Ratio = Decimal(1)
    grade_pd: dict[str, Ratio] = Field(default_factory=dict)
    roll_rates: tuple[tuple[Ratio, ...], ...] | None = None  # 5x5 over ROLL_STATES, rows sum to 1
    horizon_months: int | None = Field(None, ge=1, le=HORIZON_MONTHS_MAX)

    @field_validator("recovery_rate")
    @classmethod
    def _recovery_fraction(cls, value: Decimal) -> Decimal:
        # a field error, so the CLI names the option (or file setting) that gave it
        if value > 1:
            raise ValueError("a recovery rate is a fraction of the defaulted balance, at most 1")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Assumptions:
        if any(pd > 1 for pd in self.grade_pd.values()):
            raise ValueError("grade_pd values are probabilities, at most 1")
        if self.default_model is DefaultModel.ROLL_RATE:
            _check_roll_matrix(self.roll_rates)
        return self


def assumptions(data: object) -> Assumptions:
    return parse_spec(Assumptions, data)  # type: ignore[arg-type]


def _check_roll_matrix(matrix: tuple[tuple[Decimal, ...], ...] | None) -> None:
    size = len(ROLL_STATES)
    if matrix is None:
        raise ValueError("default_model roll_rate needs roll_rates (a 5x5 matrix)")
    if len(matrix) != size or any(len(row) != size for row in matrix):
        raise ValueError(f"roll_rates is a {size}x{size} matrix over {', '.join(ROLL_STATES)}")
    for row in matrix:
        if sum(row) != 1:
            raise ValueError("every row of roll_rates sums to 1")
    if matrix[-1][-1] != 1:
        raise ValueError("default is absorbing: the last row of roll_rates is 0, 0, 0, 0, 1")


def curve_by_month(curve: tuple[Decimal, ...], horizon_months: int) -> np.ndarray:
    """Values for months 1..horizon at index 1..horizon (index 0 unused); the last value holds."""
    values = np.array([float(v) for v in curve], dtype=np.float64)
    out = np.empty(horizon_months + 1, dtype=np.float64)
    out[0] = 0.0
    months = np.arange(1, horizon_months + 1)
    out[1:] = values[np.minimum(months - 1, values.size - 1)]
    return out


def monthly_rate(annual: np.ndarray) -> np.ndarray:
    """Annual rate of an event (CDR, CPR, PD) to the monthly rate that compounds to it (MDR, SMM)."""
    with np.errstate(divide="ignore"):
        return -np.expm1(np.log1p(-np.clip(annual, 0.0, 1.0)) / MONTHS_IN_YEAR)


def roll_rate_paths(
    matrix: tuple[tuple[Decimal, ...], ...], start_distribution: np.ndarray, horizon_months: int
) -> tuple[np.ndarray, np.ndarray]:
    """Monthly default rate of the performing balance and 30+ delinquency, months 0..horizon.

    The pool's balance starts spread over the delinquency states as the tape has it; each month it
    moves by the matrix. The default rate of month t is the flow into default over the balance that
    was still performing at the start of the month.
    """
    transition = np.array([[float(x) for x in row] for row in matrix])
    state = np.asarray(start_distribution, dtype=np.float64)
    if state.sum() <= 0:
        raise AssumptionError("the pool has no balance to roll", field="roll_rates")
    state = state / state.sum()
    mdr = np.zeros(horizon_months + 1)
    delinquency = np.zeros(horizon_months + 1)
    delinquency[0] = state[2:4].sum() / max(state[:4].sum(), 1e-300)
    for t in range(1, horizon_months + 1):
        performing = state[:4].sum()
        following = state @ transition
        mdr[t] = (following[4] - state[4]) / performing if performing > 0 else 0.0
        state = following
        delinquency[t] = state[2:4].sum() / max(state[:4].sum(), 1e-300)
    return np.clip(mdr, 0.0, 1.0), delinquency


def dpd_state(days_past_due: np.ndarray) -> np.ndarray:
    """Index into ROLL_STATES for each loan's days past due (90+ counts as default)."""
    return np.digitize(days_past_due, [1, 30, 60, 90])
