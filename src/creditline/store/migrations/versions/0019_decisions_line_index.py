"""the line an approval opened, with its jurisdiction, by index: early warning sums each day's open
principal by region (the jurisdiction a line was approved in) with a join on it, instead of reading
every decision — a row of ~4 KB of record — every day (creditline.store.tables_origination)

Revision ID: 0019_decisions_line_index
Revises: 0018_loans_fillfactor
"""

from __future__ import annotations

from alembic import op

revision = "0019_decisions_line_index"
down_revision = "0018_loans_fillfactor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_origination_decisions_line_id", "origination_decisions", ["line_id", "jurisdiction"])


def downgrade() -> None:
    op.drop_index("ix_origination_decisions_line_id", table_name="origination_decisions")
