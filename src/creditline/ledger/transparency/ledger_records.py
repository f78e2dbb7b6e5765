"""Log records from the ledger's own journal entries: the one place that mapping is written down."""

from __future__ import annotations

from creditline.ledger.journal import JournalEntry
from creditline.ledger.transparency.records import JournalEntryRecord, PostingLine


def journal_entry_record(entry: JournalEntry) -> JournalEntryRecord:
    """The entry as the log keeps it: ids, date, reference and postings; the memo and key stay out."""
    lines = tuple(
        PostingLine(
            str(p.account), "debit" if p.amount.minor > 0 else "credit", abs(p.amount.minor),
            p.amount.currency.code, p.shard, p.loan_id,
        )
        for p in entry.postings
    )
    return JournalEntryRecord(entry.entry_id, entry.borrower_id, entry.business_date, entry.reference, lines)
