"""servicing extras: plan recommendations, transaction-monitoring profiles and outcomes, promotions

Revision ID: 0006_servicing_extras
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_servicing_extras"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _servicing()
    _promotions()


def _servicing() -> None:
    op.create_table(
        "plan_recommendations",
        sa.Column("recommendation_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recommended", sa.String(length=40), nullable=True),
        sa.Column("policy_version", sa.String(length=40), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("recommendation_id", name=op.f("pk_plan_recommendations")),
    )
    op.create_index(op.f("ix_plan_recommendations_borrower_id"), "plan_recommendations", ["borrower_id"])
    op.create_table(
        "monitoring_profiles",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("profile_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at_s", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_monitoring_profiles")),
    )
    op.create_table(
        "monitoring_outcomes",
        sa.Column("outcome_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at_s", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("score", sa.String(length=12), nullable=False),
        sa.Column("rules_json", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolver", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("outcome_id", name=op.f("pk_monitoring_outcomes")),
    )
    op.create_index("ix_monitoring_outcomes_borrower_id_at_s", "monitoring_outcomes", ["borrower_id", "at_s"])
    op.create_index("ix_monitoring_outcomes_status", "monitoring_outcomes", ["status"])


def _promotions() -> None:
    op.create_table(
        "promotion_campaigns",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("budget_cap_minor", sa.BigInteger(), nullable=False),
        sa.Column("committed_minor", sa.BigInteger(), nullable=False),
        sa.Column("spent_minor", sa.BigInteger(), nullable=False),
        sa.Column("issue_from", sa.Date(), nullable=False),
        sa.Column("issue_until", sa.Date(), nullable=False),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_promotion_campaigns")),
    )
    op.create_table(
        "promotion_members",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["promotion_campaigns.campaign_id"],
            name=op.f("fk_promotion_members_campaign_id_promotion_campaigns"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "borrower_id", name=op.f("pk_promotion_members")),
    )
    op.create_table(
        "coupons",
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_version", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("draw_key", sa.String(length=200), nullable=True),
        sa.Column("reserved_on", sa.Date(), nullable=True),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("redeemed_on", sa.Date(), nullable=True),
        sa.Column("saving_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_minor", sa.BigInteger(), nullable=False),
        sa.Column("released_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["promotion_campaigns.campaign_id"], name=op.f("fk_coupons_campaign_id_promotion_campaigns")
        ),
        sa.PrimaryKeyConstraint("coupon_id", name=op.f("pk_coupons")),
    )
    op.create_index("ix_coupons_borrower_id_campaign_id", "coupons", ["borrower_id", "campaign_id"])
    op.create_index("ix_coupons_status_reserved_on", "coupons", ["status", "reserved_on"])
    op.create_table(
        "coupon_benefits",
        sa.Column("coupon_id", sa.String(length=64), nullable=False),
        sa.Column("installment", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("apply_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("applied_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.coupon_id"], name=op.f("fk_coupon_benefits_coupon_id_coupons")
        ),
        sa.PrimaryKeyConstraint("coupon_id", "installment", name=op.f("pk_coupon_benefits")),
    )
    op.create_index("ix_coupon_benefits_status_apply_on", "coupon_benefits", ["status", "apply_on"])
    op.create_index("ix_coupon_benefits_loan_id", "coupon_benefits", ["loan_id"])


def downgrade() -> None:
    for table in ("coupon_benefits", "coupons", "promotion_members", "promotion_campaigns"):
        op.drop_table(table)
    for table in ("monitoring_outcomes", "monitoring_profiles", "plan_recommendations"):
        op.drop_table(table)
