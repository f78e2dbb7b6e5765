"""audit log, tree heads, sequencer state; encrypted personal data and its access log

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("audit_id", BigId, autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=True),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
        sa.UniqueConstraint("record_type", "record_id", name=op.f("uq_audit_log_record_type_record_id")),
    )
    op.create_index(op.f("ix_audit_log_borrower_id"), "audit_log", ["borrower_id"], unique=False)
    op.create_table(
        "audit_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("log_id", sa.String(length=64), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_heads")),
        sa.UniqueConstraint("business_date", name=op.f("uq_audit_heads_business_date")),
    )
    op.create_table(
        "audit_log_state",
        sa.Column("log_id", sa.String(length=64), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("log_id", name=op.f("pk_audit_log_state")),
    )
    op.create_table(
        "personal_data",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("blind_index", sa.String(length=32), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", "field", name=op.f("pk_personal_data")),
    )
    op.create_index("ix_personal_data_field_blind_index", "personal_data", ["field", "blind_index"], unique=False)
    op.create_index("ix_personal_data_key_id", "personal_data", ["key_id"], unique=False)
    op.create_table(
        "personal_data_access",
        sa.Column("access_id", BigId, autoincrement=True, nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("access_id", name=op.f("pk_personal_data_access")),
    )
    op.create_index(op.f("ix_personal_data_access_borrower_id"), "personal_data_access", ["borrower_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_data_access_borrower_id"), table_name="personal_data_access")
    op.drop_table("personal_data_access")
    op.drop_index("ix_personal_data_key_id", table_name="personal_data")
    op.drop_index("ix_personal_data_field_blind_index", table_name="personal_data")
    op.drop_table("personal_data")
    op.drop_table("audit_log_state")
    op.drop_table("audit_heads")
    op.drop_index(op.f("ix_audit_log_borrower_id"), table_name="audit_log")
    op.drop_table("audit_log")
