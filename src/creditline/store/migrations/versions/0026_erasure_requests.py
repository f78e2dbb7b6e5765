"""erasure requests: a borrower's answered request to erase their personal data, restricted while the
law still needs it (the vault's purpose checks refuse all but legal duties and the borrower's own
requests) or erased; there was no way to ask (creditline.store.tables_audit.erasure_requests,
app.subject_rights)

Revision ID: 0026_erasure_requests
Revises: 0025_origination_erasures
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_erasure_requests"
down_revision = "0025_origination_erasures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("erase_on", sa.Date(), nullable=True),
        sa.Column("erased_on", sa.Date(), nullable=True),
        sa.Column("fields_erased", sa.BigInteger(), nullable=True),
        sa.Column("policy_version", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=640), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_erasure_requests")),
    )


def downgrade() -> None:
    op.drop_table("erasure_requests")
