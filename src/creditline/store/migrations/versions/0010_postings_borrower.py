"""postings carry the borrower id (the shard key) like every other borrower-owned row, so a
distributed PostgreSQL can co-locate an entry's postings with its borrower; EOD summary postings,
which span borrowers, leave it empty

Revision ID: 0010_postings_borrower
Revises: 0009_loans_fillfactor
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_postings_borrower"
down_revision = "0009_loans_fillfactor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postings") as batch:
        batch.add_column(sa.Column("borrower_id", sa.String(length=64), nullable=True))
    # Postings written before this revision take their entry's borrower.
    op.execute(
        "UPDATE postings SET borrower_id = (SELECT borrower_id FROM journal_entries "
        "WHERE journal_entries.entry_id = postings.entry_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("postings") as batch:
        batch.drop_column("borrower_id")
