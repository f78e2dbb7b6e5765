"""an index on line changes by kind and date (`ix_line_changes_what_on_date`): EOD's `retention` stage
finds the lines closed ten years before the business date through it, instead of reading every change

Revision ID: 0029_line_changes_on_date
Revises: 0028_identity_claim_refusals
"""

from __future__ import annotations

from alembic import op

revision = "0029_line_changes_on_date"
down_revision = "0028_identity_claim_refusals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_line_changes_what_on_date", "line_changes", ["what", "on_date"])


def downgrade() -> None:
    op.drop_index("ix_line_changes_what_on_date", table_name="line_changes")
