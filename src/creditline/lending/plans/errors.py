"""Typed errors for plan recommendation and restructure proposals."""

from __future__ import annotations

from creditline.errors import DomainError


class PlanInputInvalid(DomainError):
    """A borrower's finances or an affordability policy that cannot be assessed (negative income...)."""

    code = "plan_input_invalid"
