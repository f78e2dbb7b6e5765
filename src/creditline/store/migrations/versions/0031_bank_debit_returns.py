"""the simulated bank's returned debits: `sim_bank_debits.returned_on` and `return_reason` (a debit
executed, then returned by the bank days later, e.g. R01 insufficient funds), and the index the day's
returns are read through (`ix_sim_bank_debits_returned_on`; creditline.store.tables_servicing)

Revision ID: 0031_bank_debit_returns
Revises: 0030_last_events_claimed_ids
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_bank_debit_returns"
down_revision = "0030_last_events_claimed_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sim_bank_debits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=8), nullable=True))
        batch_op.create_index("ix_sim_bank_debits_returned_on", ["returned_on"])


def downgrade() -> None:
    with op.batch_alter_table("sim_bank_debits", schema=None) as batch_op:
        batch_op.drop_index("ix_sim_bank_debits_returned_on")
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_on")
