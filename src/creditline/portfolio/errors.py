"""Typed errors for portfolio analytics: bad snapshots, missing dates, assumptions out of range."""

from __future__ import annotations

from creditline.errors import DomainError, NotFound


class InvalidSnapshot(DomainError):
    """A snapshot table breaks the schema: a missing column, a wrong type or a value out of range."""

    code = "invalid_snapshot"


class SnapshotNotFound(NotFound):
    """No snapshot exists for the date a metric or report asked for."""

    code = "snapshot_not_found"


class InvalidAssumption(DomainError):
    """A model assumption (CCF, LGD, a regulatory band, a balance-sheet figure) is out of range."""

    code = "invalid_assumption"


class InsufficientHistory(DomainError):
    """The snapshots are too short to estimate what was asked (a transition row with no observations)."""

    code = "insufficient_history"
