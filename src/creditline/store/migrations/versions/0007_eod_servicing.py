"""eod servicing: pipeline stage runs, the auto-debit outbox, loan facts and class changes, daily
portfolio snapshots, provision runs, and the simulated bank's and simulator's own tables

Revision ID: 0007_eod_servicing
Revises: 0006_servicing_extras
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_eod_servicing"
down_revision = "0006_servicing_extras"
branch_labels = None
depends_on = None

TABLES = (
    "snapshot_dates",
    "sim_population",
    "sim_bank_debits",
    "sim_bank_accounts",
    "provision_runs",
    "loan_snapshots",
    "loan_facts",
    "loan_class_changes",
    "eod_stage_runs",
    "debit_attempts",
)


def upgrade() -> None:
    op.create_table(
        "debit_attempts",
        sa.Column("attempt_key", sa.String(length=200), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("round", sa.SmallInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_minor", sa.BigInteger(), nullable=False),
        sa.Column("partial_min_minor", sa.BigInteger(), nullable=True),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("debited_minor", sa.BigInteger(), nullable=False),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("applied", sa.SmallInteger(), nullable=False),
        sa.Column("applied_path", sa.String(length=8), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("attempt_key", name=op.f("pk_debit_attempts")),
    )
    with op.batch_alter_table("debit_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_debit_attempts_business_date_round", ["business_date", "round"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_debit_attempts_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index("ix_debit_attempts_outcome_applied", ["outcome", "applied"], unique=False)

    op.create_table(
        "eod_stage_runs",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=48), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_date", "stage", name=op.f("pk_eod_stage_runs")),
    )
    op.create_table(
        "loan_class_changes",
        sa.Column(
            "change_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("what", sa.String(length=8), nullable=False),
        sa.Column("old_value", sa.String(length=16), nullable=True),
        sa.Column("new_value", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_loan_class_changes")),
    )
    with op.batch_alter_table("loan_class_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_class_changes_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_class_changes_on_date"), ["on_date"], unique=False)

    op.create_table(
        "loan_facts",
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("product_key", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("origination_date", sa.Date(), nullable=False),
        sa.Column("disbursed_minor", sa.BigInteger(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("eir_annual", sa.Float(), nullable=False),
        sa.Column("pd_origination", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("tier_since", sa.Date(), nullable=False),
        sa.Column("defaulted_on", sa.Date(), nullable=True),
        sa.Column("cash_in_at_default_minor", sa.BigInteger(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_loan_facts")),
    )
    op.create_table(
        "loan_snapshots",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=80), nullable=False),
        sa.Column("origination_date", sa.Date(), nullable=False),
        sa.Column("vintage_month", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("disbursed_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("penalty_minor", sa.BigInteger(), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("undrawn_minor", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_30d_minor", sa.BigInteger(), nullable=False),
        sa.Column("recovered_minor", sa.BigInteger(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.Column("pd_12m", sa.Float(), nullable=False),
        sa.Column("pd_12m_origination", sa.Float(), nullable=False),
        sa.Column("remaining_term_months", sa.Integer(), nullable=False),
        sa.Column("lgd", sa.Float(), nullable=True),
        sa.Column("eir_annual", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "loan_id", name=op.f("pk_loan_snapshots")),
    )
    op.create_table(
        "provision_runs",
        sa.Column("run_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("allowance_minor", sa.BigInteger(), nullable=False),
        sa.Column("previous_minor", sa.BigInteger(), nullable=False),
        sa.Column("stage1_minor", sa.BigInteger(), nullable=False),
        sa.Column("stage2_minor", sa.BigInteger(), nullable=False),
        sa.Column("stage3_minor", sa.BigInteger(), nullable=False),
        sa.Column("exposures", sa.BigInteger(), nullable=False),
        sa.Column("policy", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("run_date", "currency", name=op.f("pk_provision_runs")),
    )
    op.create_table(
        "sim_bank_accounts",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_sim_bank_accounts")),
    )
    op.create_table(
        "sim_bank_debits",
        sa.Column("debit_key", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_minor", sa.BigInteger(), nullable=False),
        sa.Column("debited_minor", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("executed", sa.SmallInteger(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("debit_key", name=op.f("pk_sim_bank_debits")),
    )
    op.create_table(
        "sim_population",
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=True),
        sa.Column("line_id", sa.String(length=64), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("persona", sa.String(length=16), nullable=False),
        sa.Column("latent_pd", sa.Float(), nullable=False),
        sa.Column("age_years", sa.Integer(), nullable=False),
        sa.Column("income_monthly_minor", sa.BigInteger(), nullable=False),
        sa.Column("employment", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("model_pd", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_sim_population")),
    )
    with op.batch_alter_table("sim_population", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sim_population_borrower_id"), ["borrower_id"], unique=False)

    op.create_table(
        "snapshot_dates",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("month_end", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", name=op.f("pk_snapshot_dates")),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
