"""Typed errors for policy tables: a broken table is an analyst's mistake, named to the cell."""

from __future__ import annotations

from creditline.errors import DomainError


class InvalidPolicyTable(DomainError):
    code = "invalid_policy_table"


class PolicyInputMissing(DomainError):
    code = "policy_input_missing"


class UnknownPolicy(DomainError):
    code = "unknown_policy"
    http_status = 404
