"""loan_checkpoints: each loan's fold checkpoint, so a command continues the fold instead of replaying
the loan's history (creditline.store.tables_checkpoints); fillfactor 70 on PostgreSQL so rewriting a
loan's checkpoint at each command is a HOT update

Revision ID: 0012_loan_checkpoints
Revises: 0011_colending
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_loan_checkpoints"
down_revision = "0011_colending"
branch_labels = None
depends_on = None

FILLFACTOR = 70


def upgrade() -> None:
    op.create_table(
        "loan_checkpoints",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_loan_checkpoints")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE loan_checkpoints SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    op.drop_table("loan_checkpoints")
