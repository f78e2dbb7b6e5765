"""Typed errors of transaction monitoring."""

from __future__ import annotations

from creditline.errors import DomainError


class ActivityInvalid(DomainError):
    code = "activity_invalid"


class RulesInvalid(DomainError):
    code = "monitoring_rules_invalid"


class ProfileInvalid(DomainError):
    """A stored profile that does not parse: a corrupted row, never a borrower's mistake."""

    code = "monitoring_profile_invalid"
