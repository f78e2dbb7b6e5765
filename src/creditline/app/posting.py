"""Turn a loan's change of totals into its one balanced journal entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from creditline.ledger import JournalEntry, postings_for_totals_delta, shard_of


def entry_for_totals(
    *, before: Any, after: Any, borrower_id: str, loan_id: str, key: str, reference: str, on: date, entry_id: str, memo: str
) -> JournalEntry | None:
    """The entry for `after.minus(before)` (LoanTotals), or None when no money moved."""
    delta = after.minus(before)
    postings = postings_for_totals_delta(delta.as_dict(), shard=shard_of(borrower_id), loan_id=loan_id)
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
