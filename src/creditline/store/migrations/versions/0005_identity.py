"""identity: accounts, passkey credentials, sessions, challenges, consents, account applications

Revision ID: 0005_identity
Revises: 0004_origination
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_identity"
down_revision = "0004_origination"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_accounts",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("display_name", sa.String(64), nullable=False),
        sa.Column("user_handle", sa.String(64), nullable=False),
        sa.Column("borrower_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("privilege_epoch", sa.Integer(), nullable=False),
        sa.Column("enrollment_hash", sa.String(64), nullable=True),
        sa.Column("enrollment_expires_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_identity_accounts")),
        sa.UniqueConstraint("user_handle", name=op.f("uq_identity_accounts_user_handle")),
        sa.UniqueConstraint("borrower_id", name=op.f("uq_identity_accounts_borrower_id")),
        sa.UniqueConstraint("enrollment_hash", name=op.f("uq_identity_accounts_enrollment_hash")),
    )
    op.create_table(
        "identity_credentials",
        sa.Column("credential_id", sa.String(1400), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("backed_up", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["identity_accounts.account_id"],
            name=op.f("fk_identity_credentials_account_id_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_identity_credentials")),
    )
    op.create_index(op.f("ix_identity_credentials_account_id"), "identity_credentials", ["account_id"])
    op.create_table(
        "identity_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(24), nullable=False),
        sa.Column("privilege_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["identity_accounts.account_id"],
            name=op.f("fk_identity_sessions_account_id_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_identity_sessions")),
    )
    op.create_index(op.f("ix_identity_sessions_account_id"), "identity_sessions", ["account_id"])
    op.create_table(
        "identity_challenges",
        sa.Column("challenge", sa.String(96), nullable=False),
        sa.Column("purpose", sa.String(24), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=True),
        sa.Column("binding_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_identity_challenges")),
    )
    op.create_index("ix_identity_challenges_expires_at", "identity_challenges", ["expires_at"])
    op.create_table(
        "account_consents",
        sa.Column("consent_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("text_version", sa.String(64), nullable=False),
        sa.Column("granted_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["identity_accounts.account_id"],
            name=op.f("fk_account_consents_account_id_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_account_consents")),
    )
    op.create_index(op.f("ix_account_consents_account_id"), "account_consents", ["account_id"])
    op.create_table(
        "account_applications",
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["identity_accounts.account_id"],
            name=op.f("fk_account_applications_account_id_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_account_applications")),
    )
    op.create_index(op.f("ix_account_applications_account_id"), "account_applications", ["account_id"])


def downgrade() -> None:
    op.drop_table("account_applications")
    op.drop_table("account_consents")
    op.drop_table("identity_challenges")
    op.drop_table("identity_sessions")
    op.drop_table("identity_credentials")
    op.drop_table("identity_accounts")
