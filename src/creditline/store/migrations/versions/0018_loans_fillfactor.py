"""loans keep half of each page free (PostgreSQL fillfactor 50), so end of day's rewrite of every
open loan is a heap-only (HOT) update: the new version lands on the loan's own page and none of the
four indexes of loans gets a new entry; the day before's versions are pruned from the page as it is
read, without waiting for VACUUM. A million-loan accrual UPDATE went from 24 to 11 s of server time
(docs/benchmarks.md). Pages written before this keep their layout until rewritten; SQLite: nothing.

Revision ID: 0018_loans_fillfactor
Revises: 0017_sealed_display_names
"""

from __future__ import annotations

from alembic import op

revision = "0018_loans_fillfactor"
down_revision = "0017_sealed_display_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans RESET (fillfactor)")
