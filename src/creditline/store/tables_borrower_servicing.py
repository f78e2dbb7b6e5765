"""Borrower-servicing tables (migration 0006_servicing_extras): recorded plan recommendations and the
transaction-monitoring profiles and outcomes.

A recommendation is kept as canonical JSON with its SHA-256, like a decision record: the options,
the choice and the reasons, so "why was I offered this plan" can be answered later. A monitoring
profile is one short row per borrower (running statistics, see `risk.transactions.profile`); every
scored activity leaves an outcome row (score, rules, action, and what became of it).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text

from creditline.store.tables import ID, KEY, metadata

plan_recommendations = Table(
    "plan_recommendations",
    metadata,
    Column("recommendation_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False, index=True),
    Column("line_id", String(ID), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recommended", String(40), nullable=True),  # the option key, or null when nothing fits
    Column("policy_version", String(40), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("record_sha256", String(64), nullable=False),
)

monitoring_profiles = Table(
    "monitoring_profiles",
    metadata,
    Column("borrower_id", String(ID), primary_key=True),
    Column("profile_json", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at_s", BigInteger, nullable=False),
)

monitoring_outcomes = Table(
    "monitoring_outcomes",
    metadata,
    Column("outcome_id", String(ID), primary_key=True),
    Column("borrower_id", String(ID), nullable=False),
    Column("kind", String(24), nullable=False),  # drawdown | account-change
    Column("at_s", BigInteger, nullable=False),
    Column("business_date", Date, nullable=False),
    Column("score", String(12), nullable=False),
    Column("rules_json", Text, nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("action", String(16), nullable=False),  # allow | step-up | hold
    Column("status", String(24), nullable=False),  # allowed | verified | step-up-required | held | released | rejected
    Column("reference", String(KEY), nullable=True),  # the drawdown's client key, the line...
    Column("resolved_on", Date, nullable=True),
    Column("resolver", String(ID), nullable=True),
    Index("ix_monitoring_outcomes_borrower_id_at_s", "borrower_id", "at_s"),
    Index("ix_monitoring_outcomes_status", "status"),
)
