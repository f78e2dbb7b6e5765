"""Scheduled amortisation of a loan's outstanding balance, per loan (Decimal) and per pool (numpy).

Period convention: every monthly period is exactly one twelfth of a year, so the periodic rate is
annual_rate / 12 for both the level payment and each month's interest. This is the convention
that reproduces Hastructure's published mortgage case (4,000.00 at 8.5% over 60 months leaves
3,946.27 after the first month) although that case is labelled ACT/365F: the label is the rate's
accrual basis for odd periods, while the schedule itself runs on whole months. Interest over the
actual days of a 31-day month at ACT/365F would leave 3,946.81; over 30 days, 3,945.88.

Balances here are unrounded expectations in minor units: the projection works on expected cash
flows and rounds once, where the waterfall takes them (see projection.py).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from creditline.funding.tape import Amortisation
from creditline.money import CONTEXT

MONTHS_IN_YEAR = 12
AMORTISATION_CODES = {
    Amortisation.LEVEL.value: 0,
    Amortisation.EVEN_PRINCIPAL.value: 1,
    Amortisation.INTEREST_ONLY.value: 2,
}


def monthly_rate_decimal(annual_rate: Decimal) -> Decimal:
    return CONTEXT.divide(annual_rate, MONTHS_IN_YEAR)


def level_payment_decimal(principal_minor: int, annual_rate: Decimal, term_months: int) -> Decimal:
    """The level (annuity) payment in unrounded minor units."""
    assert term_months > 0, "a level payment needs at least one period"
    r = monthly_rate_decimal(annual_rate)
    if r == 0:
        return CONTEXT.divide(Decimal(principal_minor), term_months)
    growth = CONTEXT.power(1 + r, term_months)
    return CONTEXT.divide(CONTEXT.multiply(Decimal(principal_minor), r * growth), growth - 1)


def scheduled_balance_decimal(
    principal_minor: int,
    annual_rate: Decimal,
    term_months: int,
    months_elapsed: int,
    amortisation: Amortisation,
) -> Decimal:
    """The per-item path: the balance left after `months_elapsed` scheduled payments, unrounded."""
    assert months_elapsed >= 0, "months elapsed is zero or more"
    if months_elapsed >= term_months:
        return Decimal(0)
    principal = Decimal(principal_minor)
    if amortisation is Amortisation.INTEREST_ONLY:
        return principal
    if amortisation is Amortisation.EVEN_PRINCIPAL:
        return CONTEXT.divide(CONTEXT.multiply(principal, term_months - months_elapsed), term_months)
    r = monthly_rate_decimal(annual_rate)
    if r == 0:
        return CONTEXT.divide(CONTEXT.multiply(principal, term_months - months_elapsed), term_months)
    full = CONTEXT.power(1 + r, term_months)
    done = CONTEXT.power(1 + r, months_elapsed)
    return CONTEXT.divide(CONTEXT.multiply(principal, full - done), full - 1)


def scheduled_balance_factors(
    annual_rate: np.ndarray, term_months: np.ndarray, amortisation_code: np.ndarray, horizon_months: int
) -> np.ndarray:
    """The vectorised path: shape (loans, horizon+1), the fraction of today's balance left at month a.

    Level loans: (G^n - G^a) / (G^n - 1) with G = 1 + r, the powers G^a built by a running product
    along the months (multiplications only, which is what makes 100,000 loans x 36 months cheap).
    """
    loans = term_months.shape[0]
    ages = np.arange(horizon_months + 1, dtype=np.float64)
    n = term_months.astype(np.float64)
    r = annual_rate / MONTHS_IN_YEAR
    factors = np.ones((loans, horizon_months + 1))
    level = (amortisation_code == 0) & (r > 0)
    linear = (amortisation_code == 1) | ((amortisation_code == 0) & (r <= 0))
    if level.any():
        growth = np.empty((int(level.sum()), horizon_months + 1))
        growth[:, 0] = 1.0
        growth[:, 1:] = (1.0 + r[level])[:, None]
        np.cumprod(growth, axis=1, out=growth)
        full = np.power(1.0 + r[level], n[level])[:, None]
        factors[level] = (full - growth) / (full - 1.0)
    if linear.any():
        factors[linear] = 1.0 - ages[None, :] / np.maximum(n[linear], 1.0)[:, None]
    factors[ages[None, :] >= n[:, None]] = 0.0
    return factors


def amortisation_codes(amortisation: np.ndarray) -> np.ndarray:
    lookup = np.vectorize(AMORTISATION_CODES.__getitem__, otypes=[np.int8])
    return lookup(amortisation) if amortisation.size else np.zeros(0, dtype=np.int8)
