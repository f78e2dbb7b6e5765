"""Pricing: a risk-based daily rate on the published grid, shown with its APR, under the product's cap."""

from creditline.risk.pricing.errors import InvalidPriceGrid, InvalidPricingInput
from creditline.risk.pricing.grid import (
    GridTerms,
    PriceGrid,
    builtin_price_grid,
    grid_terms,
    parse_price_grid,
)
from creditline.risk.pricing.price import AprOf, Price, annualised_pd, price

__all__ = [
    "AprOf",
    "GridTerms",
    "InvalidPriceGrid",
    "InvalidPricingInput",
    "Price",
    "PriceGrid",
    "annualised_pd",
    "builtin_price_grid",
    "grid_terms",
    "parse_price_grid",
    "price",
]
