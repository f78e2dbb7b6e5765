"""a row per borrower whose lock serialises contacts to them: the collections stage of end of day counted
a borrower's contacts and wrote its own without the lock an operator's contact took (an advisory lock per
borrower, which a stage holding one per contacted borrower would run out of), so an operator's contact
committed in between went uncounted and a cap could be exceeded (creditline.store.tables_collections)

Revision ID: 0022_contact_locks
Revises: 0021_autodebit_postings_borrower
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_contact_locks"
down_revision = "0021_autodebit_postings_borrower"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collection_contact_locks",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id"),
    )


def downgrade() -> None:
    op.drop_table("collection_contact_locks")
