"""audit heads keyed by business date: a day on which nothing was logged still gets its signed head (the
same size and root as the day before, a new date), so tree_size is an ordinary indexed column

Revision ID: 0015_audit_heads_by_date
Revises: 0014_repayment_sources
"""

from __future__ import annotations

from alembic import op

revision = "0015_audit_heads_by_date"
down_revision = "0014_repayment_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite copies the table (batch mode); PostgreSQL alters the constraints in place.
    with op.batch_alter_table("audit_heads", recreate="auto") as batch:
        batch.drop_constraint("uq_audit_heads_business_date", type_="unique")
        batch.drop_constraint("pk_audit_heads", type_="primary")
        batch.create_primary_key("pk_audit_heads", ["business_date"])
        batch.create_index("ix_audit_heads_tree_size", ["tree_size"], unique=False)


def downgrade() -> None:
    # Fails while two heads share a size (idle days): those databases cannot go back without losing heads.
    with op.batch_alter_table("audit_heads", recreate="auto") as batch:
        batch.drop_index("ix_audit_heads_tree_size")
        batch.drop_constraint("pk_audit_heads", type_="primary")
        batch.create_primary_key("pk_audit_heads", ["tree_size"])
        batch.create_unique_constraint("uq_audit_heads_business_date", ["business_date"])
