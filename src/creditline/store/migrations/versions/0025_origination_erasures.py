"""a counter of the erasures that removed fraud signals, moved in the erasing transaction: a running
server's in-memory fraud index (built from `origination_signals`, then only grown) reloads when it
moves, so an erased borrower's signals stop counting without a restart; they counted until the
server restarted (creditline.store.tables_origination.origination_erasures, app.apply_setup)

Revision ID: 0025_origination_erasures
Revises: 0024_portfolio_alert_currency
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_origination_erasures"
down_revision = "0024_portfolio_alert_currency"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "origination_erasures",
        sa.Column("counter", sa.String(length=16), nullable=False),
        sa.Column("erasures", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter", name=op.f("pk_origination_erasures")),
    )
    op.bulk_insert(table, [{"counter": "signals", "erasures": 0}])


def downgrade() -> None:
    op.drop_table("origination_erasures")
