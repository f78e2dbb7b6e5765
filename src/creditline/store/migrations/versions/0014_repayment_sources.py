"""smart auto-debit: repayment sources with priority, paydays, the simulated bank's inflows, and the
source each debit attempt asked (creditline.store.tables_repayment_sources)

Revision ID: 0014_repayment_sources
Revises: 0013_securitisation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_repayment_sources"
down_revision = "0013_securitisation"
branch_labels = None
depends_on = None

ID = 64
KEY = 200


def upgrade() -> None:
    op.create_table(
        "repayment_sources",
        sa.Column("source_id", sa.String(length=ID), nullable=False),
        sa.Column("borrower_id", sa.String(length=ID), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("bank_account_id", sa.String(length=ID), nullable=False),
        sa.Column("vault_field", sa.String(length=32), nullable=False),
        sa.Column("account_index", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_repayment_sources")),
    )
    op.create_index("ix_repayment_sources_borrower_id_status", "repayment_sources", ["borrower_id", "status"])
    op.create_table(
        "borrower_paydays",
        sa.Column("borrower_id", sa.String(length=ID), nullable=False),
        sa.Column("payday", sa.SmallInteger(), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_borrower_paydays")),
    )
    op.create_table(
        "sim_bank_inflows",
        sa.Column("inflow_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=ID), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=KEY), nullable=False),
        sa.PrimaryKeyConstraint("inflow_id", name=op.f("pk_sim_bank_inflows")),
    )
    op.create_index("ix_sim_bank_inflows_business_date", "sim_bank_inflows", ["business_date"])
    # Existing attempts asked the account on file, first: a plain ADD COLUMN (no table copy on SQLite).
    op.add_column("debit_attempts", sa.Column("source_id", sa.String(length=ID), nullable=True))
    op.add_column(
        "debit_attempts", sa.Column("source_rank", sa.SmallInteger(), nullable=False, server_default="1")
    )


def downgrade() -> None:
    with op.batch_alter_table("debit_attempts") as batch:
        batch.drop_column("source_rank")
        batch.drop_column("source_id")
    op.drop_index("ix_sim_bank_inflows_business_date", table_name="sim_bank_inflows")
    op.drop_table("sim_bank_inflows")
    op.drop_table("borrower_paydays")
    op.drop_index("ix_repayment_sources_borrower_id_status", table_name="repayment_sources")
    op.drop_table("repayment_sources")
