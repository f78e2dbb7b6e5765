"""Typed errors for limit assignment."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidLimitPolicy(DomainError):
    code = "invalid_limit_policy"


class InvalidLimitInput(DomainError):
    code = "invalid_limit_input"
