"""loans: leave room on each page (fillfactor 70) so EOD's daily rewrite of every open loan is a HOT
update on PostgreSQL (the new row version stays on its page; no index is touched)

Revision ID: 0009_loans_fillfactor
Revises: 0008_collections
"""

from __future__ import annotations

from alembic import op

revision = "0009_loans_fillfactor"
down_revision = "0008_collections"
branch_labels = None
depends_on = None

LOANS_FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE loans SET (fillfactor = {LOANS_FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans RESET (fillfactor)")
