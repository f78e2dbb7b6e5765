"""Typed ledger errors."""

from __future__ import annotations

from creditline.errors import DomainError


class LedgerError(DomainError):
    code = "ledger_error"


class UnbalancedEntry(LedgerError):
    """Debits and credits of one currency differ: the entry would create or destroy money."""

    code = "unbalanced_entry"
