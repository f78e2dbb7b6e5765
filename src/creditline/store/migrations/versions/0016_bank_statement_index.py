"""the simulated bank's statement of a day, read by auto-debit reconciliation at every end of day:
an index on sim_bank_debits.business_date (creditline.store.tables_servicing)

Revision ID: 0016_bank_statement_index
Revises: 0015_audit_heads_by_date
"""

from __future__ import annotations

from alembic import op

revision = "0016_bank_statement_index"
down_revision = "0015_audit_heads_by_date"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sim_bank_debits_business_date", "sim_bank_debits", ["business_date"])


def downgrade() -> None:
    op.drop_index("ix_sim_bank_debits_business_date", table_name="sim_bank_debits")
