"""Post-loan tables (migration 0006_collections): collections, notifications, behaviour scores, limit
reviews and early-warning alerts.

Every borrower-owned row carries `borrower_id` (the shard key). Instants are integer Unix seconds
(UTC) with the borrower's time zone beside them, so "21:00 in Shanghai" is unambiguous on SQLite and
PostgreSQL alike. `dedupe_key` columns make the end-of-day stages safe to run twice: a planned
message or contact for the same loan, action and day is written once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, SmallInteger, String, Table, Text

from creditline.store.tables import ID, KEY, metadata
from creditline.store.types import BigId

LABEL = 80  # name@version of a strategy, scorecard, policy or thresholds file

collection_profiles = Table(
    "collection_profiles",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
    Column("time_zone", String(64), nullable=False),  # IANA name: quiet hours are the borrower's local hours
    Column("language", String(8), nullable=False),
    Column("updated_on", Date, nullable=False),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("message_id", String(ID), primary_key=True),
    Column("dedupe_key", String(KEY), nullable=False, unique=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("loan_id", String(ID), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("template_id", String(40), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("language", String(8), nullable=False),
    Column("text", String(500), nullable=False),
    Column("send_at_s", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # queued (a gateway adapter marks sent / failed)
    Column("business_date", Date, nullable=False),
    Index("ix_notification_outbox_status_send_at_s", "status", "send_at_s"),
    Index("ix_notification_outbox_borrower_id", "borrower_id"),
)

collection_contacts = Table(
    "collection_contacts",
    metadata,
    Column("contact_id", BigId, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(KEY), nullable=True, unique=True),  # automated contacts only
    Column("borrower_id", String(ID), nullable=False),
    Column("loan_id", String(ID), nullable=True),
    Column("item_id", String(ID), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("party", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("template_id", String(40), nullable=True),
    Column("template_version", Integer, nullable=True),
    Column("message_id", String(ID), nullable=True),
    Column("at_s", BigInteger, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("local_time", String(32), nullable=False),  # ISO 8601 with offset, as the borrower saw it
    Column("outcome", String(24), nullable=False),
    Column("operator", String(ID), nullable=True),
    Column("business_date", Date, nullable=False),
    Column("strategy", String(LABEL), nullable=False),
    Column("note", String(400), nullable=True),
    Index("ix_collection_contacts_borrower_id_at_s", "borrower_id", "at_s"),
    Index("ix_collection_contacts_loan_id", "loan_id"),
)

# PostgreSQL: a borrower's row is locked (FOR UPDATE) by every transaction that counts the borrower's contacts
# against the caps and then writes one — the collections stage, an operator's contact, a promise — so a
# contact never lands between another's count and its write. Rows, not advisory locks: a stage holding a
# lock per borrower it contacts would fill the server's lock table (migration 0022). SQLite serialises writers.
collection_contact_locks = Table(
    "collection_contact_locks",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
)

collection_work_items = Table(
    "collection_work_items",
    metadata,
    Column("item_id", String(ID), primary_key=True),
    Column("loan_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("queue", String(24), nullable=False),
    Column("stage", String(24), nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("overdue_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),  # open | assigned | closed
    Column("assignee", String(ID), nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("updated_on", Date, nullable=False),
    Column("last_outcome", String(24), nullable=True),
    Column("escalations", Integer, nullable=False),
    Column("closed_reason", String(40), nullable=True),
    Column("strategy", String(LABEL), nullable=False),
    Index("ix_collection_work_items_queue_status_priority", "queue", "status", "priority"),
    Index("ix_collection_work_items_loan_id_status", "loan_id", "status"),
)

collection_promises = Table(
    "collection_promises",
    metadata,
    Column("promise_id", String(ID), primary_key=True),
    Column("loan_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("made_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("cash_in_at_promise_minor", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # pending | kept | broken
    Column("paid_minor", BigInteger, nullable=False),
    Column("settled_on", Date, nullable=True),
    Column("item_id", String(ID), nullable=True),
    Column("operator", String(ID), nullable=True),
    Column("strategy", String(LABEL), nullable=False),
    Index("ix_collection_promises_status_due_on", "status", "due_on"),
    Index("ix_collection_promises_loan_id", "loan_id"),
)

behaviour_scores = Table(
    "behaviour_scores",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),  # the latest score; limit_reviews keep each one
    Column("score", Integer, nullable=False),
    Column("scored_on", Date, nullable=False),
    Column("scorecard", String(LABEL), nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("reasons_json", Text, nullable=False),
)

limit_reviews = Table(
    "limit_reviews",
    metadata,
    Column("review_id", BigId, primary_key=True, autoincrement=True),
    Column("line_id", String(ID), nullable=False),
    Column("borrower_id", String(ID), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("action", String(8), nullable=False),  # keep | raise | lower | freeze
    Column("old_limit_minor", BigInteger, nullable=False),
    Column("new_limit_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("score", Integer, nullable=False),
    Column("reasons_json", Text, nullable=False),
    Column("policy", String(LABEL), nullable=False),
    Column("scorecard", String(LABEL), nullable=False),
    Index("ix_limit_reviews_line_id_business_date", "line_id", "business_date"),
    Index("ix_limit_reviews_business_date", "business_date"),
)

ew_alerts = Table(
    "ew_alerts",
    metadata,
    Column("alert_id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("scope", String(12), nullable=False),  # loan | portfolio
    Column("subject", String(120), nullable=False),
    Column("borrower_id", String(ID), nullable=True),
    Column("loan_id", String(ID), nullable=True),
    Column("severity", String(8), nullable=False),
    Column("status", String(16), nullable=False),  # open | acknowledged | resolved
    Column("raised_on", Date, nullable=False),
    Column("message", String(400), nullable=False),
    Column("details_json", Text, nullable=False),
    Column("thresholds", String(LABEL), nullable=False),
    Column("acknowledged_by", String(ID), nullable=True),
    Column("acknowledged_on", Date, nullable=True),
    Column("resolved_by", String(ID), nullable=True),
    Column("resolved_on", Date, nullable=True),
    Column("note", String(400), nullable=True),
    Index("ix_ew_alerts_status_alert_id", "status", "alert_id"),
    Index("ix_ew_alerts_kind_subject_status", "kind", "subject", "status"),
    Index("ix_ew_alerts_borrower_id_status", "borrower_id", "status"),
)

ew_fraud_signals = Table(
    "ew_fraud_signals",
    metadata,
    Column("signal_id", BigId, primary_key=True, autoincrement=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", String(300), nullable=False),
    Column("source", String(40), nullable=False),
    Column("observed_on", Date, nullable=False),
    Column("alerted", SmallInteger, nullable=False),  # 0 until the early-warning stage raised its alert
    Index("ix_ew_fraud_signals_alerted", "alerted"),
)
