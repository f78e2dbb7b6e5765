"""loan events by borrower and by date, and refused identity claims by the identity claimed.

EOD's `retention` stage finds the former customers whose last loan event (a recovery, a credit balance
refunded after the line closed) reached its period through `ix_loan_events_effective_date`, and makes
sure each has none later through `ix_loan_events_borrower_id_effective_date` (which also serves a
borrower's last event in `app.subject_status`, a read of every event before); such a customer was
checked once, by the date their line closed, and kept for good. `identity_claim_refusals` keeps the
borrower id the refused application named (the keyed hash of its ID number), so refusals are counted
per claimed identity as well as per account: many accounts each had three tries at one ID number
(app.identity_claims).

Revision ID: 0030_last_events_claimed_ids
Revises: 0029_line_changes_on_date
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_last_events_claimed_ids"
down_revision = "0029_line_changes_on_date"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_loan_events_borrower_id_effective_date", "loan_events", ["borrower_id", "effective_date"])
    op.create_index("ix_loan_events_effective_date", "loan_events", ["effective_date"])
    with op.batch_alter_table("identity_claim_refusals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_borrower_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_identity_claim_refusals_claimed_borrower_id_refused_at",
        "identity_claim_refusals", ["claimed_borrower_id", "refused_at"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_identity_claim_refusals_claimed_borrower_id_refused_at", table_name="identity_claim_refusals")
    with op.batch_alter_table("identity_claim_refusals", schema=None) as batch_op:
        batch_op.drop_column("claimed_borrower_id")
    op.drop_index("ix_loan_events_effective_date", table_name="loan_events")
    op.drop_index("ix_loan_events_borrower_id_effective_date", table_name="loan_events")
