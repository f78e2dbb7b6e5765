"""the audit log says when the books are logged in full: a journal entry or loan event without its
log record then had its (pending) record deleted, and `creditline audit verify` fails on it with or
without --strict; before, it counted as "not logged", as in a database that predates the log
(creditline.store.tables_audit.audit_books_logged)

Marked here when no books record lacks its log record (a database created since the commands log
their writes); otherwise by `creditline audit backfill`, once it has logged what predates the log.

Revision ID: 0023_audit_books_logged
Revises: 0022_contact_locks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_audit_books_logged"
down_revision = "0022_contact_locks"
branch_labels = None
depends_on = None

_UNLOGGED = """
SELECT 1 FROM journal_entries AS b WHERE NOT EXISTS
  (SELECT 1 FROM audit_log AS a WHERE a.record_type = 'journal_entry' AND a.record_id = b.entry_id)
UNION ALL
SELECT 1 FROM loan_events AS b WHERE NOT EXISTS
  (SELECT 1 FROM audit_log AS a WHERE a.record_type = 'loan_event' AND a.record_id = b.event_id)
LIMIT 1
"""


def upgrade() -> None:
    table = op.create_table(
        "audit_books_logged",
        sa.Column("covers", sa.String(length=16), nullable=False),
        sa.Column("marked_by", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("covers", name=op.f("pk_audit_books_logged")),
    )
    if op.get_bind().execute(sa.text(_UNLOGGED)).first() is None:
        op.bulk_insert(table, [{"covers": "books", "marked_by": "migration"}])


def downgrade() -> None:
    op.drop_table("audit_books_logged")
