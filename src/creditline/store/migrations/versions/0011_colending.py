"""co-lending: funding partners and their versions, loan funding shares and split basis, the partner
sub-ledger, partner principal per shard, and partner statements (creditline.store.tables_colending)

Revision ID: 0011_colending
Revises: 0010_postings_borrower
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_colending"
down_revision = "0010_postings_borrower"
branch_labels = None
depends_on = None

ID = 64


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=ID), nullable=nullable)


def upgrade() -> None:
    _partners()
    _loan_funding()
    _ledger()


def _partners() -> None:
    op.create_table(
        "funding_partners",
        _id("partner_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cost_of_funds", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_funding_partners")),
    )
    op.create_table(
        "funding_partner_versions",
        _id("partner_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("min_own_share_bp", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["funding_partners.partner_id"],
            name=op.f("fk_funding_partner_versions_partner_id_funding_partners"),
        ),
        sa.PrimaryKeyConstraint("partner_id", "version", name=op.f("pk_funding_partner_versions")),
    )
    op.create_table(
        "partner_statements",
        sa.Column("statement_id", sa.String(length=ID), nullable=False),
        _id("partner_id"),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("generated_on", sa.Date(), nullable=False),
        sa.Column("content_json", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["funding_partners.partner_id"],
            name=op.f("fk_partner_statements_partner_id_funding_partners"),
        ),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_partner_statements")),
        sa.UniqueConstraint(
            "partner_id",
            "period_from",
            "period_to",
            name=op.f("uq_partner_statements_partner_id_period_from_period_to"),
        ),
    )


def _loan_funding() -> None:
    op.create_table(
        "loan_funding",
        _id("loan_id"),
        _id("borrower_id"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("co_lent", sa.Boolean(), nullable=False),
        sa.Column("platform_share_bp", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("min_own_share_bp", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("decisions_json", sa.Text(), nullable=False),
        sa.Column("funded_on", sa.Date(), nullable=False),
        sa.Column("basis_totals_json", sa.Text(), nullable=False),
        sa.Column("basis_interest_accrued_minor", sa.BigInteger(), nullable=False),
        sa.Column("basis_penalty_accrued_minor", sa.BigInteger(), nullable=False),
        sa.Column("basis_version", sa.Integer(), nullable=False),
        sa.Column("basis_charged_off", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.loan_id"], name=op.f("fk_loan_funding_loan_id_loans")),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_loan_funding")),
    )
    op.create_index("ix_loan_funding_co_lent", "loan_funding", ["co_lent"])
    op.create_table(
        "loan_funding_shares",
        _id("loan_id"),
        _id("partner_id"),
        sa.Column("partner_version", sa.Integer(), nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        _id("borrower_id"),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loan_funding.loan_id"], name=op.f("fk_loan_funding_shares_loan_id_loan_funding")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["funding_partners.partner_id"],
            name=op.f("fk_loan_funding_shares_partner_id_funding_partners"),
        ),
        sa.PrimaryKeyConstraint("loan_id", "partner_id", name=op.f("pk_loan_funding_shares")),
    )
    op.create_index("ix_loan_funding_shares_partner_id", "loan_funding_shares", ["partner_id"])


def _ledger() -> None:
    op.create_table(
        "partner_ledger",
        sa.Column(
            "line_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        _id("entry_id"),
        _id("partner_id"),
        _id("loan_id", nullable=True),
        _id("borrower_id", nullable=True),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("movement", sa.String(length=32), nullable=False),
        sa.Column("recovery", sa.Boolean(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.entry_id"],
            name=op.f("fk_partner_ledger_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_partner_ledger")),
    )
    op.create_index(op.f("ix_partner_ledger_entry_id"), "partner_ledger", ["entry_id"])
    op.create_index(
        "ix_partner_ledger_partner_id_business_date", "partner_ledger", ["partner_id", "business_date"]
    )
    op.create_table(
        "partner_positions",
        _id("partner_id"),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "shard", "currency", name=op.f("pk_partner_positions")),
    )


def downgrade() -> None:
    op.drop_table("partner_positions")
    op.drop_index("ix_partner_ledger_partner_id_business_date", table_name="partner_ledger")
    op.drop_index(op.f("ix_partner_ledger_entry_id"), table_name="partner_ledger")
    op.drop_table("partner_ledger")
    op.drop_index("ix_loan_funding_shares_partner_id", table_name="loan_funding_shares")
    op.drop_table("loan_funding_shares")
    op.drop_index("ix_loan_funding_co_lent", table_name="loan_funding")
    op.drop_table("loan_funding")
    op.drop_table("partner_statements")
    op.drop_table("funding_partner_versions")
    op.drop_table("funding_partners")
