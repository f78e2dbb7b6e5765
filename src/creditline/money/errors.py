"""Typed errors for mistakes in amounts, currencies and rates."""

from __future__ import annotations

from creditline.errors import DomainError


class UnknownCurrency(DomainError):
    code = "unknown_currency"


class InvalidAmount(DomainError):
    code = "invalid_amount"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class InvalidRate(DomainError):
    code = "invalid_rate"


class InvalidDate(DomainError):
    code = "invalid_date"
