"""identity claim refusals: an application refused for the identity it named (identity_claimed,
identity_mismatch) is counted per account, and past the limit within the window the account's next
applications are refused (429 identity_attempts_exceeded) before any identity is looked up; an
account could ask, ID number after ID number, which ones belong to existing customers
(creditline.store.tables_identity.identity_claim_refusals, app.identity_claims)

Revision ID: 0028_identity_claim_refusals
Revises: 0027_audit_heads_books_logged
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_identity_claim_refusals"
down_revision = "0027_audit_heads_books_logged"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "identity_claim_refusals",
        sa.Column("refusal_id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("refused_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("refusal_id", name=op.f("pk_identity_claim_refusals")),
    )
    op.create_index(
        "ix_identity_claim_refusals_account_id_refused_at", "identity_claim_refusals", ["account_id", "refused_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_identity_claim_refusals_account_id_refused_at", table_name="identity_claim_refusals")
    op.drop_table("identity_claim_refusals")
