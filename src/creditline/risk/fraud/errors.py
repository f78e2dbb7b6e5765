"""Typed errors for fraud configuration."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidFraudRules(DomainError):
    code = "invalid_fraud_rules"
