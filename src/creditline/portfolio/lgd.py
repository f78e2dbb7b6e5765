"""Loss given default from recoveries (the workout method), pooled over completed workouts.

A loan defaults on its first snapshot more than 90 days past due or charged off; its exposure at
default is the drawn balance on that snapshot. Each later rise in `recovered_minor` is a recovery
received on that snapshot's date and is discounted back to the default date at the loan's
effective interest rate over ACT/365 years. Only defaults at least `workout_months` before
`as_of` count, so that recent defaults, whose recoveries have barely started, do not inflate the
LGD. LGD = 1 − Σ present value of recoveries ÷ Σ exposure at default, clamped to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from creditline.portfolio import pd_term
from creditline.portfolio.default_rate import default_event_expr
from creditline.portfolio.months import shift_months
from creditline.portfolio.snapshot import drawn_expr

WORKOUT_MONTHS_DEFAULT = 12
DAYS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class WorkoutLgd:
    defaults: int
    ead_minor: int
    recovered_minor: int
    recovered_pv_minor: float

    @property
    def lgd(self) -> float | None:
        if self.ead_minor == 0:
            return None
        return min(max(1.0 - self.recovered_pv_minor / self.ead_minor, 0.0), 1.0)


def workout_lgd(frame: pl.DataFrame, as_of: date, *, workout_months: int = WORKOUT_MONTHS_DEFAULT) -> WorkoutLgd:
    upto = frame.filter(pl.col("as_of") <= as_of)
    first = upto.filter(default_event_expr()).group_by("loan_id").agg(pl.col("as_of").min().alias("default_date"))
    first = first.filter(pl.col("default_date") <= shift_months(as_of, -workout_months))
    at_default = upto.join(first, left_on=["loan_id", "as_of"], right_on=["loan_id", "default_date"], how="inner")
    history = (
        upto.join(first, on="loan_id", how="inner")
        .filter(pl.col("as_of") >= pl.col("default_date"))
        .sort("loan_id", "as_of")
        .with_columns(pl.col("recovered_minor").diff().over("loan_id").fill_null(pl.col("recovered_minor"))
                      .alias("received_minor"))
    )
    years = ((history.get_column("as_of") - history.get_column("default_date")).dt.total_days().to_numpy()
             / DAYS_PER_YEAR)
    received = history.get_column("received_minor").to_numpy().astype(np.float64)
    present = received * pd_term.discount_batch(history.get_column("eir_annual").to_numpy(), years)
    return WorkoutLgd(
        defaults=first.height,
        ead_minor=int(at_default.select(drawn_expr().sum()).item() or 0),
        recovered_minor=int(history.get_column("received_minor").sum() or 0),
        recovered_pv_minor=float(present.sum()),
    )
