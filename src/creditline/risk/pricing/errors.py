"""Typed errors for pricing."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidPriceGrid(DomainError):
    code = "invalid_price_grid"


class InvalidPricingInput(DomainError):
    code = "invalid_pricing_input"
