"""Risk-based price: a daily rate that covers cost, expected loss, capital and margin.

annual = cost of funds + PD × LGD (annualised) + operating cost + capital charge + margin
daily  = annual ÷ days in year, snapped up to the grid (a price must cover its cost), then walked
         down the grid while the IRR-based APR of the reference loan exceeds the product's cap.

When even the cap-clipped rate does not cover cost and expected loss (margin aside), the loan
would be made at a loss: `covers_cost` is False and the caller declines. The APR comes from an
injected function, so this package stays free of the lending schedule code it depends on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from creditline.money import CONTEXT, divide
from creditline.risk.pricing.errors import InvalidPricingInput
from creditline.risk.pricing.grid import GridTerms, PriceGrid, grid_terms

# `Price.display`'s sentence (gettext's %-style, so a page can translate it) and its parser, which
# gives a stored display's numbers back to the translated sentence.
DISPLAY = "daily rate %(daily)s%% (APR %(apr)s%%)"
DISPLAY_RE = re.compile(r"^daily rate (?P<daily>[\d.]+)% \(APR (?P<apr>[\d.]+)%\)$")

AprOf = Callable[[Decimal], Decimal]  # daily rate fraction -> APR fraction of the reference loan
MONTHS_IN_YEAR = 12


@dataclass(frozen=True, slots=True)
class Price:
    rate_daily: Decimal  # fraction per day, one of the grid's rates inside the product's range (or its ends)
    apr: Decimal  # IRR-based annual percentage rate of the reference loan, fraction
    rate_daily_required: Decimal  # the unsnapped cost-plus rate
    expected_loss_annual: Decimal
    clipped_by_cap: bool
    covers_cost: bool
    grid_version: str

    def display(self) -> str:
        """Daily rate and APR side by side, as the PBOC asks lenders to show them."""
        daily = CONTEXT.multiply(self.rate_daily, Decimal(100)).normalize()
        apr = CONTEXT.multiply(self.apr, Decimal(100)).quantize(Decimal("0.01"))
        return DISPLAY % {"daily": f"{daily:f}", "apr": f"{apr:f}"}


def annualised_pd(pd: Decimal, horizon_months: int) -> Decimal:
    """A PD over `horizon_months` as a 12-month PD, assuming a constant hazard: 1 − (1 − pd)^(12/h)."""
    if horizon_months == MONTHS_IN_YEAR:
        return pd
    survival = CONTEXT.power(1 - pd, divide(MONTHS_IN_YEAR, horizon_months))
    return 1 - survival


def price(
    pd: Decimal,
    grid: PriceGrid | GridTerms,
    apr_of: AprOf,
    *,
    apr_cap: Decimal | None = None,
    rate_range: tuple[Decimal, Decimal] | None = None,
) -> Price:
    """Price a borrower of probability of default `pd`; `apr_cap` (a fraction) may only lower the grid's;
    `rate_range` (the product's daily-rate range) keeps the price inside it."""
    terms = grid if isinstance(grid, GridTerms) else grid_terms(grid)
    if not isinstance(pd, Decimal) or not (0 <= pd <= 1):
        raise InvalidPricingInput("PD must be a Decimal between 0 and 1", field="pd")
    expected_loss = CONTEXT.multiply(annualised_pd(pd, terms.pd_horizon_months), terms.lgd)
    cost = terms.cost_annual + expected_loss
    required_daily = divide(cost + terms.margin_annual, terms.days_in_year)
    floor_daily = divide(cost, terms.days_in_year)
    rates = rates_within(terms.daily_rates, rate_range)
    index = next((i for i, r in enumerate(rates) if r >= required_daily), len(rates) - 1)
    cap = terms.apr_cap if apr_cap is None else min(apr_cap, terms.apr_cap)
    clipped = False
    apr = apr_of(rates[index])
    while apr > cap and index > 0:
        index, clipped = index - 1, True
        apr = apr_of(rates[index])
    if apr > cap:
        raise InvalidPricingInput(f"even the lowest grid rate exceeds the {cap} APR cap", field="apr_cap")
    rate = rates[index]
    return Price(rate, apr, required_daily, expected_loss, clipped, rate >= floor_daily, terms.version)


def rates_within(rates: tuple[Decimal, ...], rate_range: tuple[Decimal, Decimal] | None) -> tuple[Decimal, ...]:
    """The grid's rates inside the product's range; a product narrower than the grid's steps is priced at
    its range's ends (the grid's rate clamped into the range), so a price never falls outside the product."""
    if rate_range is None:
        return rates
    low, high = rate_range
    assert low <= high, "a product's daily-rate range is checked when it is loaded"
    inside = tuple(rate for rate in rates if low <= rate <= high)
    return inside or tuple(sorted({low, high}))
