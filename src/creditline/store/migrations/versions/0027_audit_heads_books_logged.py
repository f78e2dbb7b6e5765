"""a signed tree head can state that the books are logged in full (`audit_heads.books_logged`, signed
with the head): `creditline audit verify` then fails on a journal entry or loan event without its log
record, and on a deleted `audit_books_logged` mark, whatever the database says; deleting the mark
and forging an entry passed as "1 not logged" (creditline.store.tables_audit.audit_heads)

Heads published before keep their v1 signature (no statement) and still verify.

Revision ID: 0027_audit_heads_books_logged
Revises: 0026_erasure_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_audit_heads_books_logged"
down_revision = "0026_erasure_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_heads") as batch:
        batch.add_column(sa.Column("books_logged", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("audit_heads") as batch:
        batch.drop_column("books_logged")
