"""collections: contact profiles, notification outbox, contacts, work items, promises, behaviour scores,
limit reviews, early-warning alerts and fraud signals (tables in creditline.store.tables_collections)

Revision ID: 0008_collections
Revises: 0007_eod_servicing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_collections"
down_revision = "0007_eod_servicing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "behaviour_scores",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("scorecard", sa.String(length=80), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_behaviour_scores")),
    )
    op.create_table(
        "collection_contacts",
        sa.Column(
            "contact_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("at_s", sa.BigInteger(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("local_time", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("strategy", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_collection_contacts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_collection_contacts_dedupe_key")),
    )
    op.create_index(
        "ix_collection_contacts_borrower_id_at_s",
        "collection_contacts",
        ["borrower_id", "at_s"],
        unique=False,
    )
    op.create_index("ix_collection_contacts_loan_id", "collection_contacts", ["loan_id"], unique=False)
    op.create_table(
        "collection_profiles",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", name=op.f("pk_collection_profiles")),
    )
    op.create_table(
        "collection_promises",
        sa.Column("promise_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("cash_in_at_promise_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("operator", sa.String(length=64), nullable=True),
        sa.Column("strategy", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("promise_id", name=op.f("pk_collection_promises")),
    )
    op.create_index("ix_collection_promises_loan_id", "collection_promises", ["loan_id"], unique=False)
    op.create_index(
        "ix_collection_promises_status_due_on", "collection_promises", ["status", "due_on"], unique=False
    )
    op.create_table(
        "collection_work_items",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=24), nullable=False),
        sa.Column("stage", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("overdue_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("last_outcome", sa.String(length=24), nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("closed_reason", sa.String(length=40), nullable=True),
        sa.Column("strategy", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_collection_work_items")),
    )
    op.create_index(
        "ix_collection_work_items_loan_id_status",
        "collection_work_items",
        ["loan_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_collection_work_items_queue_status_priority",
        "collection_work_items",
        ["queue", "status", "priority"],
        unique=False,
    )
    op.create_table(
        "ew_alerts",
        sa.Column(
            "alert_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=True),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("message", sa.String(length=400), nullable=False),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("thresholds", sa.String(length=80), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_on", sa.Date(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_ew_alerts")),
    )
    op.create_index("ix_ew_alerts_borrower_id_status", "ew_alerts", ["borrower_id", "status"], unique=False)
    op.create_index(
        "ix_ew_alerts_kind_subject_status", "ew_alerts", ["kind", "subject", "status"], unique=False
    )
    op.create_index("ix_ew_alerts_status_alert_id", "ew_alerts", ["status", "alert_id"], unique=False)
    op.create_table(
        "ew_fraud_signals",
        sa.Column(
            "signal_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("alerted", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("signal_id", name=op.f("pk_ew_fraud_signals")),
    )
    op.create_index("ix_ew_fraud_signals_alerted", "ew_fraud_signals", ["alerted"], unique=False)
    op.create_table(
        "limit_reviews",
        sa.Column(
            "review_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("old_limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("new_limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons_json", sa.Text(), nullable=False),
        sa.Column("policy", sa.String(length=80), nullable=False),
        sa.Column("scorecard", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_limit_reviews")),
    )
    op.create_index("ix_limit_reviews_business_date", "limit_reviews", ["business_date"], unique=False)
    op.create_index(
        "ix_limit_reviews_line_id_business_date", "limit_reviews", ["line_id", "business_date"], unique=False
    )
    op.create_table(
        "notification_outbox",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("send_at_s", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_outbox_dedupe_key")),
    )
    op.create_index(
        "ix_notification_outbox_borrower_id", "notification_outbox", ["borrower_id"], unique=False
    )
    op.create_index(
        "ix_notification_outbox_status_send_at_s",
        "notification_outbox",
        ["status", "send_at_s"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notification_outbox_status_send_at_s", table_name="notification_outbox")
    op.drop_index("ix_notification_outbox_borrower_id", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_index("ix_limit_reviews_line_id_business_date", table_name="limit_reviews")
    op.drop_index("ix_limit_reviews_business_date", table_name="limit_reviews")
    op.drop_table("limit_reviews")
    op.drop_index("ix_ew_fraud_signals_alerted", table_name="ew_fraud_signals")
    op.drop_table("ew_fraud_signals")
    op.drop_index("ix_ew_alerts_status_alert_id", table_name="ew_alerts")
    op.drop_index("ix_ew_alerts_kind_subject_status", table_name="ew_alerts")
    op.drop_index("ix_ew_alerts_borrower_id_status", table_name="ew_alerts")
    op.drop_table("ew_alerts")
    op.drop_index("ix_collection_work_items_queue_status_priority", table_name="collection_work_items")
    op.drop_index("ix_collection_work_items_loan_id_status", table_name="collection_work_items")
    op.drop_table("collection_work_items")
    op.drop_index("ix_collection_promises_status_due_on", table_name="collection_promises")
    op.drop_index("ix_collection_promises_loan_id", table_name="collection_promises")
    op.drop_table("collection_promises")
    op.drop_table("collection_profiles")
    op.drop_index("ix_collection_contacts_loan_id", table_name="collection_contacts")
    op.drop_index("ix_collection_contacts_borrower_id_at_s", table_name="collection_contacts")
    op.drop_table("collection_contacts")
    op.drop_table("behaviour_scores")
