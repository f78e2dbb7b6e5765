"""Turn a loan's change of totals into its one balanced journal entry."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

from creditline.ledger import JournalEntry, postings_for_totals_delta, shard_of
from creditline.lending.loan.state import LoanTotals

_MOVEMENTS = tuple(f.name for f in fields(LoanTotals))
_amounts = attrgetter(*_MOVEMENTS)


def entry_for_totals(
    *, before: Any, after: Any, borrower_id: str, loan_id: str, key: str, reference: str, on: date, entry_id: str, memo: str
) -> JournalEntry | None:
    """The entry for `after.minus(before)` (LoanTotals), or None when no money moved."""
    postings = postings_for_totals_delta(moved(before, after), shard=shard_of(borrower_id), loan_id=loan_id)
    if not postings:
        return None
    return JournalEntry(
        entry_id=entry_id,
        idempotency_key=key,
        business_date=on,
        reference=reference,
        postings=tuple(postings),
        borrower_id=borrower_id,
        memo=memo,
    )


def moved(before: LoanTotals, after: LoanTotals) -> dict[str, Any]:
    """`after.minus(before).as_dict()` without the movements that are zero (which post nothing): a
    repayment moves two or three of the eighteen, and a subtraction of Money is not free."""
    movements = {}
    for name, now, was in zip(_MOVEMENTS, _amounts(after), _amounts(before), strict=True):
        same_currency = now.currency is was.currency or now.currency == was.currency
        if now.minor != was.minor or not same_currency:  # in another currency, `-` raises
            movements[name] = now - was
    return movements
