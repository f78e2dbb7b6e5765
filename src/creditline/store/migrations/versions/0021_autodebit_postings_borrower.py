"""auto-debit settlements' postings take their entry's borrower: the set-based settlement (end of day,
app.eod_autodebit) wrote them without it, unlike every other borrower's posting since 0010, so a
report or a distributed database going by the postings' borrower missed them

Revision ID: 0021_autodebit_postings_borrower
Revises: 0020_decisions_date_index
"""

from __future__ import annotations

from alembic import op

revision = "0021_autodebit_postings_borrower"
down_revision = "0020_decisions_date_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only postings left empty under an entry that has a borrower (EOD summaries span borrowers: empty).
    op.execute(
        "UPDATE postings SET borrower_id = (SELECT borrower_id FROM journal_entries "
        "WHERE journal_entries.entry_id = postings.entry_id) "
        "WHERE borrower_id IS NULL AND entry_id IN (SELECT entry_id FROM journal_entries WHERE borrower_id IS NOT NULL)"
    )


def downgrade() -> None:
    """Nothing to undo: the borrower is where it always belonged."""
