"""PD term structures: the cumulative probability of default at each future period boundary.

Two sources, both feeding the one ECL formula in `ecl.py`:

* `model`: the PD model's 12-month PD with a constant hazard, so survival to `t` years is
  (1 − PD₁₂)ᵗ; periods are years (the last one partial), which is how the IFRS 9 worked
  examples discount: default in the middle of each year.
* `markov`: the observed one-month transition matrix as a Markov chain over M0–M3 with default
  (more than 90 days past due, or charged off) and closure absorbing; periods are months.

Elementary functions go through one numpy call (`power`) in both the per-loan and the batch path,
so the two agree to the last bit (`np.power` and Python's `**` may differ in the last place, and
so may numpy's own scalar shortcuts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditline.portfolio.errors import InsufficientHistory
from creditline.portfolio.roll_rates import CHARGED_OFF, CLOSED, TransitionMatrix

MONTHS_PER_YEAR = 12
PERFORMING_BUCKETS = 4  # M0–M3: at most 90 days past due, the states a stage 1 or 2 loan can be in
DEFAULT = PERFORMING_BUCKETS
EXITED = PERFORMING_BUCKETS + 1
CHAIN_STATES = ("M0", "M1", "M2", "M3", "default", "closed")


@dataclass(frozen=True, slots=True)
class MarkovChain:
    """A one-month transition matrix over M0–M3, default and closed (the last two absorbing)."""

    matrix: np.ndarray  # shape (6, 6), rows sum to 1

    @classmethod
    def from_transitions(cls, observed: TransitionMatrix) -> MarkovChain:
        """Collapse the observed M0–M7 matrix: M4–M7 and charge-off become default."""
        empty = [f"M{s}" for s in range(PERFORMING_BUCKETS) if observed.observations[s] <= 0]
        if empty:
            raise InsufficientHistory(
                f"no observed transitions out of {', '.join(empty)}; the Markov PD needs every bucket "
                "M0–M3 observed (use the model PD instead)", field="pd_method")
        p = observed.probabilities
        matrix = np.zeros((len(CHAIN_STATES), len(CHAIN_STATES)))
        matrix[:DEFAULT, :DEFAULT] = p[:DEFAULT, :DEFAULT]
        matrix[:DEFAULT, DEFAULT] = p[:DEFAULT, DEFAULT:CLOSED].sum(axis=1) + p[:DEFAULT, CHARGED_OFF]
        matrix[:DEFAULT, EXITED] = p[:DEFAULT, CLOSED]
        matrix[DEFAULT, DEFAULT] = 1.0
        matrix[EXITED, EXITED] = 1.0
        return cls(matrix)

    def cumulative_pd(self, months_max: int) -> np.ndarray:
        """CPD[s, m]: probability that a loan now in bucket s has defaulted within m months."""
        assert months_max >= 0, "a horizon is never negative"
        table = np.zeros((PERFORMING_BUCKETS, months_max + 1))
        distribution = np.eye(len(CHAIN_STATES))[:PERFORMING_BUCKETS]
        for month in range(1, months_max + 1):
            distribution = distribution @ self.matrix
            table[:, month] = distribution[:, DEFAULT]
        return table


def power(base: np.ndarray | float, exponent: np.ndarray | float) -> np.ndarray:
    """np.power on two materialised float64 arrays of one length: the code path both speeds share.

    numpy takes shortcuts for a scalar operand (a scalar exponent 2.0 becomes a square) that
    differ from its array loop in the last bit, so operands are never left as scalars or
    broadcast views.
    """
    base_array, exponent_array = np.broadcast_arrays(np.asarray(base, dtype=np.float64),
                                                     np.asarray(exponent, dtype=np.float64))
    return np.power(np.ascontiguousarray(base_array).reshape(-1), np.ascontiguousarray(exponent_array).reshape(-1))


def survival_model(pd_12m: float, years: float) -> float:
    """Probability of no default within `years` under a constant hazard fitted to the 12-month PD."""
    return float(power(np.array([1.0 - pd_12m]), np.array([years]))[0])


def survival_model_batch(pd_12m: np.ndarray, years: np.ndarray) -> np.ndarray:
    return power(1.0 - pd_12m, years)


def discount(eir_annual: float, years: float) -> float:
    """Present value of 1 received in `years` years, discounted at the effective interest rate."""
    return float(power(np.array([1.0 + eir_annual]), np.array([-years]))[0])


def discount_batch(eir_annual: np.ndarray, years: np.ndarray | float) -> np.ndarray:
    return power(1.0 + eir_annual, -np.asarray(years, dtype=np.float64))
