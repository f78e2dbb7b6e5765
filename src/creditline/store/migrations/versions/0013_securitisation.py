"""securitisation and partner settlement: deals sold to trusts, the loans in them with their split
basis, the trust sub-ledger, collection periods; partner remittances and allowance shares
(creditline.store.tables_securitisation)

Revision ID: 0013_securitisation
Revises: 0012_loan_checkpoints
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_securitisation"
down_revision = "0012_loan_checkpoints"
branch_labels = None
depends_on = None

ID = 64


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=ID), nullable=nullable)


def _minor(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    _deals()
    _ledger()
    _partners()


def _deals() -> None:
    op.create_table(
        "trust_deals",
        _id("deal_id"),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("spec_format", sa.String(length=8), nullable=False),
        sa.Column("spec_text", sa.Text(), nullable=False),
        sa.Column("spec_hash", sa.String(length=64), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("eligibility_json", sa.Text(), nullable=False),
        sa.Column("cut_off_date", sa.Date(), nullable=False),
        sa.Column("closing_date", sa.Date(), nullable=False),
        sa.Column("first_payment_date", sa.Date(), nullable=False),
        sa.Column("sale_price", sa.String(length=40), nullable=False),
        sa.Column("servicing_fee_rate", sa.String(length=40), nullable=False),
        sa.Column("retained_json", sa.Text(), nullable=False),
        sa.Column("pool_loans", sa.Integer(), nullable=False),
        _minor("pool_principal_minor"),
        _minor("price_minor"),
        _minor("retained_minor"),
        _minor("cash_minor"),
        _minor("discount_minor"),
        _id("sale_entry_id"),
        sa.Column("sold_on", sa.Date(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["sale_entry_id"], ["journal_entries.entry_id"], name=op.f("fk_trust_deals_sale_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_trust_deals")),
    )
    op.create_table(
        "trust_loans",
        _id("loan_id"),
        _id("deal_id"),
        _id("borrower_id"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("weights_json", sa.Text(), nullable=False),
        _minor("book_minor"),
        _minor("sale_minor"),
        sa.Column("cutoff_totals_json", sa.Text(), nullable=False),
        sa.Column("basis_totals_json", sa.Text(), nullable=False),
        sa.Column("basis_version", sa.Integer(), nullable=False),
        sa.Column("defaulted_on", sa.Date(), nullable=True),
        _minor("default_minor", nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.loan_id"], name=op.f("fk_trust_loans_loan_id_loans")),
        sa.ForeignKeyConstraint(["deal_id"], ["trust_deals.deal_id"], name=op.f("fk_trust_loans_deal_id_trust_deals")),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_trust_loans")),
    )
    op.create_index(op.f("ix_trust_loans_deal_id"), "trust_loans", ["deal_id"])


def _ledger() -> None:
    op.create_table(
        "trust_ledger",
        sa.Column("line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        _id("entry_id", nullable=True),
        _id("deal_id"),
        _id("loan_id"),
        _id("borrower_id"),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("movement", sa.String(length=32), nullable=False),
        sa.Column("recovery", sa.Boolean(), nullable=False),
        _minor("amount_minor"),
        sa.Column("period", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.entry_id"], name=op.f("fk_trust_ledger_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_trust_ledger")),
    )
    op.create_index("ix_trust_ledger_deal_id_period", "trust_ledger", ["deal_id", "period"])
    op.create_index("ix_trust_ledger_entry_id", "trust_ledger", ["entry_id"])
    op.create_table(
        "trust_periods",
        _id("deal_id"),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _minor("pool_start_minor"),
        _minor("fee_accrued_minor"),
        sa.Column("fee_accrued_through", sa.Date(), nullable=True),
        *(_minor(name, nullable=True) for name in _PERIOD_FIGURES),
        _id("entry_id", nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["trust_deals.deal_id"], name=op.f("fk_trust_periods_deal_id_trust_deals")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.entry_id"], name=op.f("fk_trust_periods_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("deal_id", "period", name=op.f("pk_trust_periods")),
    )


_PERIOD_FIGURES = (
    "interest_collected_minor", "principal_collected_minor", "recoveries_minor", "defaults_minor", "pool_end_minor",
    "delinquent_minor", "fee_paid_minor", "retained_principal_minor", "retained_income_minor",
    "retained_writedown_minor", "discount_amortised_minor", "remitted_minor",
)  # fmt: skip


def _partners() -> None:
    op.create_table(
        "partner_remittances",
        _id("partner_id"),
        sa.Column("through_date", sa.Date(), nullable=False),
        _id("remittance_id"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _minor("amount_minor"),
        _id("entry_id", nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["funding_partners.partner_id"], name=op.f("fk_partner_remittances_partner_id_funding_partners")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.entry_id"], name=op.f("fk_partner_remittances_entry_id_journal_entries")
        ),
        sa.PrimaryKeyConstraint("partner_id", "through_date", name=op.f("pk_partner_remittances")),
        sa.UniqueConstraint("remittance_id", name=op.f("uq_partner_remittances_remittance_id")),
    )
    op.create_table(
        "partner_allowance_shares",
        sa.Column("as_of", sa.Date(), nullable=False),
        _id("partner_id"),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _minor("allowance_minor"),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "partner_id", "currency", name=op.f("pk_partner_allowance_shares")),
    )


def downgrade() -> None:
    op.drop_table("partner_allowance_shares")
    op.drop_table("partner_remittances")
    op.drop_table("trust_periods")
    op.drop_index("ix_trust_ledger_entry_id", table_name="trust_ledger")
    op.drop_index("ix_trust_ledger_deal_id_period", table_name="trust_ledger")
    op.drop_table("trust_ledger")
    op.drop_index(op.f("ix_trust_loans_deal_id"), table_name="trust_loans")
    op.drop_table("trust_loans")
    op.drop_table("trust_deals")
